import type { ResourceInfo } from './resource-info.js';

/** Which resource, version and namespace a request addresses. */
export interface Scope {
  info: ResourceInfo;
  version: string;
  /** '' for cluster-scoped resources or a list across all namespaces. */
  namespace: string;
}

/** The patch content types: JSON patch, JSON merge patch, strategic merge patch, server-side apply. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';
