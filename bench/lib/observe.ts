// Watch-observed truth, the same for every tool: the bench watches the ConfigMaps, Services and Deployments
// of a tool's namespace (and its CRs, for a Ready signal) as an admin, and decides when every CR's three
// children exist with the right content. Each child carries the CR's `spec.value`: ConfigMap data.value,
// Service and Deployment annotation bench.lostromos.io/value.
import https from 'node:https';
import type { ControlPlane } from '../../test/control-plane/control-plane.ts';

export const VALUE_ANNOTATION = 'bench.lostromos.io/value';

export interface KObj {
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    generation?: number;
    annotations?: Record<string, string>;
    finalizers?: string[];
  };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

type Kind = 'cm' | 'svc' | 'deploy';
const KINDS: Array<{ kind: Kind; path: (ns: string) => string }> = [
  { kind: 'cm', path: (ns) => `/api/v1/namespaces/${ns}/configmaps` },
  { kind: 'svc', path: (ns) => `/api/v1/namespaces/${ns}/services` },
  { kind: 'deploy', path: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments` },
];

function valueOf(kind: Kind, o: KObj): string | undefined {
  return kind === 'cm' ? o.data?.value : o.metadata.annotations?.[VALUE_ANNOTATION];
}

/** Who a Watch lists and watches as: the API server, its CA, a bearer token, and a client for the list. */
export interface WatchConnection {
  url: string;
  caPem: string;
  token: string;
  request: ControlPlane['request'];
}

/** The admin connection of a control plane (the bench's own watches). */
export const adminConnection = (cp: ControlPlane): WatchConnection => ({
  url: cp.url,
  caPem: cp.caPem,
  token: cp.adminToken,
  request: (method, apiPath, body, contentType) => cp.request(method, apiPath, body, contentType),
});

/**
 * A watch that relists nothing: list once for the resourceVersion (every item reported ADDED), then watch and
 * re-watch from the last resourceVersion seen.
 */
export class Watch<T extends { metadata: { resourceVersion?: string } } = KObj> {
  private req: ReturnType<typeof https.request> | undefined;
  private stopped = false;
  private rv = '';

  private readonly conn: WatchConnection;
  private readonly path: string;
  private readonly onEvent: (type: string, o: T) => void;

  constructor(conn: WatchConnection, path: string, onEvent: (type: string, o: T) => void) {
    this.conn = conn;
    this.path = path;
    this.onEvent = onEvent;
  }

  async start(): Promise<void> {
    const r = await this.conn.request<{ metadata: { resourceVersion: string }; items: T[] }>(
      'GET',
      this.path,
    );
    if (r.status !== 200) throw new Error(`list ${this.path}: HTTP ${r.status}`);
    for (const o of r.body.items) this.onEvent('ADDED', o);
    this.rv = r.body.metadata.resourceVersion;
    this.open();
  }

  private open(): void {
    if (this.stopped) return;
    const url = new URL(
      `${this.conn.url}${this.path}?watch=true&allowWatchBookmarks=true&timeoutSeconds=3600&resourceVersion=${this.rv}`,
    );
    let partial = '';
    this.req = https.get(
      url,
      { ca: this.conn.caPem, headers: { authorization: `Bearer ${this.conn.token}` }, agent: false },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          partial += chunk;
          let nl;
          while ((nl = partial.indexOf('\n')) >= 0) {
            const line = partial.slice(0, nl);
            partial = partial.slice(nl + 1);
            if (!line) continue;
            const ev = JSON.parse(line) as { type: string; object: T };
            if (ev.object?.metadata?.resourceVersion) this.rv = ev.object.metadata.resourceVersion;
            if (ev.type === 'ERROR') continue;
            if (ev.type !== 'BOOKMARK') this.onEvent(ev.type, ev.object);
          }
        });
        res.on('end', () => setTimeout(() => this.open(), 50));
        res.on('error', () => undefined);
      },
    );
    this.req.on('error', () => {
      if (!this.stopped) setTimeout(() => this.open(), 200);
    });
  }

  stop(): void {
    this.stopped = true;
    this.req?.destroy();
  }
}

export interface ConvergeResult {
  /** ms from `t0` until every CR's three children had the expected value. */
  childrenMs: number;
  /** ms until, in addition, every CR reported ready (undefined when the tool has no ready signal). */
  readyMs: number | undefined;
}

export class Observer {
  private readonly watches: Watch[] = [];
  /** name → expected spec.value */
  private expected = new Map<string, string>();
  private readonly seen: Record<Kind, Map<string, string>> = {
    cm: new Map(),
    svc: new Map(),
    deploy: new Map(),
  };
  private readonly ready = new Set<string>();
  private satisfied = 0;
  private readonly done = new Set<string>();
  private childrenAt: number | undefined;
  private readyAt: number | undefined;
  private waiter: (() => void) | undefined;
  /** Called for every ConfigMap value seen (the latency scenario listens here). */
  onConfigMap: ((name: string, value: string, at: number) => void) | undefined;

  private readonly cp: ControlPlane;
  private readonly ns: string;
  /** The CRs' collection path, and whether one reports ready; undefined for tools without a signal. */
  private readonly crs: { path: string; readyOf: (cr: KObj) => boolean } | undefined;

  constructor(cp: ControlPlane, ns: string, crs?: { path: string; readyOf: (cr: KObj) => boolean }) {
    this.cp = cp;
    this.ns = ns;
    this.crs = crs;
  }

  async start(): Promise<void> {
    for (const k of KINDS) {
      const w = new Watch(adminConnection(this.cp), k.path(this.ns), (type, o) =>
        this.child(k.kind, type, o),
      );
      this.watches.push(w);
      await w.start();
    }
    if (this.crs) {
      const crs = this.crs;
      const w = new Watch(adminConnection(this.cp), crs.path, (type, o) => {
        const name = o.metadata.name;
        if (type !== 'DELETED' && crs.readyOf(o)) {
          if (!this.ready.has(name)) {
            this.ready.add(name);
            this.check();
          }
        } else this.ready.delete(name);
      });
      this.watches.push(w);
      await w.start();
    }
  }

  /** Sets what every CR's children must show; resets the convergence clock. */
  expect(values: Map<string, string>): void {
    this.expected = values;
    this.done.clear();
    this.satisfied = 0;
    this.childrenAt = undefined;
    this.readyAt = undefined;
    for (const name of values.keys()) this.recheck(name);
  }

  private child(kind: Kind, type: string, o: KObj): void {
    const name = o.metadata.name;
    const v = type === 'DELETED' ? undefined : valueOf(kind, o);
    if (v === undefined) this.seen[kind].delete(name);
    else this.seen[kind].set(name, v);
    if (kind === 'cm' && v !== undefined) this.onConfigMap?.(name, v, performance.now());
    this.recheck(name);
  }

  private recheck(name: string): void {
    const want = this.expected.get(name);
    if (want === undefined) return;
    const ok =
      this.seen.cm.get(name) === want &&
      this.seen.svc.get(name) === want &&
      this.seen.deploy.get(name) === want;
    if (ok && !this.done.has(name)) {
      this.done.add(name);
      this.satisfied++;
    } else if (!ok && this.done.has(name)) {
      this.done.delete(name);
      this.satisfied--;
    }
    this.check();
  }

  private check(): void {
    const all = this.expected.size;
    if (all === 0) return;
    if (this.childrenAt === undefined && this.satisfied === all) this.childrenAt = performance.now();
    if (
      this.childrenAt !== undefined &&
      this.readyAt === undefined &&
      (!this.crs || [...this.expected.keys()].every((n) => this.ready.has(n)))
    )
      this.readyAt = performance.now();
    if (this.readyAt !== undefined) this.waiter?.();
  }

  progress(): { children: number; ready: number; of: number } {
    return { children: this.satisfied, ready: this.ready.size, of: this.expected.size };
  }

  /** Waits until converged (children and, where there is one, ready); throws with progress on timeout. */
  async converged(t0: number, timeoutMs: number, label: string): Promise<ConvergeResult> {
    const deadline = performance.now() + timeoutMs;
    while (this.readyAt === undefined) {
      if (performance.now() > deadline) {
        const p = this.progress();
        throw new Error(
          `${label}: not converged within ${Math.round(timeoutMs / 1000)} s: ${p.children}/${p.of} CRs with correct children, ${p.ready} ready`,
        );
      }
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 250);
      });
      this.waiter = undefined;
    }
    return {
      childrenMs: this.childrenAt! - t0,
      readyMs: this.crs ? this.readyAt - t0 : undefined,
    };
  }

  stop(): void {
    for (const w of this.watches) w.stop();
  }
}

/** Runs `fn` for 0..n-1 with `concurrency` at once. */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
