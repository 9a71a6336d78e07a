import { groupOf, refKey, refOf } from '@lostromos/model';
import type { ObjectRef } from './kube-object.js';

/** Object identities are the shared model's (@lostromos/model). */
export { groupOf, refKey, refOf };

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

export function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return refKey(a) === refKey(b);
}
