export { buildWorker, selectResources, type WorkerApp, type WorkerDeps } from './worker-app.js';
export { toJobResult, resultLabel } from './job-result.js';
export { ReconcileTracer } from './reconcile-tracer.js';
export { ResilientRenderer } from './resource-renderer.js';
