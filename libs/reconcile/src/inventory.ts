import type { KubeObject, ObjectRef } from './kube-object.js';
import { OWNER_UID_LABEL } from './labels.js';
import { compareRefs, refKey, refOf } from './object-ref.js';
import { sortForDelete } from './apply-order.js';
import type { KindRef } from './ports.js';

/** The inventory recorded in status: refs of the given objects, deduplicated, in stable order. */
export function inventoryOf(objects: readonly (KubeObject | ObjectRef)[]): ObjectRef[] {
  const byKey = new Map<string, ObjectRef>();
  for (const item of objects) {
    const ref = 'metadata' in item ? refOf(item) : toRef(item);
    byKey.set(refKey(ref), ref);
  }
  return [...byKey.values()].sort(compareRefs);
}

function toRef(ref: ObjectRef): ObjectRef {
  const out: ObjectRef = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name };
  if (ref.namespace) out.namespace = ref.namespace;
  return out;
}

/** Distinct kinds (apiVersion + kind) of the given refs, in stable order. */
export function kindsOf(refs: readonly ObjectRef[]): KindRef[] {
  const byKey = new Map<string, KindRef>();
  for (const ref of refs)
    byKey.set(`${ref.apiVersion}/${ref.kind}`, { apiVersion: ref.apiVersion, kind: ref.kind });
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, kind]) => kind);
}

/** True only when the object carries our owner-uid label for this CR: the sole licence to prune or delete. */
export function isOwnedBy(obj: KubeObject, ownerUid: string): boolean {
  return ownerUid !== '' && obj.metadata.labels?.[OWNER_UID_LABEL] === ownerUid;
}

export interface PruneSetInput {
  /** Inventory recorded by the previous successful apply. */
  previous: readonly ObjectRef[];
  /** What is rendered now. */
  desired: readonly ObjectRef[];
  /** Live objects found by label (`listOwned`) across the inventory's kinds. */
  owned: readonly KubeObject[];
  ownerUid: string;
}

/**
 * Candidates to prune, in deletion order: the previous inventory minus what is desired now, plus objects
 * labelled as ours that are not desired (orphans of an interrupted apply). Listed objects without our
 * owner-uid label are never included; inventory refs still have to be checked with {@link isOwnedBy} on the
 * live object before deleting.
 */
export function computePruneSet(input: PruneSetInput): ObjectRef[] {
  const desired = new Set(input.desired.map(refKey));
  const candidates = new Map<string, ObjectRef>();
  for (const ref of input.previous) {
    if (!desired.has(refKey(ref))) candidates.set(refKey(ref), toRef(ref));
  }
  for (const obj of input.owned) {
    const ref = refOf(obj);
    if (isOwnedBy(obj, input.ownerUid) && !desired.has(refKey(ref))) candidates.set(refKey(ref), ref);
  }
  return sortForDelete([...candidates.values()].sort(compareRefs));
}
