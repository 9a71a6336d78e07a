export * from './job-options.js';
export * from './redis-connection.js';
export * from './redis-problem.js';
export * from './cr-queue.js';
export * from './cr-worker.js';
export * from './template-revisions.js';
export * from './cr-failures.js';
