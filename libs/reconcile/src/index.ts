export * from './kube-object.js';
export * from './cr-key.js';
export * from './labels.js';
export * from './conditions.js';
export * from './cr-status.js';
export * from './reconcile-resource.js';
export * from './ports.js';
export * from './errors.js';
