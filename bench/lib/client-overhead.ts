// What one API request costs through Lostrómos' own REST client (libs/kube RestClient as createKubeClient
// builds it from a kubeconfig) against the same client given one shared keep-alive TLS agent: requests/s,
// and CPU per request of this process and of kube-apiserver. client-node's applyToHTTPSOptions installs a
// new https.Agent on every request, so each request pays a TLS handshake and a new SecureContext on both ends.
import https from 'node:https';
import { createKubeClient, RestClient } from '@lostromos/kube';
import type { BenchCluster } from './cluster.ts';
import { cpuSeconds } from './proc.ts';
import { pool } from './observe.ts';
import { createNamespace, deleteNamespace, round } from './session.ts';

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
  const apiserverPid = cluster.cp.pids()[1]!; // etcd, kube-apiserver, kube-controller-manager
  const asLostromos = createKubeClient({ kubeconfig: id.kubeconfig });
  const agent = new https.Agent({ ca: cluster.cp.caPem, keepAlive: true, maxSockets: 64 });
  const shared = new RestClient({
    server: cluster.cp.url,
    applyAuth: (o) => {
      o.headers = { ...o.headers, authorization: `Bearer ${id.token}` };
      o.agent = agent;
      return Promise.resolve();
    },
  });
  const rows: ClientOverheadRow[] = [];
  try {
    for (const [label, client] of [
      ['RestClient from a kubeconfig (as Lostrómos runs it)', asLostromos.rest],
      ['RestClient with one keep-alive TLS agent', shared],
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
    shared.close();
    agent.destroy();
    await deleteNamespace(cluster, ns, [], log);
  }
}
