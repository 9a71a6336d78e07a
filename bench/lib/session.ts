// One tool's session on the shared control plane: a fresh namespace, the tool started, N CRs created at once
// and watched until converged (throughput, API requests and writes per CR counted by the API server, CPU and
// peak RSS of the tool's processes), then optionally steady-load latency, then the namespace removed.
import os from 'node:os';
import { apfDelta, apiClient, type ApfCounts, type BenchCluster } from './cluster.ts';
import { Observer, percentile, pool } from './observe.ts';
import { cpuSeconds, machineBusySeconds, ProcSampler } from './proc.ts';
import { crPath, sleep, until, type Tool } from './tool.ts';

export interface ConvergenceFigures {
  tool: string;
  describe: string;
  concurrency: number;
  crs: number;
  childrenSeconds: number;
  /** Until every CR also reported ready (tools with a ready signal). */
  readySeconds: number | undefined;
  /** CRs per second, to ready where there is a ready signal, else to correct children. */
  crsPerSecond: number;
  api: ApfCounts;
  requestsPerCr: number;
  writesPerCr: number;
  cpuSeconds: number;
  cpuSecondsPerCr: number;
  peakRssMb: number;
  /** Completed requests per CR by `verb resource[/subresource]` (audit log; watches end later, not here). */
  byVerbResource: Record<string, number>;
  /** Where the whole machine's CPU went over the same window. */
  machine: MachineCpu;
}

/**
 * The machine's CPU over a convergence (CRs created → converged + settle), per CR, by process: the tool (all
 * its processes, Redis included), each control-plane component, the bench process (its CR creates, watches and
 * checks), and `other` (the rest of the machine: the OS, anything else running). `busyShare`: the part of all
 * cores' time that was busy — near 1, the machine was the limit, and CRs/s ≤ cores × 1000 / total.
 */
export interface MachineCpu {
  msPerCr: {
    tool: number;
    kubeApiserver: number;
    etcd: number;
    kubeControllerManager: number;
    bench: number;
    other: number;
    total: number;
  };
  busyShare: number;
}

interface CpuMark {
  at: number;
  machine: number;
  tool: number;
  bench: number;
  components: Record<string, number>;
}

function cpuMark(cluster: BenchCluster, sampler: ProcSampler): CpuMark {
  const usage = process.cpuUsage();
  return {
    at: performance.now(),
    machine: machineBusySeconds(),
    tool: sampler.cpu(),
    bench: (usage.user + usage.system) / 1e6,
    components: Object.fromEntries(
      Object.entries(cluster.cp.componentPids()).map(([name, pid]) => [name, cpuSeconds(pid) ?? 0]),
    ),
  };
}

export function machineCpu(a: CpuMark, b: CpuMark, crs: number, cores: number): MachineCpu {
  const ms = (seconds: number): number => round((seconds * 1000) / crs, 1);
  const component = (name: string): number => (b.components[name] ?? 0) - (a.components[name] ?? 0);
  const parts = {
    tool: b.tool - a.tool,
    kubeApiserver: component('kube-apiserver'),
    etcd: component('etcd'),
    kubeControllerManager: component('kube-controller-manager'),
    bench: b.bench - a.bench,
  };
  const total = b.machine - a.machine;
  const known = Object.values(parts).reduce((x, y) => x + y, 0);
  const wall = (b.at - a.at) / 1000;
  return {
    msPerCr: {
      tool: ms(parts.tool),
      kubeApiserver: ms(parts.kubeApiserver),
      etcd: ms(parts.etcd),
      kubeControllerManager: ms(parts.kubeControllerManager),
      bench: ms(parts.bench),
      other: ms(Math.max(0, total - known)),
      total: ms(Math.max(total, known)),
    },
    busyShare: wall > 0 ? round(Math.min(1, total / (wall * cores)), 2) : 0,
  };
}

export interface LatencyFigures {
  tool: string;
  updates: number;
  applied: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /**
   * The tool's API requests from the first update sent to the last value seen (audit log), per CR update sent,
   * and per reconcile (its GETs of the CR: one per reconcile for Lostrómos), by `verb resource[/subresource]`
   * per update. Undefined for a tool whose identity makes no requests of its own in the window.
   */
  requests?: {
    total: number;
    perUpdate: number;
    reconciles: number;
    perReconcile: number;
    byVerbResourcePerUpdate: Record<string, number>;
  };
}

export const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

export async function createCrs(
  cluster: BenchCluster,
  tool: Tool,
  ns: string,
  names: string[],
  value: (i: number) => string,
): Promise<void> {
  const api = apiClient(cluster.cp, cluster.cp.adminToken, 32);
  try {
    const p = crPath(tool.crType, ns);
    await pool(names.length, 32, async (i) => {
      for (let attempt = 0; ; attempt++) {
        const r = await api.request('POST', p, tool.cr(names[i]!, value(i)));
        if (r.status === 201 || r.status === 409) return;
        if (attempt > 5) throw new Error(`create ${names[i]}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
        await sleep(200);
      }
    });
  } finally {
    api.close();
  }
}

export async function createNamespace(cluster: BenchCluster, ns: string): Promise<void> {
  await cluster.must('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns },
  });
}

/**
 * Deletes a namespace after its tool has stopped: CR finalizers the tool can no longer remove are stripped, so
 * the namespace controller can finish; waits until it is gone, so the next session starts on a quiet server.
 */
/** Set by the suite: false in a --tiny run, where nothing is measured after the last session anyway. */
export const settings = { waitForNamespaceDeletion: true };

export async function deleteNamespace(
  cluster: BenchCluster,
  ns: string,
  crPaths: string[],
  log: (l: string) => void,
): Promise<void> {
  await cluster.request('DELETE', `/api/v1/namespaces/${ns}`);
  const api = apiClient(cluster.cp, cluster.cp.adminToken, 32);
  try {
    for (const p of crPaths) {
      const list = await cluster.request<{
        items?: Array<{ metadata: { name: string; finalizers?: string[] } }>;
      }>('GET', p);
      const withFinalizers = (list.body.items ?? []).filter((o) => (o.metadata.finalizers ?? []).length > 0);
      await pool(withFinalizers.length, 32, async (i) => {
        await api.request(
          'PATCH',
          `${p}/${withFinalizers[i]!.metadata.name}`,
          { metadata: { finalizers: null } },
          'application/merge-patch+json',
        );
      });
    }
  } finally {
    api.close();
  }
  if (!settings.waitForNamespaceDeletion) return;
  const t0 = Date.now();
  await until(
    async () => (await cluster.request('GET', `/api/v1/namespaces/${ns}`)).status === 404,
    600_000,
    `namespace ${ns} to be deleted`,
    500,
  );
  log(`  (namespace ${ns} deleted in ${Math.round((Date.now() - t0) / 1000)} s)`);
}

export interface LatencyLoad {
  perSecond: number;
  seconds: number;
  subset: number;
}

export interface SessionOptions {
  crs: number;
  timeoutMs: number;
  latency?: LatencyLoad;
  /** A second, lighter steady load, measured before `latency`: the latency of a tool that keeps up. */
  lightLatency?: LatencyLoad;
  /** Runs after convergence (and latency) while the tool still runs. */
  after?: (ctx: { ns: string; observer: Observer }) => Promise<void>;
  /** Extra measurements around convergence (Lostrómos: Redis, reconciles). */
  hooks?: { before?: () => Promise<void>; after?: () => Promise<void> };
}

export async function runSession(
  cluster: BenchCluster,
  tool: Tool,
  opts: SessionOptions,
  log: (l: string) => void,
): Promise<{
  convergence: ConvergenceFigures;
  latency: LatencyFigures | undefined;
  lightLatency: LatencyFigures | undefined;
}> {
  const ns = `bench-${tool.name}`.slice(0, 63);
  await createNamespace(cluster, ns);
  await tool.install(cluster, ns);
  const sampler = new ProcSampler();
  const observer = new Observer(
    cluster.cp,
    ns,
    tool.readyOf ? { path: crPath(tool.crType, ns), readyOf: tool.readyOf } : undefined,
  );
  try {
    log(`${tool.name}: starting (${tool.describe})`);
    await tool.start(ns);
    for (const pid of tool.pids()) sampler.add(pid, true);
    await observer.start();
    const names = Array.from({ length: opts.crs }, (_, i) => `app-${i}`);
    observer.expect(new Map(names.map((n, i) => [n, `v1-${i}`])));
    await opts.hooks?.before?.();
    const mark0 = cpuMark(cluster, sampler);
    const apf0 = await cluster.apf();
    const audit0 = cluster.auditMark();
    const t0 = performance.now();
    await createCrs(cluster, tool, ns, names, (i) => `v1-${i}`);
    log(`${tool.name}: ${opts.crs} CRs created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const progress = setInterval(() => {
      const p = observer.progress();
      log(
        `${tool.name}:   ${p.children}/${p.of} with correct children, ${p.ready} ready, ${Math.round((performance.now() - t0) / 1000)} s`,
      );
    }, 15_000);
    let conv;
    try {
      conv = await observer.converged(t0, opts.timeoutMs, tool.name);
    } finally {
      clearInterval(progress);
    }
    // Settle: the last status writes and owned-object echoes of the final reconciles land in the count.
    await sleep(2000);
    const mark1 = cpuMark(cluster, sampler);
    const apf1 = await cluster.apf();
    await opts.hooks?.after?.();
    const api = apfDelta(apf0, apf1, tool.identity);
    const tally = await cluster.auditTally(audit0, tool.identity);
    const seconds = (conv.readyMs ?? conv.childrenMs) / 1000;
    const figures: ConvergenceFigures = {
      tool: tool.name,
      describe: tool.describe,
      concurrency: tool.concurrency,
      crs: opts.crs,
      childrenSeconds: round(conv.childrenMs / 1000),
      readySeconds: conv.readyMs === undefined ? undefined : round(conv.readyMs / 1000),
      crsPerSecond: round(opts.crs / seconds, 1),
      api,
      requestsPerCr: round((api.reads + api.writes + api.events) / opts.crs),
      writesPerCr: round((api.writes + api.events) / opts.crs),
      cpuSeconds: round(mark1.tool - mark0.tool),
      cpuSecondsPerCr: round((mark1.tool - mark0.tool) / opts.crs, 4),
      peakRssMb: 0,
      byVerbResource: Object.fromEntries(
        [...tally].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, round(v / opts.crs, 2)]),
      ),
      machine: machineCpu(mark0, mark1, opts.crs, os.availableParallelism()),
    };
    log(
      `${tool.name}: converged: children ${figures.childrenSeconds} s, ready ${figures.readySeconds ?? '-'} s → ${figures.crsPerSecond} CRs/s`,
    );
    let latency: LatencyFigures | undefined;
    let lightLatency: LatencyFigures | undefined;
    if (opts.lightLatency)
      lightLatency = await measureLatency(cluster, tool, ns, observer, opts.lightLatency, log, 'l');
    if (opts.latency) latency = await measureLatency(cluster, tool, ns, observer, opts.latency, log);
    await opts.after?.({ ns, observer });
    figures.peakRssMb = round(sampler.peakSum() / 1048576, 1);
    return { convergence: figures, latency, lightLatency };
  } finally {
    sampler.stop();
    observer.stop();
    await tool.stop();
    await deleteNamespace(cluster, ns, [crPath(tool.crType, ns)], log);
  }
}

/**
 * `perSecond` CR patches for `seconds`, round-robin over the first `subset` CRs: patch sent → ConfigMap seen.
 * The values sent are `<tag><k>` (k = 0, 1, …): each load of one session uses its own tag.
 */
export async function measureLatency(
  cluster: BenchCluster,
  tool: Tool,
  ns: string,
  observer: Observer,
  o: LatencyLoad,
  log: (l: string) => void,
  tag = 'u',
): Promise<LatencyFigures> {
  const sent = new Map<string, number>(); // `${name}=${value}` → send time
  const latencies: number[] = [];
  observer.onConfigMap = (name, value, at) => {
    const k = `${name}=${value}`;
    const t = sent.get(k);
    if (t !== undefined) {
      latencies.push(at - t);
      sent.delete(k);
    }
  };
  const api = apiClient(cluster.cp, cluster.cp.adminToken, 16);
  const total = o.perSecond * o.seconds;
  const p = crPath(tool.crType, ns);
  const audit0 = cluster.auditMark();
  const inflight: Promise<unknown>[] = [];
  const t0 = performance.now();
  for (let k = 0; k < total; k++) {
    const due = t0 + (k * 1000) / o.perSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const name = `app-${k % o.subset}`;
    const value = `${tag}${k}`;
    sent.set(`${name}=${value}`, performance.now());
    inflight.push(
      api.request('PATCH', `${p}/${name}`, tool.valuePatch(value), 'application/merge-patch+json'),
    );
  }
  await Promise.all(inflight);
  // Stragglers: a CR patched again before its previous value was applied may never show that value (it is
  // superseded, as the "values ever applied" counts); wait for the last value of each CR, up to 30 s.
  const end = performance.now() + 30_000;
  while (performance.now() < end && sent.size > 0) {
    const lastOnes = [...sent.keys()].filter(
      (k) => Number(k.slice(k.indexOf(`=${tag}`) + 1 + tag.length)) >= total - o.subset,
    );
    if (lastOnes.length === 0) break;
    await sleep(100);
  }
  observer.onConfigMap = undefined;
  api.close();
  // Requests still in flight for the last updates (status writes) land in the count too.
  await sleep(2000);
  const tally = await cluster.auditTally(audit0, tool.identity);
  const requestTotal = [...tally.values()].reduce((a, b) => a + b, 0);
  const reconciles = tally.get(`get ${tool.crType.plural}`) ?? 0;
  latencies.sort((a, b) => a - b);
  const f: LatencyFigures = {
    tool: tool.name,
    updates: total,
    applied: latencies.length,
    p50: round(percentile(latencies, 50), 1),
    p95: round(percentile(latencies, 95), 1),
    p99: round(percentile(latencies, 99), 1),
    max: round(latencies[latencies.length - 1] ?? NaN, 1),
    ...(requestTotal > 0
      ? {
          requests: {
            total: requestTotal,
            perUpdate: round(requestTotal / total),
            reconciles,
            perReconcile: reconciles > 0 ? round(requestTotal / reconciles) : NaN,
            byVerbResourcePerUpdate: Object.fromEntries(
              [...tally].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, round(v / total, 2)]),
            ),
          },
        }
      : {}),
  };
  log(
    `${tool.name}: latency at ${o.perSecond} updates/s for ${o.seconds} s: p50 ${f.p50} ms, p95 ${f.p95} ms, p99 ${f.p99} ms (${f.applied}/${f.updates} values seen applied)` +
      (f.requests
        ? `; ${f.requests.total} API requests: ${f.requests.perUpdate}/update, ${f.requests.perReconcile}/reconcile over ${f.requests.reconciles} reconciles; per update: ${JSON.stringify(f.requests.byVerbResourcePerUpdate)}`
        : ''),
  );
  return f;
}
