import { ControllerQueue } from './controller-queue.js';
import type { ObjectApi, Scope } from './object-api.js';
import type { ObjectStore, StoreEvent } from './object-store.js';
import type { ResourceRegistry } from './resource-registry.js';
import { ApiError } from './status-error.js';
import type { KubeObject, SimLogger } from './types.js';

const MANAGER = 'generic-garbage-collector';

function ownerUids(obj: KubeObject | undefined): string[] {
  const refs = obj?.metadata.ownerReferences;
  return Array.isArray(refs) ? refs.map((r) => r.uid).filter((u): u is string => typeof u === 'string') : [];
}

function ignoreGone(err: unknown): void {
  if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
  throw err;
}

/**
 * The garbage collector and namespace controller: dependents whose owners are all gone are deleted
 * (background), foreground deletion waits for dependents, orphan deletion strips owner references, and a
 * terminating namespace is emptied before it goes away.
 */
export class GarbageCollector {
  /** owner uid → dependent uids */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly queue: ControllerQueue;
  private readonly nsQueue: ControllerQueue;

  constructor(
    private readonly d: {
      store: ObjectStore;
      registry: ResourceRegistry;
      api: ObjectApi;
      logger?: SimLogger;
    },
  ) {
    this.queue = new ControllerQueue('garbage-collector', (uid) => this.attempt(uid), d.logger);
    this.nsQueue = new ControllerQueue('namespace-controller', (ns) => this.cleanNamespace(ns), d.logger);
  }

  stop(): void {
    this.queue.stop();
    this.nsQueue.stop();
  }

  onEvent(e: StoreEvent): void {
    const uid = e.object.metadata.uid;
    if (!uid) return;
    const before = ownerUids(e.old);
    const after = e.type === 'DELETED' ? [] : ownerUids(e.object);
    for (const o of before) if (!after.includes(o)) this.dependents.get(o)?.delete(uid);
    for (const o of after) {
      let set = this.dependents.get(o);
      if (!set) this.dependents.set(o, (set = new Set()));
      set.add(uid);
    }
    if (e.type === 'DELETED') {
      for (const dep of this.dependents.get(uid) ?? []) this.queue.add(dep);
      for (const owner of before) this.queue.add(owner);
      if (e.namespace && this.terminating(e.namespace)) this.nsQueue.add(e.namespace);
      if (this.dependents.get(uid)?.size === 0) this.dependents.delete(uid);
      return;
    }
    if (e.type === 'ADDED' && after.length > 0) this.queue.add(uid);
    const fin = e.object.metadata.finalizers ?? [];
    if (e.object.metadata.deletionTimestamp && (fin.includes('foregroundDeletion') || fin.includes('orphan')))
      this.queue.add(uid);
    if (e.storageKey === 'namespaces' && e.object.metadata.deletionTimestamp)
      this.nsQueue.add(e.object.metadata.name!);
  }

  private terminating(ns: string): boolean {
    return !!this.d.store.get('namespaces', '', ns)?.metadata.deletionTimestamp;
  }

  private scopeOf(uid: string, obj: KubeObject): Scope | undefined {
    const key = this.d.store.storageKeyOfUid(uid);
    const info = key ? this.d.registry.byStorageKey(key) : undefined;
    return info ? { info, version: info.versions[0]!, namespace: obj.metadata.namespace ?? '' } : undefined;
  }

  private attempt(uid: string): void {
    const obj = this.d.store.byUid(uid);
    if (!obj) return;
    const scope = this.scopeOf(uid, obj);
    if (!scope) return;
    const name = obj.metadata.name!;
    const fin = obj.metadata.finalizers ?? [];
    const deps = [...(this.dependents.get(uid) ?? [])]
      .map((u) => this.d.store.byUid(u))
      .filter((o): o is KubeObject => !!o);
    if (obj.metadata.deletionTimestamp && fin.includes('orphan')) {
      for (const dep of deps) this.removeOwnerRef(dep, uid);
      this.removeFinalizer(scope, obj, 'orphan');
      return;
    }
    if (obj.metadata.deletionTimestamp && fin.includes('foregroundDeletion')) {
      // Every dependent is deleted; the owner waits only for those with blockOwnerDeletion.
      for (const dep of deps) this.queue.add(dep.metadata.uid!);
      const blocking = deps.filter((d) =>
        (d.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true),
      );
      if (blocking.length === 0) this.removeFinalizer(scope, obj, 'foregroundDeletion');
    }
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0 || (obj.metadata.deletionTimestamp && !fin.includes('foregroundDeletion'))) return;
    const owners = refs.map((r) => this.d.store.byUid(r.uid));
    const alive = owners.filter((o): o is KubeObject => !!o);
    try {
      if (alive.length === 0) {
        if (!obj.metadata.deletionTimestamp)
          this.d.api.delete(scope, name, { propagationPolicy: 'Background' });
      } else if (
        alive.every(
          (o) => o.metadata.deletionTimestamp && (o.metadata.finalizers ?? []).includes('foregroundDeletion'),
        )
      ) {
        if (!obj.metadata.deletionTimestamp)
          this.d.api.delete(scope, name, { propagationPolicy: 'Foreground' });
      } else if (alive.length < refs.length) {
        const keep = new Set(alive.map((o) => o.metadata.uid));
        const next: KubeObject = {
          ...obj,
          metadata: { ...obj.metadata, ownerReferences: refs.filter((r) => keep.has(r.uid)) },
        };
        this.d.api.update(scope, name, next, { manager: MANAGER });
      }
    } catch (err) {
      ignoreGone(err);
    }
  }

  private removeOwnerRef(dep: KubeObject, ownerUid: string): void {
    const scope = this.scopeOf(dep.metadata.uid!, dep);
    if (!scope) return;
    const refs = (dep.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
    const meta = { ...dep.metadata, ownerReferences: refs };
    if (refs.length === 0) delete (meta as { ownerReferences?: unknown }).ownerReferences;
    try {
      this.d.api.update(scope, dep.metadata.name!, { ...dep, metadata: meta }, { manager: MANAGER });
    } catch (err) {
      ignoreGone(err);
    }
  }

  private removeFinalizer(scope: Scope, obj: KubeObject, finalizer: string): void {
    const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    try {
      this.d.api.update(
        scope,
        obj.metadata.name!,
        { ...obj, metadata: { ...obj.metadata, finalizers } },
        { manager: MANAGER },
      );
    } catch (err) {
      ignoreGone(err);
    }
  }

  /** Deletes everything in a terminating namespace; once empty, releases the `kubernetes` spec finalizer. */
  private cleanNamespace(ns: string): void {
    const nsObj = this.d.store.get('namespaces', '', ns);
    if (!nsObj?.metadata.deletionTimestamp) return;
    const keys = this.d.store.keysWithNamespace(ns);
    for (const key of keys) {
      const info = this.d.registry.byStorageKey(key);
      if (!info) continue;
      const scope: Scope = { info, version: info.versions[0]!, namespace: ns };
      for (const o of this.d.store.list(key, ns)) {
        if (o.metadata.deletionTimestamp) continue;
        try {
          this.d.api.delete(scope, o.metadata.name!, { propagationPolicy: 'Background' });
        } catch (err) {
          ignoreGone(err);
        }
      }
    }
    if (this.d.store.keysWithNamespace(ns).length > 0) return;
    const info = this.d.registry.byStorageKey('namespaces')!;
    const spec = (nsObj.spec ?? {}) as { finalizers?: string[] };
    const next: KubeObject = {
      ...nsObj,
      spec: { ...spec, finalizers: (spec.finalizers ?? []).filter((f) => f !== 'kubernetes') },
    };
    try {
      this.d.api.update({ info, version: 'v1', namespace: '' }, ns, next, {
        manager: 'namespace-controller',
      });
    } catch (err) {
      ignoreGone(err);
    }
  }
}
