import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  token?: string;
  namespace?: string;
  /** Base64 PEM of the CA that signed the server certificate (HTTPS only). */
  certificateAuthorityData?: string;
  /** Cluster, context and user name. */
  name?: string;
}

/** A kubeconfig (YAML) for the sim that kubectl and @kubernetes/client-node load. */
export function renderKubeconfig(o: KubeconfigOptions): string {
  const name = o.name ?? 'lostromos-sim';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // @kubernetes/client-node refuses plain HTTP unless the cluster says insecure-skip-tls-verify; kubectl
    // ignores it for http:// servers.
    clusters: [
      {
        name,
        cluster: o.certificateAuthorityData
          ? { server: o.server, 'certificate-authority-data': o.certificateAuthorityData }
          : { server: o.server, 'insecure-skip-tls-verify': o.server.startsWith('http:') },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: name, namespace: o.namespace ?? 'default' } }],
    'current-context': name,
    users: [{ name, user: o.token ? { token: o.token } : {} }],
    preferences: {},
  });
}
