/** Label on every object Lostrómos applies (the Kubernetes recommended `managed-by` label). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'lostromos';
/** Label naming the config resource (`resources[].name`) whose CR produced the object. */
export const RESOURCE_LABEL = 'lostromos.io/resource';
/** Label carrying the owning CR's uid: the only thing that makes an object ours to prune or delete. */
export const OWNER_UID_LABEL = 'lostromos.io/owner-uid';
/** Finalizer held on every CR until the objects it owns (including label-only ones) are deleted. */
export const CLEANUP_FINALIZER = 'lostromos.io/cleanup';
/** Annotation that pauses reconciliation of one CR when set to "true". */
export const PAUSED_ANNOTATION = 'lostromos.io/paused';
/** Field manager used for every server-side apply. */
export const FIELD_MANAGER = 'lostromos';
