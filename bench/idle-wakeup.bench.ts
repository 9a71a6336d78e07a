// What a job costs the worker process that takes it when the job wakes it from idle, against a job taken while
// busy. A worker runs in a child process; this process adds jobs with CrQueueProducer and reads the child's
// CPU from /proc (schedstat of every thread: ns, not 10 ms ticks) around each phase:
//   idle    nothing added: the worker's own timers and blocking reads, per second
//   trickle one job every TRICKLE_MS (each finds the worker idle): CPU per job, all of it (what a worker under
//           a trickle of changes spends) and without the idle rate (what the jobs add to it)
//   burst   the same number of jobs added at once (taken in the busy loop)
// plus Redis commands per job (INFO commandstats). IDLE_TARGET picks the worker:
//   queue      (default) a CrWorker (libs/queue, the product's options, concurrency 8) with a trivial process
//   worker     the real worker process (apps/cli `start --role worker`) reconciling IDLE_CRS converged CRs of
//              the bench resource against the simulator over TLS (libs/kube-sim, in this process)
//   calibrate  no queue at all: a Node process running the same JS (a walk over 20,000 small objects) once
//              per TRICKLE_MS, against back to back — what a wake-up costs on this machine by itself
// Usage: node bench/idle-wakeup.bench.ts (after npm run build); IDLE_JOBS=100 TRICKLE_MS=300 IDLE_ROUNDS=2
// IDLE_CONCURRENCY=8 IDLE_CRS=20 IDLE_NODE_ARGS='--cpu-prof --cpu-prof-dir=<dir>' (flags of the measured process). Run it with nice: it is cheap,
// but other work on the machine changes its figures (see docs/performance.md, section 5).
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { startKubeSim, type KubeSim } from '@lostromos/kube-sim';
import { createRedisConnection, CrQueueProducer, CrWorker } from '@lostromos/queue';
import { CLI, LOSTROMOS_CR, TEMPLATES } from './lib/lostromos.ts';
import { commandDelta, respClient, startBenchRedis } from './lib/redis.ts';
import { crdFor, crPath } from './lib/tool.ts';
import { freePort } from '../test/control-plane/control-plane.ts';

const TARGET = process.env.IDLE_TARGET ?? 'queue';
const JOBS = Number(process.env.IDLE_JOBS ?? 100);
const TRICKLE_MS = Number(process.env.TRICKLE_MS ?? 300);
const ROUNDS = Number(process.env.IDLE_ROUNDS ?? 2);
const CONCURRENCY = Number(process.env.IDLE_CONCURRENCY ?? 8);
const CRS = Number(process.env.IDLE_CRS ?? 20);
/** Node flags for the measured process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p` or `--trace-gc`. */
const NODE_ARGS = (process.env.IDLE_NODE_ARGS ?? '').split(' ').filter(Boolean);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** CPU time of every thread of `pid` (ms, from /proc/<pid>/task/<tid>/schedstat: time on CPU in ns). */
function threadCpuMs(pid: number): number {
  let ns = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e6;
}

const table = (head: string[], rows: string[][]): string => {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padStart(widths[i]!)).join('  ')).join('\n');
};

if (process.argv[2] === 'queue-child') {
  // The queue's worker alone: nothing else runs in this process.
  const worker = new CrWorker({
    queueName: 'things',
    prefix: 'idle',
    connection: createRedisConnection({ url: process.argv[3]! }, 'worker'),
    concurrency: CONCURRENCY,
    lockDurationMs: 30_000,
    name: 'idle-bench',
    process: () => Promise.resolve({ outcome: 'applied' }),
  });
  worker.worker.on('error', (err) => console.error('worker error:', err.message));
  await worker.worker.waitUntilReady();
  worker.start();
  process.send!('ready');
  process.on('message', (m) => {
    if (m === 'stop') void worker.close(5000).then(() => process.exit(0));
  });
} else if (process.argv[2] === 'calibrate-child') {
  // The same JS work, once per TRICKLE_MS or back to back; the parent reads this process' CPU.
  const objs = Array.from({ length: 20_000 }, (_, i) => ({ a: i, b: { c: String(i) } }));
  let sink = 0;
  const work = (): void => {
    for (const o of objs) sink += o.b.c.length;
  };
  for (let i = 0; i < 500; i++) work();
  process.on('message', (m: { n: number; gapMs: number }) => {
    void (async () => {
      for (let i = 0; i < m.n; i++) {
        work();
        await (m.gapMs > 0 ? sleep(m.gapMs) : new Promise((r) => setImmediate(r)));
      }
      process.send!({ done: sink > 0 });
    })();
  });
  process.send!('ready');
} else if (TARGET === 'calibrate') {
  const child = fork(import.meta.filename, ['calibrate-child'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise((r) => child.once('message', r));
  const run = async (gapMs: number): Promise<number> => {
    const before = threadCpuMs(child.pid!);
    child.send({ n: JOBS, gapMs });
    await new Promise((r) => child.once('message', r));
    return (threadCpuMs(child.pid!) - before) / JOBS;
  };
  const rows: string[][] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const idle = await run(TRICKLE_MS);
    const busy = await run(0);
    rows.push([String(round), idle.toFixed(3), busy.toFixed(3), (idle / busy).toFixed(1)]);
  }
  console.log(
    `the same JS work (walk over 20,000 objects), CPU ms per run: once every ${TRICKLE_MS} ms vs back to back`,
  );
  console.log(table(['round', `every ${TRICKLE_MS} ms`, 'back to back', 'ratio'], rows));
  child.kill();
} else {
  const redis = await startBenchRedis();
  const rc = respClient(redis.port);
  let child: ChildProcess;
  let prefix: string;
  let queue: string;
  let key: (i: number) => string;
  let sim: KubeSim | undefined;
  let stopChild: () => Promise<void>;
  if (TARGET === 'queue') {
    prefix = 'idle';
    queue = 'things';
    let serial = 0;
    key = () => `crew/cr-${serial++}`; // a new key per job: none coalesces
    child = fork(import.meta.filename, ['queue-child', redis.url], {
      execArgv: NODE_ARGS,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`worker child exited with ${code} before it was ready`)));
    });
    stopChild = async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.send('stop');
      await exited;
    };
  } else if (TARGET === 'worker') {
    ({ child, sim, stopChild } = await startRealWorker(redis.url));
    prefix = 'bench';
    queue = LOSTROMOS_CR.plural;
    // The CRs are converged: every job is the CR's no-op reconcile, the same work whether idle or busy.
    key = (i) => `${LOSTROMOS_CR.group}/${LOSTROMOS_CR.plural}/bench/cr-${i % CRS}`;
  } else {
    throw new Error(`IDLE_TARGET must be queue, worker or calibrate; got "${TARGET}"`);
  }
  const pid = child.pid!;
  const producer = new CrQueueProducer({
    connection: createRedisConnection({ url: redis.url }, 'producer'),
    prefix,
    queues: [queue],
  });
  // Completed jobs, counted in Redis (the set is emptied before each phase, which stays below the 1,000 the
  // worker keeps), so the child is not asked anything while it is measured.
  const completedKey = `${prefix}:${queue}:completed`;
  const completed = async (): Promise<number> => Number(await rc.command('ZCARD', completedKey));
  const settle = async (target: number): Promise<void> => {
    const deadline = Date.now() + 180_000;
    while ((await completed()) < target) {
      if (Date.now() > deadline) throw new Error(`only ${await completed()} of ${target} jobs completed`);
      await sleep(20);
    }
  };
  interface Phase {
    cpuMs: number;
    redisCpuMs: number;
    wallMs: number;
    commands: number;
  }
  const measure = async (run: () => Promise<void>): Promise<Phase> => {
    await rc.command('DEL', completedKey);
    const calls = await redis.commandCalls();
    const cpu = threadCpuMs(pid);
    const redisCpu = threadCpuMs(redis.pid);
    const t0 = performance.now();
    await run();
    const wallMs = performance.now() - t0;
    return {
      cpuMs: threadCpuMs(pid) - cpu,
      redisCpuMs: threadCpuMs(redis.pid) - redisCpu,
      wallMs,
      commands: commandDelta(calls, await redis.commandCalls()),
    };
  };
  // One add at a time in both phases (the producer's path is not what is measured); in a burst, keys that
  // would repeat within it are spread over a few waves, so none coalesces.
  const burst = async (): Promise<void> => {
    const wave = TARGET === 'worker' ? CRS : JOBS;
    for (let done = 0; done < JOBS; done += wave) {
      const n = Math.min(wave, JOBS - done);
      await Promise.all(Array.from({ length: n }, (_, i) => producer.enqueue(queue, key(done + i), 'event')));
      await settle(done + n);
    }
  };
  const trickle = async (): Promise<void> => {
    for (let i = 0; i < JOBS; i++) {
      await producer.enqueue(queue, key(i), 'event');
      await sleep(TRICKLE_MS);
    }
    await settle(JOBS);
  };

  // Warm up: code paths compiled, connections up (and, for the real worker, the CRs converged and Ready).
  for (let i = 0; i < (TARGET === 'worker' ? 3 : 1); i++) {
    await measure(burst);
    await sleep(1000);
  }

  const rows: string[][] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const idle = await measure(() => sleep(Math.max(10_000, JOBS * TRICKLE_MS * 0.5)));
    const idlePerMs = idle.cpuMs / idle.wallMs;
    const redisIdlePerMs = idle.redisCpuMs / idle.wallMs;
    await sleep(500);
    const t = await measure(trickle);
    await sleep(1000);
    const b = await measure(burst);
    await sleep(1000);
    rows.push([
      String(round),
      `${(idlePerMs * 1000).toFixed(1)} ms/s`,
      (t.cpuMs / JOBS).toFixed(2),
      ((t.cpuMs - idlePerMs * t.wallMs) / JOBS).toFixed(2),
      ((b.cpuMs - idlePerMs * b.wallMs) / JOBS).toFixed(2),
      ((t.redisCpuMs - redisIdlePerMs * t.wallMs) / JOBS).toFixed(2),
      ((b.redisCpuMs - redisIdlePerMs * b.wallMs) / JOBS).toFixed(2),
      (t.commands / JOBS).toFixed(1),
      (b.commands / JOBS).toFixed(1),
      `${((idle.commands / idle.wallMs) * 1000).toFixed(1)}/s`,
    ]);
  }
  const what =
    TARGET === 'queue'
      ? `CrWorker with a trivial process, concurrency ${CONCURRENCY}`
      : `the worker process, no-op reconciles of ${CRS} converged CRs (simulator, TLS)`;
  console.log(
    `${what}: CPU ms per job (trickle: all of the phase, and without what the process spends idle; burst: ` +
      `without it), ${JOBS} jobs, trickle one every ${TRICKLE_MS} ms; redis-server the same way`,
  );
  console.log(
    table(
      [
        'round',
        'idle CPU',
        'trickle ms/job',
        'minus idle',
        'burst ms/job',
        'redis: trickle',
        'burst',
        'cmds/job: trickle',
        'burst',
        'idle cmds',
      ],
      rows,
    ),
  );
  await stopChild();
  rc.close();
  await producer.close();
  await redis.stop();
  await sim?.stop();
  process.exit(0);
}

/**
 * The simulator over TLS (a self-signed certificate, as a cluster's CA) with the bench resource's CRD and
 * CRS CRs in namespace `bench`, and one real worker process (the bench's templates: ConfigMap, Service,
 * Deployment) serving it from Redis at `redisUrl`.
 */
async function startRealWorker(
  redisUrl: string,
): Promise<{ child: ChildProcess; sim: KubeSim; stopChild: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idle-wakeup-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1', '-addext', 'basicConstraints=critical,CA:TRUE'],
      ...['-keyout', keyFile, '-out', certFile],
    ],
    { stdio: 'ignore' },
  );
  const cert = fs.readFileSync(certFile);
  const sim = await startKubeSim({
    tls: { key: fs.readFileSync(keyFile), cert },
    workloads: { enabled: true, delayMs: 50 },
  });
  const agent = new https.Agent({ keepAlive: true, ca: cert });
  const api = (method: string, apiPath: string, body?: unknown): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = https.request(
        `${sim.url}${apiPath}`,
        { method, agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  const must = async (method: string, apiPath: string, body?: unknown): Promise<void> => {
    const status = await api(method, apiPath, body);
    if (status >= 300) throw new Error(`${method} ${apiPath}: HTTP ${status}`);
  };
  await must('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'bench' },
  });
  await must('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crdFor(LOSTROMOS_CR, true));
  const crs = `/apis/${LOSTROMOS_CR.group}/${LOSTROMOS_CR.version}/${LOSTROMOS_CR.plural}?limit=1`;
  for (let i = 0; (await api('GET', crs)) !== 200; i++) {
    if (i > 100) throw new Error('the simulator does not serve the bench CRD');
    await sleep(100);
  }
  for (let i = 0; i < CRS; i++) {
    await must('POST', crPath(LOSTROMOS_CR, 'bench'), {
      apiVersion: `${LOSTROMOS_CR.group}/${LOSTROMOS_CR.version}`,
      kind: LOSTROMOS_CR.kind,
      metadata: { name: `cr-${i}` },
      spec: { value: `v${i}` },
    });
  }
  agent.destroy();
  const templates = path.join(dir, 'templates');
  fs.mkdirSync(templates);
  for (const [f, text] of Object.entries(TEMPLATES)) fs.writeFileSync(path.join(templates, f), text);
  const kubeconfig = path.join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig);
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    config,
    `redis: { url: ${redisUrl}, prefix: bench }
kubernetes: { kubeconfig: ${kubeconfig} }
leaderElection: { namespace: bench, leaseName: bench-watcher }
log: { level: warn }
resources:
  - name: ${LOSTROMOS_CR.plural}
    group: ${LOSTROMOS_CR.group}
    version: ${LOSTROMOS_CR.version}
    plural: ${LOSTROMOS_CR.plural}
    namespace: bench
    templates: ${templates}
    resyncSeconds: 0
    concurrency: ${CONCURRENCY}
`,
  );
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...NODE_ARGS,
      ...[CLI, 'start', '--config', config, '--role', 'worker', '--server-address', `127.0.0.1:${port}`],
    ],
    {
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LOSTROMOS_'))),
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the worker exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 300) throw new Error('the worker did not answer /healthz within 60 s');
    await sleep(200);
  }
  const stopChild = async (): Promise<void> => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { child, sim, stopChild };
}
