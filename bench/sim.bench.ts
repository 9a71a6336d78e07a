// kube-sim throughput: SSA applies/s, gets/s, watch events delivered/s to 10 watchers, memory per object.
// The sim runs in a worker thread (its own event loop, like a separate apiserver process); load comes from
// this thread over real HTTP with keep-alive connections.
import http from 'node:http';
import net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { startKubeSim } from '@lostromos/kube-sim';

const CONCURRENCY = 64;

if (!isMainThread) {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const sim = await startKubeSim({ workloads: { enabled: false }, historyWindow: 10_000 });
  parentPort!.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'heap') {
      gc();
      gc();
      parentPort!.postMessage({ heap: process.memoryUsage().heapUsed, objects: sim.stats().objects });
    } else if (m.cmd === 'stop') void sim.stop().then(() => parentPort!.postMessage({ stopped: true }));
  });
  parentPort!.postMessage({ url: sim.url });
} else {
  const worker = new Worker(new URL(import.meta.url));
  const next = (): Promise<unknown> => new Promise((resolve) => worker.once('message', resolve));
  const { url } = (await next()) as { url: string };
  const { hostname, port } = new URL(url);
  // A minimal keep-alive HTTP/1.1 load generator (like wrk): raw sockets, requests pipelined a few deep,
  // responses parsed by Content-Length, so the client thread costs far less than node:http's client.
  const CONNECTIONS = 16;
  interface Conn {
    socket: net.Socket;
    buf: Buffer;
    waiting: ((status: number) => void)[];
  }
  const conns: Conn[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const socket = net.connect(Number(port), hostname);
    socket.setNoDelay(true);
    const c: Conn = { socket, buf: Buffer.alloc(0), waiting: [] };
    socket.on('data', (d: Buffer) => {
      c.buf = c.buf.length ? Buffer.concat([c.buf, d]) : d;
      for (;;) {
        const end = c.buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = c.buf.subarray(0, end).toString('latin1');
        const m = /content-length: (\d+)/i.exec(head);
        const total = end + 4 + (m ? Number(m[1]) : 0);
        if (c.buf.length < total) return;
        c.buf = c.buf.subarray(total);
        c.waiting.shift()?.(Number(head.slice(9, 12)));
      }
    });
    await new Promise((r) => socket.once('connect', r));
    conns.push(c);
  }
  let rr = 0;
  const request = (
    method: string,
    path: string,
    body?: string,
    contentType = 'application/json',
  ): Promise<number> => {
    const c = conns[rr++ % CONNECTIONS]!;
    const head = `${method} ${path} HTTP/1.1\r\nHost: ${hostname}\r\nUser-Agent: sim-bench\r\n`;
    c.socket.write(
      body
        ? `${head}Content-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
        : `${head}\r\n`,
    );
    return new Promise((resolve) => c.waiting.push(resolve));
  };

  async function run(
    total: number,
    op: (i: number) => Promise<number>,
  ): Promise<{ perSecond: number; failures: number }> {
    let nextI = 0;
    let failures = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = nextI++; i < total; i = nextI++) {
          const code = await op(i);
          if (code >= 300) failures++;
        }
      }),
    );
    return { perSecond: total / ((performance.now() - t0) / 1000), failures };
  }

  const ns = (name: string) =>
    request(
      'POST',
      '/api/v1/namespaces',
      JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
    );
  await ns('bench');
  await ns('bench-watch');
  await ns('bench-mem');

  const applyBody = (i: number, round: number) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i % 2000}`, labels: { app: 'bench', shard: String(i % 8) } },
      data: { round: String(round), payload: 'x'.repeat(200), key: `value-${i}` },
    });
  // warm-up
  await run(2000, (i) =>
    request(
      'PATCH',
      `/api/v1/namespaces/bench/configmaps/cm-${i % 2000}?fieldManager=bench`,
      applyBody(i, 0),
      'application/apply-patch+yaml',
    ),
  );
  const applies = await run(20_000, (i) =>
    request(
      'PATCH',
      `/api/v1/namespaces/bench/configmaps/cm-${i % 2000}?fieldManager=bench`,
      applyBody(i, Math.floor(i / 2000) + 1),
      'application/apply-patch+yaml',
    ),
  );
  const gets = await run(30_000, (i) => request('GET', `/api/v1/namespaces/bench/configmaps/cm-${i % 2000}`));

  // 10 watchers on one namespace; writes as fast as the client can send them for a fixed number of writes.
  const WATCHERS = 10;
  let delivered = 0;
  const watchReqs: http.ClientRequest[] = [];
  await Promise.all(
    Array.from(
      { length: WATCHERS },
      () =>
        new Promise<void>((resolve) => {
          const req = http.get(
            {
              host: hostname,
              port,
              path: '/api/v1/namespaces/bench-watch/configmaps?watch=true&resourceVersion=0',
              agent: false,
            },
            (res) => {
              res.on('data', (chunk: Buffer) => {
                for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) delivered++;
              });
              resolve();
            },
          );
          watchReqs.push(req);
        }),
    ),
  );
  const WRITES = 15_000;
  const t0 = performance.now();
  const writes = await run(WRITES, (i) =>
    i < 1000
      ? request(
          'POST',
          '/api/v1/namespaces/bench-watch/configmaps',
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `w-${i}` },
            data: { i: String(i) },
          }),
        )
      : request(
          'PATCH',
          `/api/v1/namespaces/bench-watch/configmaps/w-${i % 1000}`,
          JSON.stringify({ data: { i: String(i) } }),
          'application/merge-patch+json',
        ),
  );
  while (delivered < WRITES * WATCHERS && performance.now() - t0 < 30_000)
    await new Promise((r) => setTimeout(r, 5));
  const watchSeconds = (performance.now() - t0) / 1000;
  for (const r of watchReqs) r.destroy();

  // Memory: heap growth per stored object (a ConfigMap with labels, ~250 bytes of data and managed fields).
  worker.postMessage({ cmd: 'heap' });
  const before = (await next()) as { heap: number; objects: number };
  const MEM_OBJECTS = 10_000;
  await run(MEM_OBJECTS, (i) =>
    request(
      'PATCH',
      `/api/v1/namespaces/bench-mem/configmaps/m-${i}?fieldManager=bench`,
      applyBody(i, 1).replace(`cm-${i % 2000}`, `m-${i}`),
      'application/apply-patch+yaml',
    ),
  );
  worker.postMessage({ cmd: 'heap' });
  const after = (await next()) as { heap: number; objects: number };

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(
    `SSA applies/s (20,000 applies, ${CONCURRENCY} in flight):          ${fmt(applies.perSecond)}${applies.failures ? `  (${applies.failures} failed)` : ''}`,
  );
  console.log(
    `gets/s (30,000 GETs, ${CONCURRENCY} in flight):                     ${fmt(gets.perSecond)}${gets.failures ? `  (${gets.failures} failed)` : ''}`,
  );
  console.log(
    `writes/s while 10 watchers listen:                          ${fmt(writes.perSecond)}${writes.failures ? `  (${writes.failures} failed)` : ''}`,
  );
  console.log(
    `watch events delivered/s (10 watchers, ${fmt(delivered)} events):  ${fmt(delivered / watchSeconds)}`,
  );
  console.log(
    `memory per stored object (${fmt(after.objects - before.objects)} ConfigMaps via SSA):      ${fmt((after.heap - before.heap) / (after.objects - before.objects))} bytes`,
  );
  worker.postMessage({ cmd: 'stop' });
  await next();
  for (const c of conns) c.socket.destroy();
  await worker.terminate();
}
