/**
 * The reconcile's vocabulary, used by every phase: object shapes and identities, the names Lostrómos writes and
 * the CR key (all the shared model's, @lostromos/model), the part of a CR's status Lostrómos owns, ownership,
 * ref helpers for messages, and canonical JSON.
 */
import { OWNER_UID_LABEL, refKey, type KubeObject, type ObjectRef } from '@lostromos/model';

export type { CrKey, KubeObject, ObjectMeta, ObjectRef, OwnerReference } from '@lostromos/model';
export {
  CLEANUP_FINALIZER,
  FIELD_MANAGER,
  formatCrKey,
  groupOf,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  OWNER_UID_LABEL,
  PAUSED_ANNOTATION,
  RESOURCE_LABEL,
  refKey,
  refOf,
} from '@lostromos/model';

// The part of a CR's status Lostrómos owns (computed and written by status.ts).

/** What the last successful apply was computed from; drives the skip rule. */
export interface LastApplied {
  /** {@link renderHash} of the desired objects (includes the renderer revision). */
  renderHash: string;
  /** CR `metadata.generation` that was applied. */
  generation: number;
}

/**
 * One entry of the inventory (`status.resources`): an object of this CR, and what Lostrómos knows about it.
 * Three forms (inventory.ts): applied (`uid` + `hash`, and `seal` when the worker has an inventory key),
 * pending (`pending: true`: recorded before its first apply, which may not have happened), and a bare ref
 * (written by a version before these facts, or after an apply that could not rule out orphans).
 */
export interface InventoryEntry extends ObjectRef {
  /** metadata.uid of the object as the last apply (or read) of this CR found it. */
  uid?: string;
  /** {@link objectHash} of the object as last applied: a different one means its rendered content changed. */
  hash?: string;
  /** HMAC of (CR uid, ref, uid, hash) under the worker's inventory key: only then is `uid` trusted for an apply. */
  seal?: string;
  /** Recorded ahead of its first apply (write-ahead), so an interrupted apply can leave no unrecorded object. */
  pending?: true;
}

/** The part of a CR's `status` Lostrómos owns (written with a merge patch, other keys are left alone). */
export interface CrStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  /** Inventory: every object applied for this CR (or about to be, `pending`), in stable order. */
  resources?: InventoryEntry[];
  lastApplied?: LastApplied;
  /** The template revision (first TEMPLATE_REVISION_LENGTH hex digits) the objects were last applied from. */
  templateRevision?: string;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** A metav1.Condition as written to CR status. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

// Refs and ownership.

/** Human form used in messages: `Deployment default/web` or `ClusterRole admin`. */
export function describeRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}

/** Stable order for inventories: by group, kind, namespace, name. */
export function compareRefs(a: ObjectRef, b: ObjectRef): number {
  const ka = refKey(a);
  const kb = refKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** `ConfigMap ns/a, Deployment ns/b and 3 more`: short lists for Event messages and logs. */
export function describeRefs(refs: readonly ObjectRef[], max = 5): string {
  const shown = refs.slice(0, max).map(describeRef).join(', ');
  return refs.length > max ? `${shown} and ${refs.length - max} more` : shown;
}

/** A ref with only its own fields (status entries and live objects may carry more). */
export function toRef(ref: ObjectRef): ObjectRef {
  const out: ObjectRef = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name };
  if (ref.namespace) out.namespace = ref.namespace;
  return out;
}

/** True only when the object carries our owner-uid label for this CR: the sole licence to prune or delete. */
export function isOwnedBy(obj: KubeObject, ownerUid: string): boolean {
  return ownerUid !== '' && obj.metadata.labels?.[OWNER_UID_LABEL] === ownerUid;
}

// Canonical JSON: equal values, equal text.

/**
 * JSON with object keys sorted at every level and `undefined` members dropped, so equal values always give
 * equal text regardless of key insertion order.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalise(value));
}

function canonicalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonicalise(v)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = canonicalise(member);
    }
    return out;
  }
  return value;
}

/** Deep equality of JSON-like values (key order insensitive). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
