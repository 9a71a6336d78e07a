export { startKubeSim, type KubeSim, type KubeSimOptions, type KubeSimFaults } from './kube-sim.js';
export { renderKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
export type {
  Faults,
  SimRule,
  SimStats,
  SimLogger,
  WorkloadRef,
  WorkloadMode,
  KubeObject,
  JsonObject,
  JsonValue,
} from './types.js';
export { ApiError, StatusReason, errors as statusErrors } from './status-error.js';
export { parseLabelSelector, matchesLabels, parseFieldSelector, matchesFields } from './selectors.js';
export { applyMergePatch } from './merge-patch.js';
export { applyJsonPatch } from './json-patch.js';
export { applyStrategicMergePatch } from './strategic-merge-patch.js';
// The fault and request-counting machinery, for front ends of a real API server (test/support/fault-proxy.ts).
export { FaultInjector, NO_FAULTS } from './fault-injector.js';
export { RequestStats } from './request-stats.js';
export { NEVER_READY_IMAGE, runsNeverReadyImage } from './workload-simulator.js';
