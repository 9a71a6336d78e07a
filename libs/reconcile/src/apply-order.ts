/** Helm's install order (pkg/release/util/kind_sorter.go): dependencies before their dependants. */
export const INSTALL_ORDER: readonly string[] = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

const rank = new Map(INSTALL_ORDER.map((kind, index) => [kind, index]));

function compareKinds(a: string, b: string): number {
  const ra = rank.get(a);
  const rb = rank.get(b);
  if (ra !== undefined && rb !== undefined) return ra - rb;
  if (ra !== undefined) return -1;
  if (rb !== undefined) return 1;
  // Unknown kinds (custom resources) go last, alphabetically among themselves, like Helm.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy sorted into apply order by kind; objects of the same kind keep their relative order. */
export function sortForApply<T extends { kind: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => compareKinds(a.kind, b.kind));
}

/** A copy sorted into deletion order: the exact reverse of {@link sortForApply}. */
export function sortForDelete<T extends { kind: string }>(items: readonly T[]): T[] {
  return sortForApply(items).reverse();
}
