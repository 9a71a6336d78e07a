/** A Kubernetes object as parsed JSON. The sim never converts objects to typed structs. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue | undefined;
}

/** The metadata fields the sim reads and writes; everything else passes through untouched. */
export interface ObjectMeta extends JsonObject {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: ManagedFieldsEntry[];
}

export interface OwnerReference extends JsonObject {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry extends JsonObject {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

export interface KubeObject extends JsonObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

/** One rule of the optional bearer-token authoriser: verbs × resources × namespaces. '*' matches all. */
export interface SimRule {
  verbs: string[];
  /** Plural resource names, optionally `plural/subresource` or `plural.group`; '*' matches every resource. */
  resources: string[];
  /** API groups ('' is core); omitted = any group. */
  apiGroups?: string[];
  /** Namespaces; omitted = any namespace and cluster-scoped resources. */
  namespaces?: string[];
}

export interface SimLogger {
  info(...args: unknown[]): void;
  warn?(...args: unknown[]): void;
  error?(...args: unknown[]): void;
  debug?(...args: unknown[]): void;
}

export interface Faults {
  /** Added latency for every API request (not the admin endpoint), milliseconds. */
  latencyMs: number;
  /** Probability 0..1 that an API request fails with `errorStatus`. */
  errorRate: number;
  errorStatus: 500 | 503 | 429;
  /** Retry-After seconds sent with 429 and 503 errors. */
  retryAfterSeconds: number;
  /** Restrict injected errors to these verbs (e.g. ['patch','apply']); empty = all verbs. */
  errorVerbs: string[];
  /** Restrict injected errors to these resources (plural); empty = all resources. */
  errorResources: string[];
}

export interface SimStats {
  requests: number;
  writes: number;
  byVerb: Record<string, number>;
  byResource: Record<string, number>;
  /** `verb resource`, e.g. `apply configmaps` or `update characters/status`. */
  byVerbResource: Record<string, number>;
  byFieldManager: Record<string, number>;
  byUserAgent: Record<string, number>;
  byStatusCode: Record<string, number>;
  watchesOpen: number;
  objects: number;
  resourceVersion: string;
}

export interface WorkloadRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export type WorkloadMode = 'unready' | 'failed';
