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
  | 'intorstring'
  | { message: string }
  | { map: 'string' | 'bytes' | 'quantity' };

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
  // Workloads and services as `kubectl create deployment|job|cronjob|service` send them (the fields those
  // generators and common specs use; any other field is refused rather than dropped).
  Deployment: {
    1: f('metadata', msg('ObjectMeta')),
    2: f('spec', msg('DeploymentSpec')),
    3: f('status', msg('Empty')),
  },
  DeploymentSpec: {
    1: f('replicas', 'int'),
    2: f('selector', msg('LabelSelector')),
    3: f('template', msg('PodTemplateSpec')),
    4: f('strategy', msg('DeploymentStrategy')),
    5: f('minReadySeconds', 'int'),
    6: f('revisionHistoryLimit', 'int'),
    7: f('paused', 'bool'),
    9: f('progressDeadlineSeconds', 'int'),
  },
  DeploymentStrategy: { 1: f('type', 'string'), 2: f('rollingUpdate', msg('RollingUpdateDeployment')) },
  RollingUpdateDeployment: { 1: f('maxUnavailable', 'intorstring'), 2: f('maxSurge', 'intorstring') },
  Job: { 1: f('metadata', msg('ObjectMeta')), 2: f('spec', msg('JobSpec')), 3: f('status', msg('Empty')) },
  JobSpec: {
    1: f('parallelism', 'int'),
    2: f('completions', 'int'),
    3: f('activeDeadlineSeconds', 'int'),
    4: f('selector', msg('LabelSelector')),
    5: f('manualSelector', 'bool'),
    6: f('template', msg('PodTemplateSpec')),
    7: f('backoffLimit', 'int'),
    8: f('ttlSecondsAfterFinished', 'int'),
    9: f('completionMode', 'string'),
    10: f('suspend', 'bool'),
  },
  CronJob: {
    1: f('metadata', msg('ObjectMeta')),
    2: f('spec', msg('CronJobSpec')),
    3: f('status', msg('Empty')),
  },
  CronJobSpec: {
    1: f('schedule', 'string'),
    2: f('startingDeadlineSeconds', 'int'),
    3: f('concurrencyPolicy', 'string'),
    4: f('suspend', 'bool'),
    5: f('jobTemplate', msg('JobTemplateSpec')),
    6: f('successfulJobsHistoryLimit', 'int'),
    7: f('failedJobsHistoryLimit', 'int'),
    8: f('timeZone', 'string'),
  },
  JobTemplateSpec: { 1: f('metadata', msg('ObjectMeta')), 2: f('spec', msg('JobSpec')) },
  PodTemplateSpec: { 1: f('metadata', msg('ObjectMeta')), 2: f('spec', msg('PodSpec')) },
  PodSpec: {
    2: f('containers', msg('Container'), true),
    3: f('restartPolicy', 'string'),
    4: f('terminationGracePeriodSeconds', 'int'),
    6: f('dnsPolicy', 'string'),
    7: f('nodeSelector', { map: 'string' }),
    8: f('serviceAccountName', 'string'),
    15: f('imagePullSecrets', msg('LocalObjectReference'), true),
    20: f('initContainers', msg('Container'), true),
    19: f('schedulerName', 'string'),
  },
  Container: {
    1: f('name', 'string'),
    2: f('image', 'string'),
    3: f('command', 'string', true),
    4: f('args', 'string', true),
    5: f('workingDir', 'string'),
    6: f('ports', msg('ContainerPort'), true),
    7: f('env', msg('EnvVar'), true),
    8: f('resources', msg('ResourceRequirements')),
    13: f('terminationMessagePath', 'string'),
    14: f('imagePullPolicy', 'string'),
    20: f('terminationMessagePolicy', 'string'),
  },
  ContainerPort: {
    1: f('name', 'string'),
    2: f('hostPort', 'int'),
    3: f('containerPort', 'int'),
    4: f('protocol', 'string'),
    5: f('hostIP', 'string'),
  },
  EnvVar: { 1: f('name', 'string'), 2: f('value', 'string') },
  ResourceRequirements: { 1: f('limits', { map: 'quantity' }), 2: f('requests', { map: 'quantity' }) },
  Service: {
    1: f('metadata', msg('ObjectMeta')),
    2: f('spec', msg('ServiceSpec')),
    3: f('status', msg('Empty')),
  },
  ServiceSpec: {
    1: f('ports', msg('ServicePort'), true),
    2: f('selector', { map: 'string' }),
    3: f('clusterIP', 'string'),
    4: f('type', 'string'),
    5: f('externalIPs', 'string', true),
    7: f('sessionAffinity', 'string'),
    10: f('externalName', 'string'),
    18: f('clusterIPs', 'string', true),
  },
  ServicePort: {
    1: f('name', 'string'),
    2: f('protocol', 'string'),
    3: f('port', 'int'),
    4: f('targetPort', 'intorstring'),
    5: f('nodePort', 'int'),
    6: f('appProtocol', 'string'),
  },
  /** Status sent empty by the create generators. */
  Empty: {},
  SelfSubjectAccessReview: {
    1: f('metadata', msg('ObjectMeta')),
    2: f('spec', msg('SelfSubjectAccessReviewSpec')),
    3: f('status', msg('Empty')),
  },
  SelfSubjectAccessReviewSpec: {
    1: f('resourceAttributes', msg('ResourceAttributes')),
    2: f('nonResourceAttributes', msg('NonResourceAttributes')),
  },
  ResourceAttributes: {
    1: f('namespace', 'string'),
    2: f('verb', 'string'),
    3: f('group', 'string'),
    4: f('version', 'string'),
    5: f('resource', 'string'),
    6: f('subresource', 'string'),
    7: f('name', 'string'),
  },
  NonResourceAttributes: { 1: f('path', 'string'), 2: f('verb', 'string') },
};

/** Kinds whose protobuf bodies the sim decodes. */
export const PROTOBUF_KINDS = new Set([
  'SelfSubjectAccessReview',
  'Deployment',
  'Job',
  'CronJob',
  'Service',
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
