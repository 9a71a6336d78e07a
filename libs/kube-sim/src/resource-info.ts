import { joinApiVersion, splitApiVersion } from '@lostromos/model';
import type { JsonObject } from './types.js';

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

/** One served resource (a group, its versions, plural) as discovery and the REST handlers see it. */
export interface ResourceInfo {
  group: string;
  /** Served versions, preferred first. */
  versions: string[];
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Whether `/status` is a subresource (status is then ignored by main-resource writes). */
  statusSubresource: boolean;
  /** Whether `/scale` is served (spec.replicas). */
  scaleSubresource: boolean;
  /** Whether metadata.generation is tracked and bumped on spec changes. */
  generation: boolean;
  /** Objects shared with another resource (events.k8s.io events are core events). */
  storageKey: string;
  /** Extra `kubectl get` columns (after NAME, before AGE for CRDs). */
  printerColumns: PrinterColumn[];
  /** For custom resources: the CRD name and each version's openAPIV3Schema. */
  crd?: string;
  schemas?: Record<string, JsonObject | undefined>;
}

export const STANDARD_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
] as const;

/** `group/version`, or the bare version for the core group (the shared model's joinApiVersion). */
export const apiVersionOf = joinApiVersion;

export function resourceKey(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

/** Splits `apps/v1` → {group:'apps', version:'v1'}; `v1` → core (the shared model's splitApiVersion). */
export const parseApiVersion = splitApiVersion;
