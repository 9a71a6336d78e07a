// Lostrómos as a bench tool: the built CLI (apps/cli/dist) as real processes — one watcher (or two, for
// failover), W workers — with a private redis-server, templates rendering the 3 bench objects, and a
// config whose kubernetes.qps/burst are the product defaults unless a run overrides them.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../test/control-plane/control-plane.ts';
import type { BenchCluster, Identity } from './cluster.ts';
import type { KObj } from './observe.ts';
import { startBenchRedis, type BenchRedis } from './redis.ts';
import { crdFor, installCrd, metricSum, until, type CrType, type Tool } from './tool.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(ROOT, 'apps/cli/dist/main.js');

export const LOSTROMOS_CR: CrType = {
  group: 'bench.lostromos.io',
  version: 'v1',
  plural: 'benchapps',
  kind: 'BenchApp',
};

export const TEMPLATES: Record<string, string> = {
  'configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{name}}
data:
  value: {{spec.value}}
`,
  'service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: {{name}}
  annotations:
    bench.lostromos.io/value: {{spec.value}}
spec:
  clusterIP: None
  selector:
    app: {{name}}
  ports:
    - port: 80
      targetPort: 8080
`,
  'deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{name}}
  annotations:
    bench.lostromos.io/value: {{spec.value}}
spec:
  replicas: 0
  selector:
    matchLabels:
      app: {{name}}
  template:
    metadata:
      labels:
        app: {{name}}
    spec:
      containers:
        - name: app
          image: nginx:alpine
`,
};

export interface LostromosOptions {
  name: string;
  workers: number;
  /** Per worker process (the product default is 8). */
  concurrency?: number;
  watchers?: number;
  resyncSeconds?: number;
  /** Explicit client-side limit; undefined = the product default. */
  qps?: number;
  burst?: number;
  lease?: { duration: number; renewDeadline: number; retryPeriod: number };
  /** Node flags for worker processes, e.g. --cpu-prof. */
  workerNodeOptions?: string;
  watcherNodeOptions?: string;
  /** No workers at all (watcher memory scenario). */
  watcherOnly?: boolean;
}

export interface Role {
  role: string;
  proc: ChildProcess;
  port: number;
  exited: Promise<void>;
  output(): string;
}

export class LostromosTool implements Tool {
  readonly identity = 'lostromos';
  readonly crType = LOSTROMOS_CR;
  readonly readyOf = (cr: KObj): boolean => {
    const st = cr.status as {
      observedGeneration?: number;
      conditions?: Array<{ type: string; status: string }>;
    };
    return (
      st?.observedGeneration === cr.metadata.generation &&
      !!st?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
    );
  };
  readonly describe: string;
  readonly concurrency: number;
  redis: BenchRedis | undefined;
  roles: Role[] = [];
  private config = '';
  private id: Identity | undefined;

  private readonly dir: string;
  readonly opts: LostromosOptions;

  constructor(_cluster: BenchCluster, dir: string, opts: LostromosOptions) {
    this.dir = dir;
    this.opts = opts;
    const c = opts.concurrency ?? 8;
    this.concurrency = opts.watcherOnly ? 0 : opts.workers * c;
    const limit =
      opts.qps === undefined ? 'default client limit' : `qps ${opts.qps}/burst ${opts.burst ?? 200}`;
    this.describe = `${opts.watchers ?? 1} watcher + ${opts.workers} worker(s) × concurrency ${c}, ${limit}`;
  }

  get name(): string {
    return this.opts.name;
  }

  cr(name: string, value: string): Record<string, unknown> {
    return {
      apiVersion: `${LOSTROMOS_CR.group}/${LOSTROMOS_CR.version}`,
      kind: LOSTROMOS_CR.kind,
      metadata: { name },
      spec: { value },
    };
  }

  valuePatch(value: string): Record<string, unknown> {
    return { spec: { value } };
  }

  async install(cluster: BenchCluster): Promise<void> {
    await installCrd(cluster, crdFor(LOSTROMOS_CR, true), LOSTROMOS_CR);
    const tdir = path.join(this.dir, 'lostromos-templates');
    fs.mkdirSync(tdir, { recursive: true });
    for (const [f, text] of Object.entries(TEMPLATES)) fs.writeFileSync(path.join(tdir, f), text);
    this.id = await cluster.identity(this.identity);
  }

  async start(ns: string): Promise<void> {
    if (!this.id) throw new Error('install() first');
    this.redis = await startBenchRedis();
    const o = this.opts;
    const le = o.lease ?? { duration: 15, renewDeadline: 10, retryPeriod: 2 };
    const qps = o.qps === undefined ? '' : `, qps: ${o.qps}, burst: ${o.burst ?? 200}`;
    this.config = path.join(this.dir, `${o.name}.config.yaml`);
    fs.writeFileSync(
      this.config,
      `redis: { url: ${this.redis.url}, prefix: bench }
kubernetes: { kubeconfig: ${this.id.kubeconfig}${qps} }
leaderElection: { namespace: ${ns}, leaseName: bench-watcher, leaseDurationSeconds: ${le.duration}, renewDeadlineSeconds: ${le.renewDeadline}, retryPeriodSeconds: ${le.retryPeriod} }
log: { level: warn }
resources:
  - name: benchapps
    group: ${LOSTROMOS_CR.group}
    version: ${LOSTROMOS_CR.version}
    plural: ${LOSTROMOS_CR.plural}
    namespace: ${ns}
    templates: ${path.join(this.dir, 'lostromos-templates')}
    resyncSeconds: ${o.resyncSeconds ?? 0}
    concurrency: ${o.concurrency ?? 8}
`,
    );
    for (let i = 0; i < (o.watchers ?? 1); i++) await this.startRole('watcher', o.watcherNodeOptions);
    if (!o.watcherOnly)
      await Promise.all(
        Array.from({ length: o.workers }, () => this.startRole('worker', o.workerNodeOptions)),
      );
  }

  /** Changes resyncSeconds in the config file: processes started after this use it. */
  setResyncSeconds(seconds: number): void {
    fs.writeFileSync(
      this.config,
      fs.readFileSync(this.config, 'utf8').replace(/resyncSeconds: \d+/, `resyncSeconds: ${seconds}`),
    );
  }

  async startRole(role: 'watcher' | 'worker', nodeOptions?: string): Promise<Role> {
    const port = await freePort();
    const proc = spawn(
      process.execPath,
      [CLI, 'start', '--config', this.config, '--role', role, '--server-address', `127.0.0.1:${port}`],
      {
        cwd: ROOT,
        // Only the config file speaks: Lostrómos refuses unknown LOSTROMOS_* variables (the bench's own, a
        // test's LOSTROMOS_TEST_SUBSTRATE), and a LOSTROMOS_* setting would override the file.
        env: {
          ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LOSTROMOS_'))),
          ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const keep = (d: Buffer): void => {
      out = (out + d.toString()).slice(-20_000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    const r: Role = { role, proc, port, exited, output: () => out };
    this.roles.push(r);
    // The first watcher must lead and have synced (ready); standbys and workers only need to be up.
    const readyPath =
      role === 'watcher' && this.roles.filter((x) => x.role === 'watcher').length === 1
        ? '/readyz'
        : '/healthz';
    await until(
      async () => {
        if (proc.exitCode !== null) throw new Error(`${role} exited ${proc.exitCode}: ${out.slice(-2000)}`);
        return (await fetch(`http://127.0.0.1:${port}${readyPath}`)).ok;
      },
      60_000,
      `lostromos ${role} ${readyPath}`,
    );
    return r;
  }

  async metrics(role: Role): Promise<string> {
    return (await fetch(`http://127.0.0.1:${role.port}/metrics`)).text();
  }

  /** controller_runtime_reconcile_total over every live worker. */
  async reconciles(): Promise<number> {
    let n = 0;
    for (const r of this.roles.filter((x) => x.role === 'worker' && x.proc.exitCode === null))
      n += metricSum(await this.metrics(r).catch(() => ''), 'controller_runtime_reconcile_total');
    return n;
  }

  pids(): number[] {
    return [...this.roles.map((r) => r.proc.pid ?? 0), this.redis?.pid ?? 0].filter(Boolean);
  }

  async stopRole(r: Role, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (r.proc.exitCode !== null || r.proc.signalCode !== null) return;
    r.proc.kill(signal);
    const t = setTimeout(() => r.proc.kill('SIGKILL'), 15_000);
    await r.exited;
    clearTimeout(t);
  }

  async stop(): Promise<void> {
    await Promise.all(this.roles.map((r) => this.stopRole(r)));
    this.roles = [];
    await this.redis?.stop();
    this.redis = undefined;
  }
}
