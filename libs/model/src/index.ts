export {
  objectKey,
  refKey,
  refOf,
  type CrKey,
  type KubeObject,
  type ObjectMeta,
  type ObjectRef,
  type OwnerReference,
} from './kube-object.js';
export { groupOf, joinApiVersion, splitApiVersion, versionOf } from './api-version.js';
export { formatCrKey, parseCrKey, tryParseCrKey } from './cr-key.js';
export {
  CLEANUP_FINALIZER,
  FIELD_MANAGER,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  OWNER_UID_LABEL,
  PAUSED_ANNOTATION,
  RESOURCE_LABEL,
} from './names.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export {
  ERROR_CODE_PREFIX,
  errorCodeOf,
  isPermanentError,
  isRetryableError,
  LostromosError,
  retryAfterMsOf,
} from './errors.js';
