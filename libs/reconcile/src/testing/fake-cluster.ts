// In-memory test double of the reconcile ports for unit tests (integration tests use the real simulator).
// It keeps just enough API-server behaviour to make the reconcile's decisions observable: uids,
// resourceVersions that move only on real changes, uid preconditions, label-selected lists, discovery,
// status merge patches, finalizer conflicts, and a log of every write.
import { UnknownKindError } from '../errors.js';
import {
  canonicalJson,
  groupOf,
  OWNER_UID_LABEL,
  refKey,
  refOf,
  type CrKey,
  type CrStatus,
  type KubeObject,
  type ObjectRef,
} from '../model.js';
import type {
  ClusterReader,
  ClusterWriter,
  CrEvent,
  CrRenderer,
  EventRecorder,
  KindRef,
  PropagationPolicy,
} from '../ports.js';

export interface WriteRecord {
  /**
   * 'applyRefused': a create-only apply the object's existence refused, or a uid apply refused because the
   * object is another one or absent (nothing written).
   */
  op: 'apply' | 'applyRefused' | 'delete' | 'setFinalizers' | 'writeStatus';
  key: string;
  /** An apply that could only create (applyIfAbsent). */
  createOnly?: true;
  /** The uid precondition of a delete or of a uid apply (applyIfUid). */
  uid?: string;
  propagationPolicy?: PropagationPolicy;
}

/** A read the reconcile made (each one API request). */
export interface ReadRecord {
  op: 'getCr' | 'getObject' | 'listOwned';
  key: string;
}

export class PortError extends Error {
  readonly retryable: boolean;
  readonly code: string;
  readonly retryAfterMs?: number;

  constructor(message: string, options: { retryable: boolean; code: string; retryAfterMs?: number }) {
    super(message);
    this.name = 'PortError';
    this.retryable = options.retryable;
    this.code = options.code;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

const SCOPES: Record<string, boolean> = {
  '/ConfigMap': true,
  '/Secret': true,
  '/Service': true,
  '/ServiceAccount': true,
  '/Namespace': false,
  'apps/Deployment': true,
  'batch/Job': true,
  'rbac.authorization.k8s.io/ClusterRole': false,
  'stable.example.io/Character': true,
};

/** A failure of 'apply' hits both kinds of apply (apply and applyIfAbsent). */
type Failure = {
  op: Exclude<WriteRecord['op'], 'applyRefused'> | 'getObject' | 'getCr';
  match?: (key: string) => boolean;
  error: Error;
};

export class FakeCluster implements ClusterReader, ClusterWriter, EventRecorder {
  readonly objects = new Map<string, KubeObject>();
  readonly writes: WriteRecord[] = [];
  readonly reads: ReadRecord[] = [];
  readonly events: CrEvent[] = [];
  private failures: Failure[] = [];
  private countedWrites = 0;
  private uncountedEvents = 0;
  private nextUid = 1;
  private nextRv = 1;
  failEvents = false;

  /** Stores an object as if created by someone (uid and resourceVersion assigned); returns it. */
  put(obj: KubeObject): KubeObject {
    const stored = structuredClone(obj);
    stored.metadata.uid ??= `uid-${this.nextUid++}`;
    stored.metadata.resourceVersion = String(this.nextRv++);
    stored.metadata.generation ??= 1;
    this.objects.set(refKey(refOf(stored)), stored);
    return structuredClone(stored);
  }

  find(ref: ObjectRef): KubeObject | undefined {
    const obj = this.objects.get(refKey(ref));
    return obj ? structuredClone(obj) : undefined;
  }

  /** Changes an object as another actor would (bumps resourceVersion). */
  mutate(ref: ObjectRef, change: (obj: KubeObject) => void): void {
    const obj = this.objects.get(refKey(ref));
    if (!obj) throw new Error(`no ${refKey(ref)}`);
    change(obj);
    obj.metadata.resourceVersion = String(this.nextRv++);
  }

  /** The next matching call of `op` throws `error`. */
  failNext(op: Failure['op'], error: Error, match?: (key: string) => boolean): void {
    this.failures.push({ op, error, ...(match ? { match } : {}) });
  }

  writesOf(op: WriteRecord['op']): WriteRecord[] {
    return this.writes.filter((w) => w.op === op);
  }

  /**
   * API requests since the last call, by kind: what one reconcile cost (discovery is cached by the real ports,
   * so isNamespaced is no request; an Event is one request in the common case).
   */
  takeRequests(): Record<string, number> {
    const counts: Record<string, number> = {};
    const add = (k: string): void => {
      counts[k] = (counts[k] ?? 0) + 1;
    };
    for (const r of this.reads.splice(0)) add(r.op);
    for (const w of this.writes.slice(this.countedWrites))
      add(w.op !== 'apply' ? w.op : w.uid ? 'applyIfUid' : w.createOnly ? 'applyIfAbsent' : 'apply');
    this.countedWrites = this.writes.length;
    if (this.uncountedEvents > 0) counts.event = this.uncountedEvents;
    this.uncountedEvents = 0;
    return counts;
  }

  private maybeFail(op: Failure['op'], key: string): void {
    const index = this.failures.findIndex((f) => f.op === op && (!f.match || f.match(key)));
    if (index < 0) return;
    const [failure] = this.failures.splice(index, 1);
    if (failure) throw failure.error;
  }

  // ClusterReader
  getCr(key: CrKey, gvk: { apiVersion: string; kind?: string }): Promise<KubeObject | undefined> {
    this.reads.push({ op: 'getCr', key: `${key.group}/${key.namespace}/${key.name}` });
    this.maybeFail('getCr', `${key.group}/${key.namespace}/${key.name}`);
    for (const obj of this.objects.values()) {
      const sameNs = (obj.metadata.namespace ?? '') === key.namespace;
      if (
        groupOf(obj.apiVersion) === key.group &&
        obj.apiVersion === gvk.apiVersion &&
        sameNs &&
        obj.metadata.name === key.name
      ) {
        return Promise.resolve(structuredClone(obj));
      }
    }
    return Promise.resolve(undefined);
  }

  getObject(ref: ObjectRef): Promise<KubeObject | undefined> {
    this.reads.push({ op: 'getObject', key: refKey(ref) });
    this.maybeFail('getObject', refKey(ref));
    return Promise.resolve(this.find(ref));
  }

  listOwned(kind: KindRef, ownerUid: string, namespace?: string): Promise<KubeObject[]> {
    this.reads.push({ op: 'listOwned', key: `${groupOf(kind.apiVersion)}/${kind.kind}/${namespace ?? ''}` });
    const found = [...this.objects.values()].filter(
      (obj) =>
        groupOf(obj.apiVersion) === groupOf(kind.apiVersion) &&
        obj.kind === kind.kind &&
        obj.metadata.labels?.[OWNER_UID_LABEL] === ownerUid &&
        (namespace === undefined || obj.metadata.namespace === namespace),
    );
    return Promise.resolve(found.map((obj) => structuredClone(obj)));
  }

  isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    const scope = SCOPES[`${groupOf(apiVersion)}/${kind}`];
    if (scope === undefined) return Promise.reject(new UnknownKindError(apiVersion, kind));
    return Promise.resolve(scope);
  }

  // ClusterWriter
  apply(obj: KubeObject): Promise<KubeObject> {
    const key = refKey(refOf(obj));
    this.writes.push({ op: 'apply', key });
    this.maybeFail('apply', key);
    return this.merge(key, obj);
  }

  /** As the API server: an apply naming a uid is refused by another object of that name (422) or none (409). */
  applyIfUid(obj: KubeObject, uid: string): Promise<KubeObject | 'refused'> {
    const key = refKey(refOf(obj));
    const same = this.objects.get(key)?.metadata.uid === uid;
    this.writes.push({ op: same ? 'apply' : 'applyRefused', key, uid });
    this.maybeFail('apply', key);
    return same ? this.merge(key, obj) : Promise.resolve('refused');
  }

  private merge(key: string, obj: KubeObject): Promise<KubeObject> {
    const existing = this.objects.get(key);
    if (!existing) return Promise.resolve(this.put(obj));
    const merged: KubeObject = {
      ...existing,
      ...structuredClone(obj),
      metadata: { ...existing.metadata, ...structuredClone(obj.metadata) },
    };
    if (canonicalJson(merged) !== canonicalJson(existing)) {
      merged.metadata.resourceVersion = String(this.nextRv++);
      merged.metadata.generation = (existing.metadata.generation ?? 1) + 1;
      this.objects.set(key, merged);
    }
    return Promise.resolve(structuredClone(this.objects.get(key) as KubeObject));
  }

  applyIfAbsent(obj: KubeObject): Promise<KubeObject | 'refused'> {
    const key = refKey(refOf(obj));
    const exists = this.objects.has(key);
    this.writes.push(exists ? { op: 'applyRefused', key } : { op: 'apply', key, createOnly: true });
    this.maybeFail('apply', key);
    return Promise.resolve(exists ? 'refused' : this.put(obj));
  }

  deleteObject(
    ref: ObjectRef,
    opts?: { uid?: string; propagationPolicy?: PropagationPolicy },
  ): Promise<'deleted' | 'gone'> {
    const key = refKey(ref);
    this.writes.push({
      op: 'delete',
      key,
      ...(opts?.uid ? { uid: opts.uid } : {}),
      ...(opts?.propagationPolicy ? { propagationPolicy: opts.propagationPolicy } : {}),
    });
    this.maybeFail('delete', key);
    const existing = this.objects.get(key);
    if (!existing || (opts?.uid && existing.metadata.uid !== opts.uid)) return Promise.resolve('gone');
    this.objects.delete(key);
    return Promise.resolve('deleted');
  }

  setFinalizers(cr: KubeObject, finalizers: string[]): Promise<KubeObject> {
    const key = refKey(refOf(cr));
    this.writes.push({ op: 'setFinalizers', key });
    this.maybeFail('setFinalizers', key);
    const stored = this.objects.get(key);
    if (!stored) return Promise.reject(new PortError('not found', { retryable: false, code: 'NOT_FOUND' }));
    if (stored.metadata.resourceVersion !== cr.metadata.resourceVersion) {
      return Promise.reject(new PortError('resourceVersion conflict', { retryable: true, code: 'CONFLICT' }));
    }
    stored.metadata.finalizers = [...finalizers];
    stored.metadata.resourceVersion = String(this.nextRv++);
    if (stored.metadata.deletionTimestamp && finalizers.length === 0) this.objects.delete(key);
    return Promise.resolve(structuredClone(stored));
  }

  writeStatus(cr: KubeObject, status: CrStatus): Promise<KubeObject> {
    const key = refKey(refOf(cr));
    this.writes.push({ op: 'writeStatus', key });
    this.maybeFail('writeStatus', key);
    const stored = this.objects.get(key);
    if (!stored) return Promise.reject(new PortError('not found', { retryable: false, code: 'NOT_FOUND' }));
    // As libs/kube's merge patch carrying metadata.resourceVersion: a stale status write is a conflict.
    if (stored.metadata.resourceVersion !== cr.metadata.resourceVersion) {
      return Promise.reject(new PortError('resourceVersion conflict', { retryable: true, code: 'CONFLICT' }));
    }
    stored.status = { ...(stored.status as Record<string, unknown> | undefined), ...structuredClone(status) };
    stored.metadata.resourceVersion = String(this.nextRv++);
    return Promise.resolve(structuredClone(stored));
  }

  // EventRecorder
  record(_cr: KubeObject, e: CrEvent): Promise<void> {
    if (this.failEvents) return Promise.reject(new Error('events API down'));
    this.uncountedEvents += 1;
    this.events.push(e);
    return Promise.resolve();
  }
}

/** A renderer double: renders with a plain function of the CR; `revision` can be changed by tests. */
export class FakeRenderer implements CrRenderer {
  revision: string;
  private readonly fn: (cr: KubeObject) => KubeObject[];

  constructor(fn: (cr: KubeObject) => KubeObject[], revision = 'rev-1') {
    this.fn = fn;
    this.revision = revision;
  }

  render(cr: KubeObject): Promise<KubeObject[]> {
    try {
      return Promise.resolve(this.fn(cr));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
