/** The object shape is the shared model's (@lostromos/model); this library reads it. */
export { objectKey, type KubeObject } from '@lostromos/model';
