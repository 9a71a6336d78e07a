// The peers as bench tools, each producing the same 3 children per CR as Lostrómos' templates:
// - kro: a ResourceGraphDefinition (CEL templates), instances of the CRD kro generates from it.
// - helm-operator (operator-sdk): a chart and watches.yaml; release name = CR name, values = CR spec.
// - metacontroller: a CompositeController whose sync hook is a local Node HTTP server.
// Each runs with concurrency matched to Lostrómos' and its own client-side limits lifted (or already off).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { KubeObject } from '@lostromos/model';
import { readinessVerdict } from '@lostromos/reconcile';
import { freePort } from '../../test/control-plane/control-plane.ts';
import type { BenchCluster, Identity } from '../lib/cluster.ts';
import type { KObj } from '../lib/observe.ts';
import { HELM_CHART_TEMPLATE, writeChart } from '../lib/render.ts';
import { benchChildren, crdFor, installCrd, sleep, until, type CrType, type Tool } from '../lib/tool.ts';
import type { BuiltPeer } from './build.ts';

const run = promisify(execFile);
const hasSetpriv = fs.existsSync('/usr/bin/setpriv') || fs.existsSync('/bin/setpriv');

interface Proc {
  proc: ChildProcess;
  exited: Promise<void>;
  output(): string;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Starts a peer binary; the kernel kills it if the bench dies (setpriv --pdeathsig). */
function startBinary(bin: string, args: string[], env: Record<string, string> = {}): Proc {
  const [cmd, argv] = hasSetpriv ? ['setpriv', ['--pdeathsig', 'KILL', '--', bin, ...args]] : [bin, args];
  const proc = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-20_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<void>((r) =>
    proc.once('exit', () => {
      live.delete(proc);
      r();
    }),
  );
  return { proc, exited, output: () => out };
}

async function stopProc(p: Proc | undefined): Promise<void> {
  if (!p || p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  p.proc.kill('SIGTERM');
  const t = setTimeout(() => p.proc.kill('SIGKILL'), 10_000);
  await p.exited;
  clearTimeout(t);
}

async function waitHealthy(p: Proc, url: string, what: string): Promise<void> {
  await until(
    async () => {
      if (p.proc.exitCode !== null)
        throw new Error(`${what} exited ${p.proc.exitCode}: ${p.output().slice(-3000)}`);
      return (await fetch(url)).ok;
    },
    90_000,
    `${what} ${url}`,
    200,
  );
}

async function kubectlApply(cluster: BenchCluster, file: string): Promise<void> {
  const kc = path.join(cluster.dir, 'admin.kubeconfig');
  if (!fs.existsSync(kc)) await cluster.cp.writeKubeconfig(kc);
  await run('kubectl', ['--kubeconfig', kc, 'apply', '--server-side', '--force-conflicts', '-f', file], {
    timeout: 60_000,
  });
}

// ---------------------------------------------------------------------------------------------- kro

export class KroTool implements Tool {
  readonly name = 'kro';
  readonly identity = 'kro';
  readonly crType: CrType = { group: 'kro.run', version: 'v1alpha1', plural: 'kroapps', kind: 'KroApp' };
  readonly readyOf = (cr: KObj): boolean => (cr.status as { state?: string } | undefined)?.state === 'ACTIVE';
  readonly describe: string;
  private p: Proc | undefined;
  private id: Identity | undefined;
  private cluster: BenchCluster | undefined;

  private readonly peer: BuiltPeer;
  readonly concurrency: number;

  constructor(peer: BuiltPeer, concurrency: number) {
    this.peer = peer;
    this.concurrency = concurrency;
    this.describe = `kro ${peer.version}, --dynamic-controller-concurrent-reconciles ${concurrency}, workqueue rate limit raised, client limit off (controller-runtime default)`;
  }

  cr(name: string, value: string): Record<string, unknown> {
    return { apiVersion: 'kro.run/v1alpha1', kind: 'KroApp', metadata: { name }, spec: { value } };
  }

  valuePatch(value: string): Record<string, unknown> {
    return { spec: { value } };
  }

  async install(cluster: BenchCluster): Promise<void> {
    this.cluster = cluster;
    for (const f of Object.values(this.peer.files)) await kubectlApply(cluster, f);
    this.id = await cluster.identity(this.identity);
  }

  async start(): Promise<void> {
    const cluster = this.cluster!;
    const probe = await freePort();
    this.p = startBinary(this.peer.binary, [
      `--kubeconfig=${this.id!.kubeconfig}`,
      '--metrics-bind-address=0',
      `--health-probe-bind-address=127.0.0.1:${probe}`,
      `--dynamic-controller-concurrent-reconciles=${this.concurrency}`,
      // The workqueue's overall bucket (default 10/s, burst 100) would throttle retries: lifted.
      '--dynamic-controller-rate-limiter-rate-limit=100000',
      '--dynamic-controller-rate-limiter-burst-limit=100000',
      '--client-qps=100000',
      '--client-burst=100000',
    ]);
    await waitHealthy(this.p, `http://127.0.0.1:${probe}/readyz`, 'kro');
    const v = '${schema.spec.value}';
    const n = '${schema.metadata.name}';
    const ann = { 'bench.lostromos.io/value': v };
    await cluster.must('POST', '/apis/kro.run/v1alpha1/resourcegraphdefinitions', {
      apiVersion: 'kro.run/v1alpha1',
      kind: 'ResourceGraphDefinition',
      metadata: { name: 'kroapps.kro.run' },
      spec: {
        schema: { apiVersion: 'v1alpha1', kind: 'KroApp', spec: { value: 'string' } },
        resources: [
          {
            id: 'configmap',
            template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n }, data: { value: v } },
          },
          {
            id: 'service',
            template: {
              apiVersion: 'v1',
              kind: 'Service',
              metadata: { name: n, annotations: ann },
              spec: { clusterIP: 'None', selector: { app: n }, ports: [{ port: 80, targetPort: 8080 }] },
            },
          },
          {
            id: 'deployment',
            template: {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              metadata: { name: n, annotations: ann },
              spec: {
                replicas: 0,
                selector: { matchLabels: { app: n } },
                template: {
                  metadata: { labels: { app: n } },
                  spec: { containers: [{ name: 'app', image: 'nginx:alpine' }] },
                },
              },
            },
          },
        ],
      },
    });
    await until(
      async () => {
        const r = await cluster.request<{ status?: { state?: string } }>(
          'GET',
          '/apis/kro.run/v1alpha1/resourcegraphdefinitions/kroapps.kro.run',
        );
        return r.body.status?.state === 'Active';
      },
      90_000,
      'the kro ResourceGraphDefinition to be Active',
      250,
    );
    await until(
      async () => (await cluster.request('GET', '/apis/kro.run/v1alpha1/kroapps?limit=1')).status === 200,
      60_000,
      'the KroApp CRD to be served',
    );
    // kro starts the instance informer after the CRD is served; give it a moment to sync.
    await sleep(1000);
  }

  pids(): number[] {
    return [this.p?.proc.pid ?? 0].filter(Boolean);
  }

  output(): string {
    return this.p?.output() ?? '';
  }

  async stop(): Promise<void> {
    await stopProc(this.p);
    this.p = undefined;
    // The RGD goes (its CRD stays: kro deletes CRDs only with --allow-crd-deletion); no kro runs to finalize it.
    const rgd = '/apis/kro.run/v1alpha1/resourcegraphdefinitions/kroapps.kro.run';
    await this.cluster?.request(
      'PATCH',
      rgd,
      { metadata: { finalizers: null } },
      'application/merge-patch+json',
    );
    await this.cluster?.request('DELETE', rgd);
  }
}

// ---------------------------------------------------------------------------------------------- helm-operator

export class HelmOperatorTool implements Tool {
  readonly name = 'helm-operator';
  readonly identity = 'helm-operator';
  readonly crType: CrType = { group: 'bench.helm.io', version: 'v1', plural: 'helmapps', kind: 'HelmApp' };
  readonly readyOf = (cr: KObj): boolean =>
    !!(cr.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions?.some(
      (c) => c.type === 'Deployed' && c.status === 'True',
    );
  readonly describe: string;
  private p: Proc | undefined;
  private id: Identity | undefined;
  private watches = '';

  private readonly peer: BuiltPeer;
  readonly concurrency: number;
  private readonly dir: string;

  constructor(peer: BuiltPeer, concurrency: number, dir: string) {
    this.peer = peer;
    this.concurrency = concurrency;
    this.dir = dir;
    this.describe = `operator-sdk helm-operator ${peer.version}, --max-concurrent-reconciles ${concurrency}, client limit off (controller-runtime default)`;
  }

  cr(name: string, value: string): Record<string, unknown> {
    return { apiVersion: 'bench.helm.io/v1', kind: 'HelmApp', metadata: { name }, spec: { value } };
  }

  valuePatch(value: string): Record<string, unknown> {
    return { spec: { value } };
  }

  async install(cluster: BenchCluster): Promise<void> {
    await installCrd(cluster, crdFor(this.crType), this.crType);
    const chart = writeChart(
      this.dir,
      'bench-helm-operator',
      HELM_CHART_TEMPLATE('{{ .Values.value | quote }}', '{{ .Release.Name }}'),
    );
    this.watches = path.join(this.dir, 'watches.yaml');
    fs.writeFileSync(
      this.watches,
      `- group: bench.helm.io\n  version: v1\n  kind: HelmApp\n  chart: ${chart}\n  watchDependentResources: true\n`,
    );
    this.id = await cluster.identity(this.identity);
  }

  async start(ns: string): Promise<void> {
    const probe = await freePort();
    this.p = startBinary(
      this.peer.binary,
      [
        'run',
        `--watches-file=${this.watches}`,
        `--max-concurrent-reconciles=${this.concurrency}`,
        '--metrics-bind-address=0',
        `--health-probe-bind-address=127.0.0.1:${probe}`,
        '--leader-elect=false',
        '--reconcile-period=10h',
      ],
      // No --kubeconfig flag: controller-runtime reads KUBECONFIG. Confined to the namespace like Lostrómos.
      { KUBECONFIG: this.id!.kubeconfig, WATCH_NAMESPACE: ns },
    );
    await waitHealthy(this.p, `http://127.0.0.1:${probe}/readyz`, 'helm-operator');
    await sleep(1000);
  }

  pids(): number[] {
    return [this.p?.proc.pid ?? 0].filter(Boolean);
  }

  output(): string {
    return this.p?.output() ?? '';
  }

  async stop(): Promise<void> {
    await stopProc(this.p);
    this.p = undefined;
  }
}

// ---------------------------------------------------------------------------------------------- metacontroller

/**
 * The sync hook: the parent's spec.value into the 3 children (metacontroller applies them). With
 * `readyWhenAvailable`, the status also says whether the observed Deployment is ready by the rules Lostrómos'
 * Ready uses (kstatus: the generation observed, the replicas updated and available) — metacontroller calls the
 * hook again when a child changes, so Ready follows the Deployment as Lostrómos' does.
 */
function syncResponse(
  request: { parent: KObj; children?: Record<string, Record<string, KObj>> },
  readyWhenAvailable: boolean,
): unknown {
  const { parent } = request;
  const raw = parent.spec?.value;
  const value = typeof raw === 'string' ? raw : JSON.stringify(raw ?? '');
  const status: Record<string, unknown> = { observedValue: value };
  if (readyWhenAvailable) {
    const deployment = request.children?.['Deployment.apps/v1']?.[parent.metadata.name];
    status.ready = !!deployment && readinessVerdict(deployment as KubeObject) === 'ready';
  }
  return { status, children: benchChildren(parent.metadata.name, value) };
}

export class MetacontrollerTool implements Tool {
  readonly name: string;
  readonly identity = 'metacontroller';
  readonly crType: CrType = { group: 'bench.meta.io', version: 'v1', plural: 'metaapps', kind: 'MetaApp' };
  readonly readyOf: (cr: KObj) => boolean;
  readonly describe: string;
  private p: Proc | undefined;
  private id: Identity | undefined;
  private hook: http.Server | undefined;
  private cluster: BenchCluster | undefined;

  private readonly peer: BuiltPeer;
  readonly concurrency: number;
  private readonly readyWhenAvailable: boolean;

  /**
   * `readyWhenAvailable`: the row `metacontroller-ready`, whose Ready is Lostrómos' contract (the Deployment
   * available) rather than "the hook ran" — what the same promise costs metacontroller.
   */
  constructor(peer: BuiltPeer, concurrency: number, opts: { readyWhenAvailable?: boolean } = {}) {
    this.peer = peer;
    this.concurrency = concurrency;
    this.readyWhenAvailable = opts.readyWhenAvailable ?? false;
    this.name = this.readyWhenAvailable ? 'metacontroller-ready' : 'metacontroller';
    this.readyOf = (cr) => {
      const status = cr.status as { observedValue?: string; ready?: boolean } | undefined;
      return (
        status?.observedValue === (cr.spec?.value as string) &&
        (!this.readyWhenAvailable || status.ready === true)
      );
    };
    this.describe = `metacontroller ${peer.version}, --workers ${concurrency}, client-go qps/burst raised, sync hook: local Node HTTP server in the bench process${this.readyWhenAvailable ? '; Ready when the observed Deployment is ready (kstatus, as Lostrómos)' : ''}`;
  }

  cr(name: string, value: string): Record<string, unknown> {
    return { apiVersion: 'bench.meta.io/v1', kind: 'MetaApp', metadata: { name }, spec: { value } };
  }

  valuePatch(value: string): Record<string, unknown> {
    return { spec: { value } };
  }

  async install(cluster: BenchCluster): Promise<void> {
    this.cluster = cluster;
    for (const f of Object.values(this.peer.files)) await kubectlApply(cluster, f);
    await installCrd(cluster, crdFor(this.crType), this.crType);
    this.id = await cluster.identity(this.identity);
  }

  async start(): Promise<void> {
    const cluster = this.cluster!;
    this.hook = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Parameters<typeof syncResponse>[0];
        const out = JSON.stringify(syncResponse(body, this.readyWhenAvailable));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
        res.end(out);
      });
    });
    await new Promise<void>((r) => this.hook!.listen(0, '127.0.0.1', () => r()));
    const hookPort = (this.hook.address() as AddressInfo).port;
    const probe = await freePort();
    const metrics = await freePort();
    this.p = startBinary(this.peer.binary, [
      `--kubeconfig=${this.id!.kubeconfig}`,
      `--workers=${this.concurrency}`,
      '--client-go-qps=100000',
      '--client-go-burst=100000',
      `--metrics-address=127.0.0.1:${metrics}`,
      `--health-probe-bind-address=127.0.0.1:${probe}`,
      '--discovery-interval=5s',
    ]);
    await waitHealthy(this.p, `http://127.0.0.1:${probe}/readyz`, 'metacontroller');
    await cluster.must('POST', '/apis/metacontroller.k8s.io/v1alpha1/compositecontrollers', {
      apiVersion: 'metacontroller.k8s.io/v1alpha1',
      kind: 'CompositeController',
      metadata: { name: 'metaapps' },
      spec: {
        generateSelector: true,
        parentResource: { apiVersion: 'bench.meta.io/v1', resource: 'metaapps' },
        childResources: [
          { apiVersion: 'v1', resource: 'configmaps', updateStrategy: { method: 'InPlace' } },
          { apiVersion: 'v1', resource: 'services', updateStrategy: { method: 'InPlace' } },
          { apiVersion: 'apps/v1', resource: 'deployments', updateStrategy: { method: 'InPlace' } },
        ],
        hooks: { sync: { webhook: { url: `http://127.0.0.1:${hookPort}/sync` } } },
      },
    });
    await sleep(3000);
  }

  pids(): number[] {
    return [this.p?.proc.pid ?? 0].filter(Boolean);
  }

  output(): string {
    return this.p?.output() ?? '';
  }

  async stop(): Promise<void> {
    await stopProc(this.p);
    this.p = undefined;
    await new Promise<void>((r) => (this.hook ? this.hook.close(() => r()) : r()));
    this.hook?.closeAllConnections();
    await this.cluster?.request(
      'DELETE',
      '/apis/metacontroller.k8s.io/v1alpha1/compositecontrollers/metaapps',
    );
  }
}

// ---------------------------------------------------------------------------------------------- the floor

/**
 * The floor: ideal-controller.ts, the least any controller can send for the bench's CR (3 creates and 1 status
 * write per new CR, 3 merge patches and 1 status write per changed value, nothing read). Not a peer — the row
 * every tool's cost and latency are measured against on this machine.
 */
export class IdealTool implements Tool {
  readonly name = 'floor';
  readonly identity = 'ideal';
  readonly crType: CrType = { group: 'bench.ideal.io', version: 'v1', plural: 'idealapps', kind: 'IdealApp' };
  readonly readyOf = (cr: KObj): boolean =>
    (cr.status as { observedValue?: string } | undefined)?.observedValue === (cr.spec?.value as string);
  readonly describe: string;
  readonly concurrency: number;
  private p: Proc | undefined;
  private id: Identity | undefined;
  private cluster: BenchCluster | undefined;

  constructor(concurrency: number) {
    this.concurrency = concurrency;
    this.describe = `the floor: bench/peers/ideal-controller.ts, ${concurrency} CRs at once, per CR 3 creates (per update 3 merge patches) at once and 1 status write, nothing read, no finalizer, Event or readiness`;
  }

  cr(name: string, value: string): Record<string, unknown> {
    return { apiVersion: 'bench.ideal.io/v1', kind: 'IdealApp', metadata: { name }, spec: { value } };
  }

  valuePatch(value: string): Record<string, unknown> {
    return { spec: { value } };
  }

  async install(cluster: BenchCluster): Promise<void> {
    this.cluster = cluster;
    await installCrd(cluster, crdFor(this.crType), this.crType);
    this.id = await cluster.identity(this.identity);
  }

  async start(ns: string): Promise<void> {
    const cp = this.cluster!.cp;
    const { group, version, plural } = this.crType;
    const config = { url: cp.url, token: this.id!.token, caPem: cp.caPem, ns, group, version, plural };
    this.p = startBinary(process.execPath, [path.join(import.meta.dirname, 'ideal-controller.ts')], {
      IDEAL_CONFIG: JSON.stringify({ ...config, concurrency: this.concurrency }),
    });
    await until(
      () => {
        if (this.p!.proc.exitCode !== null)
          throw new Error(
            `ideal-controller exited ${this.p!.proc.exitCode}: ${this.p!.output().slice(-3000)}`,
          );
        return this.p!.output().includes('ideal-controller: watching');
      },
      30_000,
      'ideal-controller to watch its CRs',
    );
  }

  pids(): number[] {
    return [this.p?.proc.pid ?? 0].filter(Boolean);
  }

  async stop(): Promise<void> {
    await stopProc(this.p);
    this.p = undefined;
  }
}
