import type { KubeObject } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A committed change. `object` is the stored (never mutated) object; `old` its previous state. */
export interface StoreEvent {
  type: WatchEventType;
  storageKey: string;
  namespace: string;
  rv: number;
  object: KubeObject;
  old: KubeObject | undefined;
}

type Bucket = Map<string, Map<string, KubeObject>>;

/**
 * All objects, by storage key → namespace ('' for cluster-scoped) → name, with one cluster-wide
 * resourceVersion counter. Stored objects are treated as immutable: writers build a new object and `put` it.
 */
export class ObjectStore {
  private rv: number;
  private readonly buckets = new Map<string, Bucket>();
  private readonly uids = new Map<string, { storageKey: string; namespace: string; name: string }>();
  private readonly sortedCache = new Map<string, KubeObject[]>();
  private readonly listeners: ((e: StoreEvent) => void)[] = [];
  private count = 0;

  constructor(startRv = 1) {
    this.rv = startRv;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get size(): number {
    return this.count;
  }

  onEvent(listener: (e: StoreEvent) => void): void {
    this.listeners.push(listener);
  }

  /** The next resourceVersion, consumed. */
  nextRv(): number {
    return ++this.rv;
  }

  get(storageKey: string, namespace: string, name: string): KubeObject | undefined {
    return this.buckets.get(storageKey)?.get(namespace)?.get(name);
  }

  byUid(uid: string): KubeObject | undefined {
    const ref = this.uids.get(uid);
    return ref ? this.get(ref.storageKey, ref.namespace, ref.name) : undefined;
  }

  storageKeyOfUid(uid: string): string | undefined {
    return this.uids.get(uid)?.storageKey;
  }

  /** Objects of one resource, sorted by namespace then name (the order etcd keys list in). */
  list(storageKey: string, namespace?: string): KubeObject[] {
    const bucket = this.buckets.get(storageKey);
    if (!bucket) return [];
    if (namespace !== undefined && namespace !== '') {
      const ns = bucket.get(namespace);
      if (!ns) return [];
      return [...ns.values()].sort((a, b) => cmp(a.metadata.name!, b.metadata.name!));
    }
    let sorted = this.sortedCache.get(storageKey);
    if (!sorted) {
      sorted = [];
      for (const nsName of [...bucket.keys()].sort(cmp)) {
        const ns = bucket.get(nsName)!;
        for (const name of [...ns.keys()].sort(cmp)) sorted.push(ns.get(name)!);
      }
      this.sortedCache.set(storageKey, sorted);
    }
    return sorted;
  }

  /** Every storage key that holds objects in `namespace`. */
  keysWithNamespace(namespace: string): string[] {
    const out: string[] = [];
    for (const [k, b] of this.buckets) if ((b.get(namespace)?.size ?? 0) > 0) out.push(k);
    return out;
  }

  *allObjects(): Generator<[string, KubeObject]> {
    for (const [k, b] of this.buckets) for (const ns of b.values()) for (const o of ns.values()) yield [k, o];
  }

  /** Stores `obj` (whose metadata.resourceVersion the caller set from `nextRv()`) and emits the event. */
  put(storageKey: string, obj: KubeObject, rv: number): StoreEvent {
    const namespace = obj.metadata.namespace ?? '';
    const name = obj.metadata.name!;
    let bucket = this.buckets.get(storageKey);
    if (!bucket) this.buckets.set(storageKey, (bucket = new Map<string, Map<string, KubeObject>>()));
    let ns = bucket.get(namespace);
    if (!ns) bucket.set(namespace, (ns = new Map<string, KubeObject>()));
    const old = ns.get(name);
    ns.set(name, obj);
    if (!old) this.count++;
    // Lists are rarer than writes: drop the sorted view instead of patching it (O(n) per write).
    this.sortedCache.delete(storageKey);
    if (obj.metadata.uid) this.uids.set(obj.metadata.uid, { storageKey, namespace, name });
    return this.emit({ type: old ? 'MODIFIED' : 'ADDED', storageKey, namespace, rv, object: obj, old });
  }

  /** Removes the object; `final` is its last state carrying the deletion's resourceVersion. */
  remove(storageKey: string, final: KubeObject, rv: number): StoreEvent | undefined {
    const namespace = final.metadata.namespace ?? '';
    const ns = this.buckets.get(storageKey)?.get(namespace);
    const old = ns?.get(final.metadata.name!);
    if (!ns || !old) return undefined;
    ns.delete(final.metadata.name!);
    this.count--;
    this.sortedCache.delete(storageKey);
    if (old.metadata.uid) this.uids.delete(old.metadata.uid);
    return this.emit({ type: 'DELETED', storageKey, namespace, rv, object: final, old });
  }

  private emit(e: StoreEvent): StoreEvent {
    for (const l of this.listeners) l(e);
    return e;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
