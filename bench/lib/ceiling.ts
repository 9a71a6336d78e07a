// The ceiling: server-side-apply writes/s this control plane sustains from a tight concurrent client with no
// operator in the way (ConfigMaps created and updated by apply, 64 requests in flight over 32 keep-alive
// connections). Every controller shares this limit; the bench client runs on the same 2 cores, as the
// controllers do.
import { apiClient, type BenchCluster } from './cluster.ts';
import { createNamespace, deleteNamespace, round } from './session.ts';

export interface CeilingFigures {
  writesPerSecond: number;
  writes: number;
  seconds: number;
  failures: number;
}

export async function measureCeiling(
  cluster: BenchCluster,
  seconds: number,
  log: (l: string) => void,
): Promise<CeilingFigures> {
  const ns = 'bench-ceiling';
  await createNamespace(cluster, ns);
  const id = await cluster.identity('ceiling');
  const api = apiClient(cluster.cp, id.token, 32);
  const KEYS = 2000;
  const body = (i: number, round: number): string =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `c-${i % KEYS}`, annotations: { 'bench.lostromos.io/value': `r${round}` } },
      data: { value: `v-${i}-${round}` },
    });
  const apply = (i: number, r: number): Promise<{ status: number }> =>
    api.request(
      'PATCH',
      `/api/v1/namespaces/${ns}/configmaps/c-${i % KEYS}?fieldManager=bench-ceiling&force=true`,
      body(i, r),
      'application/apply-patch+yaml',
    );
  try {
    const run = async (
      ms: number,
      roundOf: (i: number) => number,
    ): Promise<{ n: number; failures: number }> => {
      let n = 0;
      let failures = 0;
      const end = performance.now() + ms;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (performance.now() < end) {
            const i = n++;
            const r = await apply(i, roundOf(i));
            if (r.status >= 300) failures++;
          }
        }),
      );
      return { n, failures };
    };
    // Warm-up: creates the keys (creates are applies too), fills connections and caches.
    await run(Math.min(3000, seconds * 500), () => 0);
    const t0 = performance.now();
    const r = await run(seconds * 1000, (i) => 1 + Math.floor(i / KEYS));
    const s = (performance.now() - t0) / 1000;
    const f = { writesPerSecond: round(r.n / s, 0), writes: r.n, seconds: round(s, 1), failures: r.failures };
    log(`ceiling: ${f.writesPerSecond} SSA writes/s (${f.writes} in ${f.seconds} s, ${f.failures} failed)`);
    return f;
  } finally {
    api.close();
    await deleteNamespace(cluster, ns, [], log);
  }
}
