/**
 * Field numbers of the Kubernetes protobuf messages kubectl's `create <kind>` generators send (the wire format
 * of k8s.io/api generated.proto). Only kinds listed in PROTOBUF_KINDS can be decoded; others get 415.
 */
export type FieldType =
  | 'string'
  | 'bytes'
  | 'bool'
  | 'int'
  | 'time'
  | 'microtime'
  | { message: string }
  | { map: 'string' | 'bytes' };

export interface FieldSpec {
  name: string;
  type: FieldType;
  repeated?: boolean;
}

export type MessageSpec = Record<number, FieldSpec>;

const f = (name: string, type: FieldType, repeated = false): FieldSpec => ({ name, type, repeated });
const msg = (message: string): FieldType => ({ message });

export const MESSAGES: Record<string, MessageSpec> = {
  Unknown: {
    1: f('typeMeta', msg('TypeMeta')),
    2: f('raw', 'bytes'),
    3: f('contentEncoding', 'string'),
    4: f('contentType', 'string'),
  },
  TypeMeta: { 1: f('apiVersion', 'string'), 2: f('kind', 'string') },
  ObjectMeta: {
    1: f('name', 'string'),
    2: f('generateName', 'string'),
    3: f('namespace', 'string'),
    4: f('selfLink', 'string'),
    5: f('uid', 'string'),
    6: f('resourceVersion', 'string'),
    7: f('generation', 'int'),
    8: f('creationTimestamp', 'time'),
    9: f('deletionTimestamp', 'time'),
    10: f('deletionGracePeriodSeconds', 'int'),
    11: f('labels', { map: 'string' }),
    12: f('annotations', { map: 'string' }),
    13: f('ownerReferences', msg('OwnerReference'), true),
    14: f('finalizers', 'string', true),
  },
  OwnerReference: {
    1: f('kind', 'string'),
    3: f('name', 'string'),
    4: f('uid', 'string'),
    5: f('apiVersion', 'string'),
    6: f('controller', 'bool'),
    7: f('blockOwnerDeletion', 'bool'),
  },
  LabelSelector: {
    1: f('matchLabels', { map: 'string' }),
    2: f('matchExpressions', msg('LabelSelectorRequirement'), true),
  },
  LabelSelectorRequirement: {
    1: f('key', 'string'),
    2: f('operator', 'string'),
    3: f('values', 'string', true),
  },
  ConfigMap: {
    1: f('metadata', msg('ObjectMeta')),
    2: f('data', { map: 'string' }),
    3: f('binaryData', { map: 'bytes' }),
    4: f('immutable', 'bool'),
  },
  Secret: {
    1: f('metadata', msg('ObjectMeta')),
    2: f('data', { map: 'bytes' }),
    3: f('type', 'string'),
    4: f('stringData', { map: 'string' }),
    5: f('immutable', 'bool'),
  },
  Namespace: {
    1: f('metadata', msg('ObjectMeta')),
    2: f('spec', msg('NamespaceSpec')),
    3: f('status', msg('NamespaceStatus')),
  },
  NamespaceSpec: { 1: f('finalizers', 'string', true) },
  NamespaceStatus: { 1: f('phase', 'string') },
  ServiceAccount: {
    1: f('metadata', msg('ObjectMeta')),
    2: f('secrets', msg('ObjectReference'), true),
    3: f('imagePullSecrets', msg('LocalObjectReference'), true),
    4: f('automountServiceAccountToken', 'bool'),
  },
  ObjectReference: {
    1: f('kind', 'string'),
    2: f('namespace', 'string'),
    3: f('name', 'string'),
    4: f('uid', 'string'),
    5: f('apiVersion', 'string'),
    6: f('resourceVersion', 'string'),
    7: f('fieldPath', 'string'),
  },
  LocalObjectReference: { 1: f('name', 'string') },
  Role: { 1: f('metadata', msg('ObjectMeta')), 2: f('rules', msg('PolicyRule'), true) },
  ClusterRole: {
    1: f('metadata', msg('ObjectMeta')),
    2: f('rules', msg('PolicyRule'), true),
    3: f('aggregationRule', msg('AggregationRule')),
  },
  AggregationRule: { 1: f('clusterRoleSelectors', msg('LabelSelector'), true) },
  PolicyRule: {
    1: f('verbs', 'string', true),
    2: f('apiGroups', 'string', true),
    3: f('resources', 'string', true),
    4: f('resourceNames', 'string', true),
    5: f('nonResourceURLs', 'string', true),
  },
  RoleBinding: {
    1: f('metadata', msg('ObjectMeta')),
    2: f('subjects', msg('Subject'), true),
    3: f('roleRef', msg('RoleRef')),
  },
  ClusterRoleBinding: {
    1: f('metadata', msg('ObjectMeta')),
    2: f('subjects', msg('Subject'), true),
    3: f('roleRef', msg('RoleRef')),
  },
  Subject: {
    1: f('kind', 'string'),
    2: f('apiGroup', 'string'),
    3: f('name', 'string'),
    4: f('namespace', 'string'),
  },
  RoleRef: { 1: f('apiGroup', 'string'), 2: f('kind', 'string'), 3: f('name', 'string') },
  Lease: { 1: f('metadata', msg('ObjectMeta')), 2: f('spec', msg('LeaseSpec')) },
  LeaseSpec: {
    1: f('holderIdentity', 'string'),
    2: f('leaseDurationSeconds', 'int'),
    3: f('acquireTime', 'microtime'),
    4: f('renewTime', 'microtime'),
    5: f('leaseTransitions', 'int'),
    6: f('strategy', 'string'),
    7: f('preferredHolder', 'string'),
  },
};

/** Kinds whose protobuf bodies the sim decodes. */
export const PROTOBUF_KINDS = new Set([
  'ConfigMap',
  'Secret',
  'Namespace',
  'ServiceAccount',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'Lease',
]);
