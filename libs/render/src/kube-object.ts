/** The object shapes are the shared model's (@lostromos/model); renderers produce them. */
export type { KubeObject, ObjectMeta, OwnerReference } from '@lostromos/model';
