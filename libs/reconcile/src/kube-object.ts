/** The object shapes and identities are the shared model's (@lostromos/model). */
export type { CrKey, KubeObject, ObjectMeta, ObjectRef, OwnerReference } from '@lostromos/model';
