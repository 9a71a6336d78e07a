// What other packages use, and nothing else (apps/, libs/, test/, bench/ are checked by
// libs/reconcile/src/exports.test.ts). The layout of the library: docs/architecture.md, "Reconcile library layout".

// The entry point, and "is this CR ours?" (the watcher's predicates ask it too).
export { crMembership, reconcile } from './reconcile.js';

// The ports (implemented in libs/kube and the worker) and the result.
export type {
  ClusterReader,
  ClusterWriter,
  CrEvent,
  CrRenderer,
  EventRecorder,
  KindRef,
  PropagationPolicy,
  ReconcileResult,
} from './ports.js';

// Errors: the registry, the classes other packages raise, classification by fields.
export {
  errorMessageOf,
  ReconcileErrorCodes,
  RenderFailedError,
  UnknownKindError,
  UnknownRevisionError,
} from './errors.js';

// The vocabulary (mostly @lostromos/model's) and what the CLI's render/diff and the bench reuse.
export {
  CLEANUP_FINALIZER,
  describeRef,
  FIELD_MANAGER,
  formatCrKey,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  OWNER_UID_LABEL,
  RESOURCE_LABEL,
  refKey,
  refOf,
  type CrKey,
  type CrStatus,
  type KubeObject,
  type ObjectRef,
} from './model.js';
export { buildDesiredObjects, findPolicyViolations, renderHash, sortForApply } from './desired.js';
export { liveMatchesDesired } from './apply.js';
export { findCondition, statusOf } from './status.js';
export {
  mayTrustWithoutRead,
  readinessCanChange,
  readinessVerdict,
  summarizeReadiness,
} from './readiness.js';

/** From @lostromos/render, for the adapters that write messages (Events) without depending on the renderer. */
export { escapeInvisible } from '@lostromos/render';
