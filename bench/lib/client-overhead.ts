// What one API request costs through Lostrómos' own REST client (libs/kube RestClient as createKubeClient
// builds it from a kubeconfig: its own keep-alive TLS connections) against the same client as it was before,
// sending through the agent client-node's applyToHTTPSOptions installs (no keep-alive: a TLS handshake and a
// new SecureContext per request on both ends): requests/s, and CPU per request of this process and of
// kube-apiserver.
import { KubeConfig } from '@kubernetes/client-node';
import { createKubeClient, RestClient } from '@lostromos/kube';
import type { BenchCluster } from './cluster.ts';
import { cpuSeconds } from './proc.ts';
import { pool } from './observe.ts';
import { createNamespace, deleteNamespace, round } from './session.ts';

export const BEFORE_LABEL = "client-node's agent (before: a TLS handshake per request)";
export const NOW_LABEL = 'RestClient from a kubeconfig (as Lostrómos runs it: keep-alive)';

export interface ClientOverheadRow {
  client: string;
  requestsPerSecond: number;
  clientCpuMsPerRequest: number;
  apiserverCpuMsPerRequest: number;
}

export async function measureClientOverhead(
  cluster: BenchCluster,
  requests: number,
  log: (l: string) => void,
): Promise<ClientOverheadRow[]> {
  const ns = 'bench-client';
  await createNamespace(cluster, ns);
  const id = await cluster.identity('client');
  await cluster.must('POST', `/api/v1/namespaces/${ns}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'probe' },
    data: { value: 'x' },
  });
  const apiserverPid = cluster.cp.componentPids()['kube-apiserver']!;
  const asLostromos = createKubeClient({ kubeconfig: id.kubeconfig });
  const kc = new KubeConfig();
  kc.loadFromFile(id.kubeconfig);
  // applyAuth leaves client-node's agent on the options, and the RestClient sends through it.
  const before = new RestClient({ server: cluster.cp.url, applyAuth: (o) => kc.applyToHTTPSOptions(o) });
  const rows: ClientOverheadRow[] = [];
  try {
    for (const [label, client] of [
      [BEFORE_LABEL, before],
      [NOW_LABEL, asLostromos.rest],
    ] as const) {
      const get = (): Promise<unknown> =>
        client.request({ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps/probe` });
      await pool(200, 16, async () => void (await get())); // warm-up
      const cpu0 = process.cpuUsage();
      const api0 = cpuSeconds(apiserverPid) ?? 0;
      const t0 = performance.now();
      await pool(requests, 16, async () => void (await get()));
      const s = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const api = (cpuSeconds(apiserverPid) ?? 0) - api0;
      const row = {
        client: label,
        requestsPerSecond: round(requests / s, 0),
        clientCpuMsPerRequest: round((cpu.user + cpu.system) / 1000 / requests, 3),
        apiserverCpuMsPerRequest: round((api * 1000) / requests, 3),
      };
      rows.push(row);
      log(
        `client: ${label}: ${row.requestsPerSecond} GETs/s, ${row.clientCpuMsPerRequest} ms client CPU and ${row.apiserverCpuMsPerRequest} ms kube-apiserver CPU per request`,
      );
    }
    return rows;
  } finally {
    asLostromos.close();
    before.close();
    await deleteNamespace(cluster, ns, [], log);
  }
}
