// End-to-end throughput of the controller cluster: N CRs created at once, measured until every one has been
// reconciled (status.observedGeneration == generation), through watcher → Redis → workers → the API simulator.
// Runs the built CLI as real processes with 1 worker, then with 2 workers, and prints reconciles/s and the ratio.
// Usage: npm run bench -- controller   (BENCH_CRS=N to change the number of CRs; default 300)
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createKubeClient } from '@lostromos/kube';
import { startKubeSim } from '@lostromos/kube-sim';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'apps/cli/dist/main.js');
const FIXTURES = path.join(ROOT, 'test/controller/fixtures');
const N = Number(process.env.BENCH_CRS ?? 300);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Obj {
  metadata: { name: string; generation?: number };
  status?: { observedGeneration?: number };
}

async function scenario(workers: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lostromos-bench-'));
  const sim = await startKubeSim({});
  const kubeconfig = path.join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig);
  const redisPort = await freePort();
  const procs: ChildProcess[] = [];
  procs.push(
    spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    ),
  );
  const kube = createKubeClient({ kubeconfig, qps: 1000, burst: 1000 });
  try {
    // Asynchronously: the simulator runs in this process and must keep answering kubectl.
    await new Promise<void>((resolve, reject) => {
      const k = spawn(
        'kubectl',
        ['--kubeconfig', kubeconfig, 'apply', '-f', path.join(FIXTURES, 'crds.yaml')],
        {
          stdio: 'ignore',
        },
      );
      k.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kubectl apply exited ${code}`))));
    });
    await until(
      async () =>
        (await kube.rest.request({ method: 'GET', path: '/apis/fleet.example.io/v1/ships' })).status === 200,
      30_000,
      'the ships CRD to be served',
    );
    const config = path.join(dir, 'config.yaml');
    fs.writeFileSync(
      config,
      `redis: { url: redis://127.0.0.1:${redisPort}, prefix: bench }
kubernetes: { kubeconfig: ${kubeconfig} }
log: { level: warn }
resources:
  - { name: ships, group: fleet.example.io, version: v1, plural: ships, templates: ${path.join(FIXTURES, 'ships')}, concurrency: 8 }
`,
    );
    const start = async (role: string): Promise<void> => {
      const port = await freePort();
      const p = spawn(
        process.execPath,
        [CLI, 'start', '--config', config, '--role', role, '--server-address', `127.0.0.1:${port}`],
        {
          stdio: 'ignore',
        },
      );
      procs.push(p);
      await until(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 30_000, `${role} ready`);
    };
    await start('watcher');
    for (let i = 0; i < workers; i++) await start('worker');
    const base = '/apis/fleet.example.io/v1/namespaces/default/ships';
    const t0 = performance.now();
    for (let i = 0; i < N; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, N - i) }, (_, j) =>
          kube.rest.request({
            method: 'POST',
            path: base,
            body: {
              apiVersion: 'fleet.example.io/v1',
              kind: 'Ship',
              metadata: { name: `s-${i + j}` },
              spec: { captain: `c${i + j}`, crew: i + j, withLog: (i + j) % 2 === 0 },
            },
          }),
        ),
      );
    }
    await until(
      async () => {
        const list = (await kube.rest.request<{ items: Obj[] }>({ method: 'GET', path: base })).body.items;
        return list.length === N && list.every((o) => o.status?.observedGeneration === o.metadata.generation);
      },
      600_000,
      'every CR reconciled',
    );
    const seconds = (performance.now() - t0) / 1000;
    const stats = sim.stats();
    console.log(
      `controller: ${workers} worker(s): ${(stats.requests / N).toFixed(1)} API requests and ${(stats.writes / N).toFixed(1)} writes per CR (incl. creating it, leases, watches)`,
    );
    return N / seconds;
  } finally {
    for (const p of procs.reverse()) p.kill('SIGTERM');
    await sleep(1500);
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    kube.close();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const one = await scenario(1);
console.log(`controller: ${N} CRs, 1 worker: ${one.toFixed(1)} reconciles/s`);
const two = await scenario(2);
console.log(`controller: ${N} CRs, 2 workers: ${two.toFixed(1)} reconciles/s`);
console.log(
  `controller: 2 workers / 1 worker = ${(two / one).toFixed(2)}× (2 CPU cores shared by sim, redis, watcher and workers; each process has its own 100 QPS client-side limit)`,
);
