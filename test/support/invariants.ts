// The end state every reliability scenario must reach, checked from the outside against the API server:
//
//  1. every live managed CR holds exactly the objects its templates render for its current spec (rendered here,
//     in-process, with the same templates), each carrying every rendered field, our labels and an owner
//     reference; the CR is Reconciled=True and Ready=True with status.observedGeneration == metadata.generation,
//     and its inventory (status.resources) names exactly those objects;
//  2. no CR is stuck in deletion, and no object labelled as ours belongs to a CR that no longer exists;
//  3. objects we do not own (sentinels the caller created) are untouched (same resourceVersion);
//  4. the request rate is bounded: over a quiet window nothing is written but Leases, and the total rate stays
//     below what leader election alone costs plus a margin (no hot loop).
//
// The comparison functions are pure and exported (unit tests: test/reliability/invariants.test.ts). Reads go
// to the control plane directly, not through the fault proxy, so the check neither meets injected faults nor
// shows up in the request counts it judges.
import { loadTemplateSet, renderTemplateSet, type KubeObject } from '@lostromos/render';

export const OWNER_UID_LABEL = 'lostromos.io/owner-uid';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const RESOURCE_LABEL = 'lostromos.io/resource';
export const CLEANUP_FINALIZER = 'lostromos.io/cleanup';

/** A configured resource (`resources[]` of the operator's config) whose CRs are checked. */
export interface CheckedResource {
  /** `resources[].name`: the `lostromos.io/resource` label value. */
  name: string;
  /** The CRD's group/version, e.g. fleet.example.io/v1. */
  apiVersion: string;
  plural: string;
  /** The Handlebars template folder the workers render (read again at every check: it may have changed). */
  templates: string;
  /** `resources[].values`. */
  values?: Record<string, unknown>;
  /** `resources[].filterAnnotation`: only CRs carrying it are managed. */
  filterAnnotation?: string;
}

/** A kind the templates render: scanned cluster-wide for objects labelled as ours. */
export interface OwnedKind {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

/** An object the operator must never touch, with the resourceVersion it had when the caller created it. */
export interface Sentinel {
  apiVersion: string;
  plural: string;
  namespace?: string;
  name: string;
  resourceVersion: string;
}

export interface RateLimit {
  /** How long to watch the request counts while nothing changes (default 5000 ms). */
  windowMs?: number;
  /** Upper bound on all requests through the proxy per second over the window. */
  maxRequestsPerSecond: number;
  /**
   * How long the request rate may take to come down after the state converged (default 30 s): a backlog of
   * no-op reconciles (reads) may still drain; a hot loop never stops.
   */
  settleMs?: number;
  /** Resources (plural) that may be written in the window (default: leases). */
  writableResources?: string[];
}

export interface InvariantOptions {
  resources: CheckedResource[];
  ownedKinds: OwnedKind[];
  sentinels?: Sentinel[];
  /** Omit to skip the request-rate check (e.g. while polling for convergence). */
  rate?: RateLimit;
}

/** What the check needs of a harness (test/controller/harness.ts satisfies it). */
export interface InvariantTarget {
  api: {
    stats(): { requests: number; byVerbResource: Record<string, number> };
    controlPlane?:
      | { request<T = unknown>(method: string, apiPath: string): Promise<{ status: number; body: T }> }
      | undefined;
  };
  kube: {
    rest: {
      request<T = unknown>(req: {
        method: 'GET';
        path: string;
        query?: Record<string, string | undefined>;
      }): Promise<{ body: T }>;
    };
  };
}

interface Condition {
  type: string;
  status?: string;
  reason?: string;
  message?: string;
}

interface Ref {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

// ---------------------------------------------------------------------------------------------------------
// Pure parts
// ---------------------------------------------------------------------------------------------------------

/** group/Kind/namespace/name: the API version does not make another object. */
export function refKey(r: { apiVersion: string; kind: string; namespace?: string; name?: string }): string {
  const group = r.apiVersion.includes('/') ? r.apiVersion.split('/')[0]! : '';
  return `${group}/${r.kind}/${r.namespace ?? ''}/${r.name ?? ''}`;
}

export function describeObject(o: {
  kind: string;
  metadata?: { namespace?: string; name?: string };
  namespace?: string;
  name?: string;
}): string {
  const ns = o.metadata?.namespace ?? o.namespace;
  const name = o.metadata?.name ?? o.name ?? '';
  return `${o.kind} ${ns ? `${ns}/` : ''}${name}`;
}

export function describeCr(cr: KubeObject): string {
  return `${cr.kind} ${cr.metadata.namespace ? `${cr.metadata.namespace}/` : ''}${cr.metadata.name ?? ''}`;
}

/**
 * What the operator must have applied for `cr`: the rendered objects with the namespace defaulted to the CR's
 * (namespaced kinds), our three labels and a controller owner reference to the CR when Kubernetes allows one
 * (same namespace). Written independently of @lostromos/reconcile's buildDesiredObjects on purpose.
 */
export function expectedObjects(
  cr: KubeObject,
  rendered: readonly KubeObject[],
  resourceName: string,
  isNamespaced: (apiVersion: string, kind: string) => boolean,
): KubeObject[] {
  return rendered.map((r) => {
    const o = structuredClone(r);
    const namespaced = isNamespaced(o.apiVersion, o.kind);
    if (!namespaced) delete o.metadata.namespace;
    else o.metadata.namespace ??= cr.metadata.namespace;
    o.metadata.labels = {
      ...o.metadata.labels,
      [MANAGED_BY_LABEL]: 'lostromos',
      [RESOURCE_LABEL]: resourceName,
      [OWNER_UID_LABEL]: cr.metadata.uid ?? '',
    };
    if (namespaced && o.metadata.namespace === cr.metadata.namespace) {
      o.metadata.ownerReferences = [
        ...(o.metadata.ownerReferences ?? []),
        {
          apiVersion: cr.apiVersion,
          kind: cr.kind,
          name: cr.metadata.name ?? '',
          uid: cr.metadata.uid ?? '',
          controller: true,
        },
      ];
    }
    return o;
  });
}

function show(v: unknown): string {
  const s = v === undefined ? 'absent' : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

/**
 * Every field of `expected` must be in `live` with the same value; fields only `live` has (server defaults,
 * status, other managers) are ignored. Arrays: same length, element by element. A rendered `null` means
 * "unset" and matches an absent field. Returns one line per difference, by field path.
 */
export function fieldDiffs(expected: unknown, live: unknown, at = ''): string[] {
  if (expected === null)
    return live === null || live === undefined ? [] : [`${at || '.'}: ${show(live)}, rendered null`];
  if (Array.isArray(expected)) {
    if (!Array.isArray(live)) return [`${at || '.'}: ${show(live)}, rendered a list`];
    if (live.length !== expected.length)
      return [`${at || '.'}: ${live.length} items, rendered ${expected.length}`];
    return expected.flatMap((e, i) => fieldDiffs(e, live[i], `${at}[${i}]`));
  }
  if (typeof expected === 'object' && expected !== undefined) {
    if (live === null || typeof live !== 'object' || Array.isArray(live))
      return [`${at || '.'}: ${show(live)}, rendered a mapping`];
    const l = live as Record<string, unknown>;
    return Object.entries(expected).flatMap(([k, v]) =>
      v === undefined ? [] : fieldDiffs(v, l[k], at ? `${at}.${k}` : k),
    );
  }
  return expected === live ? [] : [`${at || '.'}: ${show(live)}, rendered ${show(expected)}`];
}

/**
 * One live object against what was expected: every rendered field (metadata: name, namespace, labels,
 * annotations), and the owner reference to the CR (uid and controller; other fields of it are the API
 * server's business).
 */
export function objectDiffs(expected: KubeObject, live: KubeObject): string[] {
  const { metadata: em, ...body } = expected;
  const { ownerReferences: wantRefs, ...meta } = em;
  const comparable = {
    ...body,
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      labels: meta.labels,
      annotations: meta.annotations,
    },
  };
  const diffs = fieldDiffs(comparable, live);
  for (const want of wantRefs ?? []) {
    const got = live.metadata.ownerReferences?.find((r) => r.uid === want.uid);
    if (!got)
      diffs.push(`metadata.ownerReferences: no reference to ${want.kind} ${want.name} (uid ${want.uid})`);
    else if (want.controller && got.controller !== true)
      diffs.push(
        `metadata.ownerReferences: the reference to ${want.kind} ${want.name} is not the controller`,
      );
  }
  return diffs;
}

/**
 * The objects found labelled with the CR's uid against the expected ones: each expected object exists and
 * matches, and nothing else carries the label (a stale object that should have been pruned).
 */
export function ownedSetDiffs(expected: readonly KubeObject[], live: readonly KubeObject[]): string[] {
  const out: string[] = [];
  const liveByKey = new Map(live.map((o) => [refKey({ ...o, ...o.metadata }), o]));
  const expectedKeys = new Set<string>();
  for (const e of expected) {
    const key = refKey({ ...e, ...e.metadata });
    expectedKeys.add(key);
    const l = liveByKey.get(key);
    if (!l) {
      out.push(`${describeObject(e)} is missing`);
      continue;
    }
    for (const d of objectDiffs(e, l)) out.push(`${describeObject(e)} ${d}`);
  }
  for (const [key, l] of liveByKey)
    if (!expectedKeys.has(key))
      out.push(`${describeObject(l)} is labelled as its object but not rendered (not pruned)`);
  return out;
}

/** Reconciled=True, Ready=True, observedGeneration == generation, inventory == the expected objects. */
export function statusDiffs(cr: KubeObject, expected: readonly KubeObject[]): string[] {
  const out: string[] = [];
  const status = (cr.status ?? {}) as {
    observedGeneration?: number;
    conditions?: Condition[];
    resources?: Ref[];
  };
  if (status.observedGeneration !== cr.metadata.generation)
    out.push(
      `status.observedGeneration is ${show(status.observedGeneration)}, metadata.generation ${show(cr.metadata.generation)}`,
    );
  for (const type of ['Reconciled', 'Ready']) {
    const c = status.conditions?.find((x) => x.type === type);
    if (c?.status !== 'True')
      out.push(
        c
          ? `${type}=${c.status ?? '?'} (${c.reason ?? ''}: ${(c.message ?? '').slice(0, 160)})`
          : `no ${type} condition`,
      );
  }
  const inventory = new Set((status.resources ?? []).map((r) => refKey(r)));
  const want = new Set(expected.map((e) => refKey({ ...e, ...e.metadata })));
  const missing = [...want].filter((k) => !inventory.has(k));
  const extra = [...inventory].filter((k) => !want.has(k));
  if (missing.length > 0 || extra.length > 0)
    out.push(
      `status.resources ${missing.length ? `lacks ${missing.join(', ')}` : ''}${missing.length && extra.length ? ' and ' : ''}${extra.length ? `names ${extra.join(', ')} not rendered` : ''}`,
    );
  return out;
}

/** Objects labelled as ours whose owner is not a live CR (or that carry no owner uid at all). */
export function leftovers(objects: readonly KubeObject[], liveUids: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const uid = o.metadata.labels?.[OWNER_UID_LABEL];
    if (!uid) out.push(`${describeObject(o)} is labelled managed-by=lostromos but names no owner`);
    else if (!liveUids.has(uid))
      out.push(
        `${describeObject(o)} belongs to CR uid ${uid}, which no longer exists (${o.metadata.labels?.[RESOURCE_LABEL] ?? '?'})`,
      );
  }
  return out;
}

export interface RequestCounts {
  requests: number;
  byVerbResource: Record<string, number>;
}

const WRITE_VERBS = ['create', 'update', 'patch', 'apply', 'delete', 'deletecollection'];

/** The verdict on the requests counted over a quiet window. */
export function rateDiffs(
  before: RequestCounts,
  after: RequestCounts,
  windowMs: number,
  limit: RateLimit,
): string[] {
  const out: string[] = [];
  const total = after.requests - before.requests;
  const perSecond = total / (windowMs / 1000);
  const delta: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.byVerbResource)) {
    const d = v - (before.byVerbResource[k] ?? 0);
    if (d > 0) delta[k] = d;
  }
  const top = Object.entries(delta)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  if (perSecond > limit.maxRequestsPerSecond)
    out.push(
      `${total} API requests in a quiet ${windowMs} ms (${perSecond.toFixed(1)}/s, limit ${limit.maxRequestsPerSecond}/s): ${top}`,
    );
  const writable = new Set(limit.writableResources ?? ['leases']);
  const writes = Object.entries(delta).filter(([k]) => {
    const [verb, resource = ''] = k.split(' ');
    return WRITE_VERBS.includes(verb!) && !writable.has(resource.split('/')[0]!);
  });
  if (writes.length > 0)
    out.push(`writes while nothing changed: ${writes.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return out;
}

/** Whether the operator manages this CR (filterAnnotation opt-in). */
export function isManaged(cr: KubeObject, resource: CheckedResource): boolean {
  if (!resource.filterAnnotation) return true;
  return cr.metadata.annotations?.[resource.filterAnnotation] !== undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Reading the cluster
// ---------------------------------------------------------------------------------------------------------

type Reader = <T>(path: string) => Promise<T>;

function readerOf(h: InvariantTarget): Reader {
  const cp = h.api.controlPlane;
  if (cp) {
    return async <T>(p: string): Promise<T> => {
      const r = await cp.request<T>('GET', p);
      if (r.status !== 200)
        throw new Error(`GET ${p}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      return r.body;
    };
  }
  return async <T>(p: string): Promise<T> => (await h.kube.rest.request<T>({ method: 'GET', path: p })).body;
}

function collectionPath(apiVersion: string, plural: string, namespace?: string): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace ? `${base}/namespaces/${namespace}/${plural}` : `${base}/${plural}`;
}

async function listAll(
  read: Reader,
  apiVersion: string,
  plural: string,
  selector?: string,
): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  let cont = '';
  for (;;) {
    const q = new URLSearchParams({ limit: '500' });
    if (selector) q.set('labelSelector', selector);
    if (cont) q.set('continue', cont);
    const page = await read<{ items: KubeObject[]; metadata?: { continue?: string } }>(
      `${collectionPath(apiVersion, plural)}?${q.toString()}`,
    );
    out.push(...page.items);
    cont = page.metadata?.continue ?? '';
    if (!cont) return out;
  }
}

/** A list response's items carry no apiVersion/kind: put them back from the list's type. */
function typed(items: KubeObject[], apiVersion: string, kind: string): KubeObject[] {
  return items.map((i) => ({ ...i, apiVersion: i.apiVersion ?? apiVersion, kind: i.kind ?? kind }));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Checks the invariants once; returns the violations (empty: all hold). With `opts.rate`, first watches the
 * request counts for a quiet window (nothing may change in the cluster meanwhile), then reads the cluster.
 */
export async function checkInvariants(h: InvariantTarget, opts: InvariantOptions): Promise<string[]> {
  const violations: string[] = [];
  if (opts.rate) {
    // A backlog of no-op reconciles may still drain after the state converged (reads only); a hot loop never
    // ends. So: windows one after the other, until one is quiet or settleMs has passed.
    const windowMs = opts.rate.windowMs ?? 5000;
    const deadline = Date.now() + (opts.rate.settleMs ?? 30_000);
    for (;;) {
      const before = h.api.stats();
      const snapshot = { requests: before.requests, byVerbResource: { ...before.byVerbResource } };
      await sleep(windowMs);
      const diffs = rateDiffs(snapshot, h.api.stats(), windowMs, opts.rate);
      if (diffs.length === 0 || Date.now() + windowMs > deadline) {
        for (const d of diffs) violations.push(`[rate] ${d}`);
        break;
      }
    }
  }
  const read = readerOf(h);
  const kindOf = new Map(opts.ownedKinds.map((k) => [`${k.apiVersion}/${k.kind}`, k]));
  const isNamespaced = (apiVersion: string, kind: string): boolean =>
    kindOf.get(`${apiVersion}/${kind}`)?.namespaced ?? true;

  // Everything labelled as ours, once, cluster-wide.
  const ours: KubeObject[] = [];
  for (const k of opts.ownedKinds) {
    const items = await listAll(read, k.apiVersion, k.plural, `${MANAGED_BY_LABEL}=lostromos`);
    ours.push(...typed(items, k.apiVersion, k.kind));
  }
  const byOwner = new Map<string, KubeObject[]>();
  for (const o of ours) {
    const uid = o.metadata.labels?.[OWNER_UID_LABEL];
    if (uid) byOwner.set(uid, [...(byOwner.get(uid) ?? []), o]);
  }

  const liveUids = new Set<string>();
  for (const res of opts.resources) {
    let crs: KubeObject[];
    try {
      crs = await listAll(read, res.apiVersion, res.plural);
    } catch (err) {
      // The CRD is gone (a scenario deletes it): no CRs, and their objects must be gone too.
      if (/HTTP 404/.test(String(err))) continue;
      throw err;
    }
    let set: Awaited<ReturnType<typeof loadTemplateSet>> | undefined;
    try {
      set = await loadTemplateSet(res.templates);
    } catch (err) {
      violations.push(`[check] templates of ${res.name} do not load: ${String(err)}`);
    }
    for (const [i, cr] of crs.entries()) {
      // The fault proxies live in this process: let their traffic through between chunks of rendering.
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      const what = `${res.name} ${describeCr(cr)}`;
      if (cr.metadata.uid) liveUids.add(cr.metadata.uid);
      const owned = byOwner.get(cr.metadata.uid ?? '') ?? [];
      if (cr.metadata.deletionTimestamp) {
        violations.push(
          `[deletion] ${what} is still being deleted (finalizers ${JSON.stringify(cr.metadata.finalizers ?? [])}, ${owned.length} objects left)`,
        );
        continue;
      }
      if (!isManaged(cr, res)) {
        for (const o of owned)
          violations.push(
            `[objects] ${what} is not managed but ${describeObject(o)} is labelled as its object`,
          );
        continue;
      }
      if (!set) continue;
      let expected: KubeObject[];
      try {
        expected = expectedObjects(
          cr,
          renderTemplateSet(set, { cr, values: res.values ?? {} }),
          res.name,
          isNamespaced,
        );
      } catch (err) {
        violations.push(`[check] ${what} does not render: ${String(err)}`);
        continue;
      }
      for (const d of ownedSetDiffs(expected, owned)) violations.push(`[objects] ${what}: ${d}`);
      for (const d of statusDiffs(cr, expected)) violations.push(`[status] ${what}: ${d}`);
      if (!cr.metadata.finalizers?.includes(CLEANUP_FINALIZER))
        violations.push(`[status] ${what}: no ${CLEANUP_FINALIZER} finalizer`);
    }
  }
  for (const d of leftovers(ours, liveUids)) violations.push(`[leftover] ${d}`);

  for (const s of opts.sentinels ?? []) {
    const base = collectionPath(s.apiVersion, s.plural, s.namespace);
    const cp = h.api.controlPlane;
    const p = `${base}/${s.name}`;
    let obj: KubeObject | undefined;
    if (cp) {
      const r = await cp.request<KubeObject>('GET', p);
      obj = r.status === 200 ? r.body : undefined;
    } else obj = await read<KubeObject>(p).catch(() => undefined);
    const what = `${s.plural} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
    if (!obj) violations.push(`[foreign] ${what} (not ours) was deleted`);
    else if (obj.metadata.resourceVersion !== s.resourceVersion)
      violations.push(
        `[foreign] ${what} (not ours) was modified: resourceVersion ${s.resourceVersion} → ${obj.metadata.resourceVersion ?? '?'}`,
      );
  }
  return violations;
}

/**
 * Polls the invariants (without the rate check) until they hold or `timeoutMs` passes, then checks once more
 * with the rate check when `opts.rate` is set. Returns the final violations and how long convergence took.
 */
export async function awaitInvariants(
  h: InvariantTarget,
  opts: InvariantOptions,
  timeoutMs = 60_000,
): Promise<{ violations: string[]; convergedMs: number }> {
  const started = Date.now();
  const { rate, ...cheap } = opts;
  for (;;) {
    const checkStarted = Date.now();
    const last = await checkInvariants(h, cheap).catch((err: unknown) => [`[check] ${String(err)}`]);
    if (last.length === 0) break;
    if (Date.now() - started > timeoutMs) return { violations: last, convergedMs: Date.now() - started };
    // A check of 1,000 CRs costs the CPU of a second: poll at most a quarter of the time, so the checker does
    // not starve the operator and the API server (and the fault proxies that share this process).
    await sleep(Math.max(250, 3 * (Date.now() - checkStarted)));
  }
  const convergedMs = Date.now() - started;
  if (!rate) return { violations: [], convergedMs };
  return { violations: await checkInvariants(h, opts), convergedMs };
}
