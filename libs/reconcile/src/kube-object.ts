/** Kubernetes object shapes come from @lostromos/render, which produces them; reconcile adds the identities it keys on. */
export type { KubeObject, ObjectMeta, OwnerReference } from '@lostromos/render';

/** Identifies one object: what the inventory records and what prune/delete act on. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** Identifies one custom resource; serialised as `group/plural/namespace/name` (namespace empty when cluster-scoped). */
export interface CrKey {
  group: string;
  plural: string;
  namespace: string;
  name: string;
}
