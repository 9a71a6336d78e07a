import { groupOf } from './object-ref.js';

/**
 * Well-known cluster-scoped kinds by API group, used when discovery is not available (offline render) or not
 * consulted. Everything else is assumed namespaced.
 */
const CLUSTER_SCOPED: Readonly<Record<string, readonly string[]>> = {
  '': ['Namespace', 'Node', 'PersistentVolume', 'ComponentStatus'],
  'rbac.authorization.k8s.io': ['ClusterRole', 'ClusterRoleBinding'],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'storage.k8s.io': ['StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment'],
  'scheduling.k8s.io': ['PriorityClass'],
  'networking.k8s.io': ['IngressClass'],
  'admissionregistration.k8s.io': [
    'MutatingWebhookConfiguration',
    'ValidatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
  ],
  'apiregistration.k8s.io': ['APIService'],
  'node.k8s.io': ['RuntimeClass'],
  'certificates.k8s.io': ['CertificateSigningRequest'],
  'flowcontrol.apiserver.k8s.io': ['FlowSchema', 'PriorityLevelConfiguration'],
  policy: ['PodSecurityPolicy'],
};

/** True when the kind is one of the well-known cluster-scoped kinds of its API group. */
export function isWellKnownClusterScoped(apiVersion: string, kind: string): boolean {
  return CLUSTER_SCOPED[groupOf(apiVersion)]?.includes(kind) ?? false;
}
