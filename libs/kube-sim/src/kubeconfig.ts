import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  token?: string;
  namespace?: string;
  /** Cluster, context and user name. */
  name?: string;
}

/** A kubeconfig (YAML) for the sim that kubectl and @kubernetes/client-node load. */
export function renderKubeconfig(o: KubeconfigOptions): string {
  const name = o.name ?? 'lostromos-sim';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: o.server } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: o.namespace ?? 'default' } }],
    'current-context': name,
    users: [{ name, user: o.token ? { token: o.token } : {} }],
    preferences: {},
  });
}
