import { decodeContinue, encodeContinue, parseRv } from './list-query.js';
import type { Scope } from './request-scope.js';
import type { ObjectStore, StoreEvent } from './object-store.js';
import {
  checkFieldSupport,
  matchesFields,
  matchesLabels,
  type FieldRequirement,
  type LabelRequirement,
} from './selectors.js';
import { errors } from './status-error.js';
import type { KubeObject } from './types.js';
import type { WatchHub } from './watch-hub.js';

export interface ListOptions {
  labels?: readonly LabelRequirement[];
  fields?: readonly FieldRequirement[];
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export interface ListDeps {
  store: ObjectStore;
  hub: WatchHub;
  /** The object as the requested version presents it. */
  present: (obj: KubeObject) => KubeObject;
}

/**
 * List semantics: resourceVersion / resourceVersionMatch (NotOlderThan, Exact from retained history),
 * label and field selectors, limit/continue pagination with remainingItemCount.
 */
export function listObjects(d: ListDeps, scope: Scope, opts: ListOptions = {}): ListResult {
  const { info } = scope;
  const current = d.store.resourceVersion;
  const fields = opts.fields ?? [];
  const labels = opts.labels ?? [];
  checkFieldSupportOrThrow(fields, info.storageKey);
  if (opts.resourceVersionMatch && opts.resourceVersion === undefined)
    throw errors.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
  if (opts.continueToken && opts.resourceVersion && opts.resourceVersion !== '0')
    throw errors.badRequest('specifying resource version is not allowed when using continue');
  let rv = current;
  let start = '';
  let source: KubeObject[];
  if (opts.continueToken) {
    const t = decodeContinue(opts.continueToken);
    if (t.rv < d.hub.oldestRetained())
      throw errors.gone(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      );
    rv = t.rv;
    start = t.start;
    source = snapshot(d, scope, t.rv);
  } else if (opts.resourceVersion && opts.resourceVersion !== '0') {
    const requested = parseRv(opts.resourceVersion);
    const match = opts.resourceVersionMatch ?? 'NotOlderThan';
    if (match !== 'NotOlderThan' && match !== 'Exact')
      throw errors.badRequest(
        `resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`,
      );
    if (requested > current) throw errors.tooLargeResourceVersion(String(requested), String(current));
    if (match === 'Exact') {
      rv = requested;
      source = snapshot(d, scope, requested);
    } else source = d.store.list(info.storageKey, info.namespaced ? scope.namespace : undefined);
  } else {
    if (opts.resourceVersionMatch === 'Exact')
      throw errors.badRequest('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    source = d.store.list(info.storageKey, info.namespaced ? scope.namespace : undefined);
  }
  const items: KubeObject[] = [];
  const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
  let continueToken: string | undefined;
  let remaining = 0;
  for (const obj of source) {
    if (start && keyOf(obj) <= start) continue;
    if (labels.length > 0 && !matchesLabels(labels, obj.metadata.labels)) continue;
    if (fields.length > 0 && !matchesFields(fields, obj)) continue;
    if (items.length >= limit) {
      if (continueToken === undefined)
        continueToken = encodeContinue({ rv, start: keyOf(items[items.length - 1]!) });
      remaining++;
      continue;
    }
    items.push(d.present(obj));
  }
  const result: ListResult = { items, resourceVersion: String(rv) };
  if (continueToken !== undefined) {
    result.continueToken = continueToken;
    if (labels.length === 0 && fields.length === 0) result.remainingItemCount = remaining;
  }
  return result;
}

/** The objects of a resource as they were at `rv`, rebuilt by undoing retained history. */
function snapshot(d: ListDeps, scope: Scope, rv: number): KubeObject[] {
  const { info } = scope;
  const ns = info.namespaced ? scope.namespace : undefined;
  const live = d.store.list(info.storageKey, ns);
  if (rv >= d.store.resourceVersion) return live;
  let events: StoreEvent[];
  try {
    events = d.hub.since(rv, { storageKey: info.storageKey, labels: [], fields: [] });
  } catch {
    throw errors.gone(`too old resource version: ${rv} (${d.hub.oldestRetained()})`);
  }
  if (events.length === 0) return live;
  const byKey = new Map<string, KubeObject>();
  for (const o of live) byKey.set(keyOf(o), o);
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    const k = keyOf(e.object);
    if (e.type === 'ADDED') byKey.delete(k);
    else if (e.old) byKey.set(k, e.old);
  }
  return [...byKey.entries()]
    .filter(([, o]) => !ns || o.metadata.namespace === ns)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, o]) => o);
}

function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

function checkFieldSupportOrThrow(fields: readonly FieldRequirement[], storageKey: string): void {
  try {
    checkFieldSupport(fields, storageKey);
  } catch (err) {
    throw errors.badRequest((err as Error).message);
  }
}
