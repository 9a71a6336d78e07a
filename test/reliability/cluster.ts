// Shared by the fault suites and the soak: a real control plane, a private Redis and real operator processes
// (test/controller/harness.ts), the CRDs of the controller fixtures, sentinel objects the operator must never
// touch, a CR workload written straight to the API server (not through the fault proxy, so injected faults
// only hit the operator), and the invariant options for this cluster.
import path from 'node:path';
import {
  FIXTURES,
  startHarness,
  type Harness,
  type HarnessOptions,
  type RoleHandle,
} from '../controller/harness.ts';
import { waitFor } from '../support/index.js';
import {
  awaitInvariants,
  checkInvariants,
  type InvariantOptions,
  type RateLimit,
  type Sentinel,
} from '../support/invariants.ts';

export const SHIPS = { apiVersion: 'fleet.example.io/v1', plural: 'ships', kind: 'Ship' } as const;
export const GADGETS = {
  apiVersion: 'toys.example.org/v1alpha1',
  plural: 'gadgets',
  kind: 'Gadget',
} as const;
export const CONFIGMAPS = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };

export type Direct = <T = unknown>(
  method: string,
  apiPath: string,
  body?: unknown,
  contentType?: string,
) => Promise<{ status: number; body: T }>;

/** Requests as admin straight to the API server (the simulator's URL when there is no control plane). */
export function directClient(h: Harness): Direct {
  const cp = h.api.controlPlane;
  if (cp) return (m, p, b, ct) => cp.request(m, p, b, ct);
  return async <T>(method: string, apiPath: string, body?: unknown, contentType?: string) => {
    try {
      const r = await h.kube.rest.request<T>({
        method: method as 'GET',
        path: apiPath,
        body,
        ...(contentType ? { contentType } : {}),
      });
      return { status: r.status, body: r.body };
    } catch (err) {
      return { status: (err as { status?: number }).status ?? 0, body: undefined as T };
    }
  };
}

async function must<T>(p: Promise<{ status: number; body: T }>, what: string): Promise<T> {
  const r = await p;
  if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
  return r.body;
}

export interface ShipSpec {
  captain: string;
  crew: number;
  withLog: boolean;
}

const WORDS = ['Nemo', 'Ahab', 'Bligh', 'Drake', 'Kidd', 'Cook', 'Hook', 'Vane', 'Morgan', 'Teach'];

/**
 * Random create/update/delete of Ship CRs straight to the API server, remembering what exists. Names are
 * `<prefix>-<n>`, in `namespaces` (created on demand). Counts operations by kind.
 */
export class ShipWorkload {
  readonly live = new Map<string, { namespace: string; name: string }>();
  readonly ops = { create: 0, update: 0, delete: 0, failed: 0 };
  private n = 0;

  constructor(
    private readonly direct: Direct,
    private readonly prefix = 'ship',
    private readonly namespaces: string[] = ['default'],
    private readonly random: () => number = Math.random,
  ) {}

  spec(): ShipSpec {
    const r = this.random;
    return {
      captain: `${WORDS[Math.floor(r() * WORDS.length)]!}-${Math.floor(r() * 1e6)}`,
      crew: Math.floor(r() * 500),
      withLog: r() < 0.5,
    };
  }

  private path(namespace: string, name?: string): string {
    return `/apis/${SHIPS.apiVersion}/namespaces/${namespace}/ships${name ? `/${name}` : ''}`;
  }

  async create(namespace?: string, spec: ShipSpec = this.spec()): Promise<string> {
    const ns = namespace ?? this.namespaces[Math.floor(this.random() * this.namespaces.length)]!;
    const name = `${this.prefix}-${this.n++}`;
    await must(
      this.direct('POST', this.path(ns), {
        apiVersion: SHIPS.apiVersion,
        kind: SHIPS.kind,
        metadata: { name, namespace: ns },
        spec,
      }),
      `create ship ${ns}/${name}`,
    );
    this.live.set(`${ns}/${name}`, { namespace: ns, name });
    this.ops.create++;
    return `${ns}/${name}`;
  }

  pick(): { namespace: string; name: string } | undefined {
    const all = [...this.live.values()];
    return all.length > 0 ? all[Math.floor(this.random() * all.length)] : undefined;
  }

  async update(target = this.pick(), spec: Partial<ShipSpec> = this.spec()): Promise<void> {
    if (!target) return;
    const r = await this.direct(
      'PATCH',
      this.path(target.namespace, target.name),
      { spec },
      'application/merge-patch+json',
    );
    if (r.status === 404) {
      this.live.delete(`${target.namespace}/${target.name}`);
      return;
    }
    if (r.status >= 300) throw new Error(`update ship ${target.name}: HTTP ${r.status}`);
    this.ops.update++;
  }

  async remove(target = this.pick()): Promise<void> {
    if (!target) return;
    const r = await this.direct('DELETE', this.path(target.namespace, target.name));
    if (r.status >= 300 && r.status !== 404) throw new Error(`delete ship ${target.name}: HTTP ${r.status}`);
    this.live.delete(`${target.namespace}/${target.name}`);
    this.ops.delete++;
  }

  /** One random operation: create (or when there are few CRs), update, delete with weights 3:5:2. */
  async randomOp(maxLive = Infinity): Promise<void> {
    const x = this.random();
    try {
      if (this.live.size < 3 || (x < 0.3 && this.live.size < maxLive)) await this.create();
      else if (x < 0.8 || this.live.size >= maxLive) await this.update();
      else await this.remove();
    } catch {
      this.ops.failed++;
    }
  }

  /** `count` random operations, `parallel` at a time. */
  async churn(count: number, parallel = 4): Promise<void> {
    let left = count;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (left-- > 0) await this.randomOp();
      }),
    );
  }

  get total(): number {
    return this.ops.create + this.ops.update + this.ops.delete;
  }
}

export interface WatcherStatus {
  identity?: string;
  isLeader?: boolean;
  leader?: string;
}

/** The watcher section of a process's /status (undefined when the process does not answer). */
export async function watcherStatus(r: RoleHandle): Promise<WatcherStatus | undefined> {
  if (r.proc.exitCode !== null || r.proc.signalCode !== null) return undefined;
  try {
    const res = await fetch(`http://127.0.0.1:${r.port}/status`, { signal: AbortSignal.timeout(3000) });
    return ((await res.json()) as { watcher?: WatcherStatus }).watcher;
  } catch {
    return undefined;
  }
}

export const alive = (r: RoleHandle): boolean => r.proc.exitCode === null && r.proc.signalCode === null;

/** The watcher that says it leads, once exactly one of the live ones does. */
export async function waitForLeader(
  watchers: readonly RoleHandle[],
  opts: { not?: RoleHandle; timeoutMs?: number } = {},
): Promise<RoleHandle> {
  return waitFor(
    async () => {
      const leading: RoleHandle[] = [];
      for (const w of watchers.filter(alive)) if ((await watcherStatus(w))?.isLeader) leading.push(w);
      return leading.length === 1 && leading[0] !== opts.not ? leading[0] : undefined;
    },
    { timeoutMs: opts.timeoutMs ?? 20_000, intervalMs: 100, what: 'exactly one leading watcher' },
  );
}

export interface ClusterOptions extends HarnessOptions {
  watchers?: number;
  workers?: number;
  /** Extra arguments for every operator process. */
  roleArgs?: string[];
}

export interface ReliabilityCluster {
  h: Harness;
  direct: Direct;
  watchers: RoleHandle[];
  workers: RoleHandle[];
  sentinels: Sentinel[];
  /** The invariant options of this cluster; `rate` as given (undefined: no rate check). */
  invariants(rate?: RateLimit): InvariantOptions;
  check(rate?: RateLimit): Promise<string[]>;
  /** Waits for the invariants (default with QUIET_RATE; null: without the rate check). */
  converge(
    timeoutMs?: number,
    rate?: RateLimit | null,
  ): Promise<{ violations: string[]; convergedMs: number }>;
  close(): Promise<void>;
}

/**
 * Steady state of this cluster's operator, measured: each watcher polls or renews its Lease once a retry
 * period (1 s; a renew is a GET and a PUT), nothing else reaches the API server when no CR changes (resync is
 * 600 s, template revisions and membership live in Redis). Two watchers: ≈ 3 requests/s. The limit allows
 * four times that before calling it a hot loop; one CR reconciled in a loop costs ≥ 3 requests per run
 * (CR, each object) at tens of runs per second.
 */
export const QUIET_RATE: RateLimit = { windowMs: 3000, maxRequestsPerSecond: 12 };

export async function startCluster(opts: ClusterOptions = {}): Promise<ReliabilityCluster> {
  const h = await startHarness(opts);
  const direct = directClient(h);
  try {
    await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
    await waitFor(() => h.kubectl('get', 'ships,gadgets').then(() => true), {
      timeoutMs: 15_000,
      what: 'the CRDs served',
    });
    const sentinels = await createSentinels(direct);
    const watchers: RoleHandle[] = [];
    const workers: RoleHandle[] = [];
    // One at a time: on a loaded 2-core machine four Node processes starting at once can miss /healthz.
    for (let i = 0; i < (opts.watchers ?? 2); i++) watchers.push(await h.start('watcher', opts.roleArgs));
    for (let i = 0; i < (opts.workers ?? 2); i++) workers.push(await h.start('worker', opts.roleArgs));
    const invariants = (rate?: RateLimit): InvariantOptions => ({
      resources: [
        {
          name: 'ships',
          apiVersion: SHIPS.apiVersion,
          plural: SHIPS.plural,
          templates: path.join(h.templates, 'ships'),
        },
        {
          name: 'gadgets',
          apiVersion: GADGETS.apiVersion,
          plural: GADGETS.plural,
          templates: path.join(h.templates, 'gadgets'),
          filterAnnotation: 'example.io/managed',
        },
      ],
      ownedKinds: [CONFIGMAPS],
      sentinels,
      ...(rate ? { rate } : {}),
    });
    return {
      h,
      direct,
      watchers,
      workers,
      sentinels,
      invariants,
      check: (rate) => checkInvariants(h, invariants(rate)),
      converge: (timeoutMs = 60_000, rate: RateLimit | null = QUIET_RATE) =>
        awaitInvariants(h, invariants(rate ?? undefined), timeoutMs),
      close: () => h.close(),
    };
  } catch (err) {
    await h.close();
    throw err;
  }
}

/** Objects the operator must leave alone: one beside ours, one named like ours, one Secret. */
async function createSentinels(direct: Direct): Promise<Sentinel[]> {
  const objs = [
    { plural: 'configmaps', kind: 'ConfigMap', name: 'bystander', data: { note: 'not ours' } },
    // What a Ship named "ghost" would render; no such Ship exists.
    { plural: 'configmaps', kind: 'ConfigMap', name: 'ghost-config', data: { captain: 'nobody' } },
    {
      plural: 'secrets',
      kind: 'Secret',
      name: 'bystander-secret',
      data: { k: Buffer.from('v').toString('base64') },
    },
  ];
  const out: Sentinel[] = [];
  for (const o of objs) {
    const body = await must(
      direct<{ metadata: { resourceVersion: string } }>('POST', `/api/v1/namespaces/default/${o.plural}`, {
        apiVersion: 'v1',
        kind: o.kind,
        metadata: { name: o.name, namespace: 'default', labels: { app: 'bystander' } },
        data: o.data,
      }),
      `create sentinel ${o.name}`,
    );
    out.push({
      apiVersion: 'v1',
      plural: o.plural,
      namespace: 'default',
      name: o.name,
      resourceVersion: body.metadata.resourceVersion,
    });
  }
  return out;
}

export async function createNamespace(direct: Direct, name: string): Promise<void> {
  const r = await direct('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  });
  if (r.status >= 300 && r.status !== 409) throw new Error(`create namespace ${name}: HTTP ${r.status}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
