/**
 * The contract of reconcile(): the ports it reads and writes the cluster through (implemented in libs/kube), the
 * renderer, the resource settings it needs, and the result it returns. Contract: /work/team/PORTS.md.
 */
import type { CrKey, CrStatus, KubeObject, ObjectRef } from './model.js';

/** Group/version/kind of a type, as the reader needs it. */
export interface KindRef {
  apiVersion: string;
  kind: string;
}

/** Reads of the cluster the reconcile needs. All reads are fresh GETs/LISTs (no cache) unless noted. */
export interface ClusterReader {
  /** The CR, or undefined on 404. */
  getCr(key: CrKey, gvk: { apiVersion: string; kind?: string }): Promise<KubeObject | undefined>;
  /** The live object, or undefined on 404. */
  getObject(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** Objects of one kind labelled lostromos.io/owner-uid=<ownerUid> (namespace undefined = all namespaces). */
  listOwned(kind: KindRef, ownerUid: string, namespace?: string): Promise<KubeObject[]>;
  /** Discovery: true/false, or throws UnknownKindError (permanent) when the API server does not serve the kind. */
  isNamespaced(apiVersion: string, kind: string): Promise<boolean>;
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface ClusterWriter {
  /** Server-side apply, fieldManager "lostromos", force=true (we only send fields we render). Returns the live object. */
  apply(obj: KubeObject): Promise<KubeObject>;
  /**
   * The same apply, but one that can only create: resolves the object this call created, or 'refused' when the
   * API server would not create it — an object of that name exists (nothing is written to it then), or the
   * object is invalid. One request for a new object, with no read before it; on 'refused' the caller reads
   * the live object and decides, so nothing that is not ours is ever taken over.
   */
  applyIfAbsent(obj: KubeObject): Promise<KubeObject | 'refused'>;
  /**
   * The same apply, but only to the existing object with this uid: resolves the applied object, or 'refused'
   * when the object of that name is another one (replaced since) or there is none — nothing is written then.
   * One request, with no read before it; on 'refused' the caller reads the live object and decides.
   */
  applyIfUid(obj: KubeObject, uid: string): Promise<KubeObject | 'refused'>;
  /** Delete with a uid precondition (never delete a same-named replacement); resolves 'gone' on 404/409-precondition. */
  deleteObject(
    ref: ObjectRef,
    opts?: { uid?: string; propagationPolicy?: PropagationPolicy },
  ): Promise<'deleted' | 'gone'>;
  /** JSON patch of metadata.finalizers with a `test` op on resourceVersion (optimistic concurrency). Returns the updated CR. */
  setFinalizers(cr: KubeObject, finalizers: string[]): Promise<KubeObject>;
  /** Writes status through the status subresource (merge patch of `status`). */
  writeStatus(cr: KubeObject, status: CrStatus): Promise<KubeObject>;
}

export interface CrEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  action?: string;
}

export interface EventRecorder {
  /** Kubernetes Event (events.k8s.io/v1 or core/v1) on the CR; implementations rate-limit and aggregate. */
  record(cr: KubeObject, e: CrEvent): Promise<void>;
}

export interface CrRenderer {
  /**
   * The objects for the CR, validated by @lostromos/render's validateObjects (every renderer there does): each
   * an applicable object, no two the same. The reconcile only decorates them. Throws a permanent error
   * (`retryable` not true) on template/render failures.
   */
  render(cr: KubeObject): Promise<KubeObject[]>;
  /**
   * Changes when the templates change. Read after `render`: a renderer that picks a revision per CR (a staged
   * rollout, a pinned CR) reports the one it rendered with; it lands in the render hash and status.
   */
  readonly revision: string;
}

/** pino-compatible. */
export interface ReconcileLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Metric hooks, called once per object acted on. */
export interface ReconcileHooks {
  onApply?(ref: ObjectRef): void;
  onPrune?(ref: ObjectRef): void;
  onDelete?(ref: ObjectRef): void;
}

/**
 * Where rendered objects may go. Defaults (empty/false): only the CR's own namespace, no cluster-scoped kinds,
 * any kind.
 */
export interface AllowPolicy {
  /** Extra namespaces objects may be placed in besides the CR's own; `"*"` permits every namespace. */
  namespaces?: readonly string[];
  /** Permit cluster-scoped kinds (Namespace, ClusterRole, CRDs, …). */
  clusterScoped?: boolean;
  /** When non-empty, only these kinds: `Kind` (any group) or `group/Kind` (`core/Kind` for the core group). */
  kinds?: readonly string[];
}

/**
 * The part of `@lostromos/config`'s `ResourceConfig` the reconcile needs. Declared here, narrowly, so this
 * library does not depend on the config package; the real config type fits structurally.
 */
export interface ReconcileResource {
  /** Config resource name: queue name, metrics label and the `lostromos.io/resource` label value. */
  name: string;
  group: string;
  version: string;
  plural: string;
  /** The CR kind when known (discovery fills it otherwise). */
  kind?: string;
  allow?: AllowPolicy;
  /** Opt-in annotation key: CRs without it are not ours (see crMembership). "" or absent = every CR. */
  filterAnnotation?: string;
}

export interface ReconcileDeps {
  reader: ClusterReader;
  writer: ClusterWriter;
  events: EventRecorder;
  renderer: CrRenderer;
  /** `@lostromos/config`'s ResourceConfig fits this structurally. */
  resource: ReconcileResource;
  now?: () => Date;
  logger?: ReconcileLogger;
  hooks?: ReconcileHooks;
  /** Requeue delay while children are still becoming ready (default 10 000 ms). */
  readinessPollMs?: number;
  /**
   * The workers' shared secret that seals the per-object facts recorded in the inventory (inventory.ts). With
   * it, an object whose rendered content changed is applied with its recorded uid as precondition and no read
   * first; without it (or when a seal does not verify) the object is read before it is applied.
   */
  inventoryKey?: string;
  /**
   * Whether the objects whose readiness follows from their rendered content (ConfigMaps, Secrets, …, a Service
   * that is no LoadBalancer: readinessFixedByContent) a previous reconcile
   * applied or verified may be taken as they were instead of read again — when their rendered content did not
   * change, the inventory's seal vouches for their uid, and nothing reported a possible drift of them since
   * (the worker answers from the watcher's verify marks and the job's trigger: @lostromos/queue verify-marks).
   * Asked at most once per reconcile, and only when such an object would otherwise be read. Default: never
   * (every object is read).
   */
  appliedObjectsUnchanged?: () => Promise<boolean>;
}

export type ReconcileOutcome = 'applied' | 'unchanged' | 'deleted' | 'gone' | 'paused' | 'failed-permanent';

export interface ReconcileResult {
  outcome: ReconcileOutcome;
  /** e.g. children not ready yet → poll. */
  requeueAfterMs?: number;
  /** Objects this reconcile applied (a write); an object read and found up to date is not among them. */
  applied: ObjectRef[];
  /** Applied objects that did not exist before this reconcile. */
  created: ObjectRef[];
  /**
   * Applied objects that existed and changed: their rendered content changed since their recorded apply, or
   * (when they were read first) the object itself changed, not only its resourceVersion.
   */
  updated: ObjectRef[];
  pruned: ObjectRef[];
  deleted: ObjectRef[];
  /**
   * Whether the CR's status recorded a successful apply (`status.lastApplied`) when this reconcile read it.
   * Absent when the CR was not read as ours (outcome `gone`).
   */
  appliedBefore?: boolean;
  /** true when the CR was being cleaned up: deleted, or opted out while holding our finalizer. */
  cleanup?: boolean;
  /** What this reconcile did to our finalizer: added it (a CR seen for the first time) or released it (cleanup done). */
  finalizer?: 'added' | 'released';
  /** ClusterWriter calls performed (0 on a no-op resync). Events are not counted. */
  writes: number;
  /** After an apply or a verified no-op: how ready the applied objects are (the CR's Ready condition). */
  readiness?: 'ready' | 'in-progress' | 'failed';
  /** After an apply or a verified no-op: the renderer revision the objects came from. */
  templateRevision?: string;
  /** `reason`: the condition reason written to the CR's status (e.g. RenderFailed), when there is one. */
  error?: { code: string; reason?: string; message: string; retryable: boolean };
}
