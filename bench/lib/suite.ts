// The side-by-side bench on one real control plane: every figure of one run measured on the same API server,
// etcd and controller manager, one scenario after another (never two tools at once), so ratios compare.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPeer, type PeerName } from '../peers/build.ts';
import { HelmOperatorTool, IdealTool, KroTool, MetacontrollerTool } from '../peers/tools.ts';
import { measureCeiling, type CeilingFigures } from './ceiling.ts';
import { measureClientOverhead, type ClientOverheadRow } from './client-overhead.ts';
import { startBenchCluster, type BenchCluster } from './cluster.ts';
import {
  bothHooks,
  queueHooks,
  recheckHooks,
  resyncAndFailover,
  watcherMemory,
  type MemoryPoint,
  type QueueFigures,
  type RecheckFigures,
  type ResyncFigures,
} from './lostromos-scenarios.ts';
import { LostromosTool } from './lostromos.ts';
import { profileLostromos, type ProfileFigures } from './profile.ts';
import { measureRender, type RenderFigures } from './render.ts';
import { PEERS, SUMMARY_KEYS, THROUGHPUT_KEYS, table } from './report.ts';
import {
  round,
  runSession,
  settings,
  type ConvergenceFigures,
  type LatencyFigures,
  type LatencyLoad,
} from './session.ts';
import type { Tool } from './tool.ts';

export type Size = 'tiny' | 'quick' | 'full';

export interface SuiteOptions {
  size: Size;
  /** Scenarios to run (default all): ceiling, render, convergence, latency, resync, memory, peers, floor, olddefault, profile. */
  only?: Set<string>;
  peers: PeerName[];
  /** Override the convergence CR count. */
  crs?: number;
  /** Override the resync CR count and the watcher memory sizes. */
  resyncCrs?: number;
  resyncSeconds?: number;
  memory?: number[];
  log: (l: string) => void;
}

interface Sizes {
  crs: number;
  ceilingSeconds: number;
  renderSeconds: number;
  latency: { perSecond: number; seconds: number; subset: number };
  /** A lighter load measured first, where a tool keeps up: its latency without a backlog. */
  lightLatency?: { perSecond: number; seconds: number; subset: number };
  resyncCrs: number;
  resyncSeconds: number;
  lease: { duration: number; renewDeadline: number; retryPeriod: number };
  memory: number[];
  timeoutMs: number;
  oldDefault: boolean;
  /** Lostrómos worker counts to converge with (the queue overhead is measured on the first). */
  workers: number[];
}

const SIZES: Record<Size, Sizes> = {
  tiny: {
    crs: 30,
    ceilingSeconds: 2,
    renderSeconds: 1,
    latency: { perSecond: 10, seconds: 3, subset: 30 },
    resyncCrs: 30,
    resyncSeconds: 8,
    lease: { duration: 3, renewDeadline: 2, retryPeriod: 1 },
    memory: [300],
    timeoutMs: 60_000,
    oldDefault: false,
    workers: [2],
  },
  quick: {
    crs: 200,
    ceilingSeconds: 3,
    renderSeconds: 2,
    latency: { perSecond: 50, seconds: 10, subset: 200 },
    lightLatency: { perSecond: 10, seconds: 5, subset: 200 },
    resyncCrs: 500,
    resyncSeconds: 20,
    lease: { duration: 3, renewDeadline: 2, retryPeriod: 1 },
    memory: [2000],
    timeoutMs: 180_000,
    oldDefault: false,
    workers: [1, 2, 4],
  },
  full: {
    crs: 2000,
    ceilingSeconds: 10,
    renderSeconds: 5,
    latency: { perSecond: 50, seconds: 60, subset: 200 },
    lightLatency: { perSecond: 10, seconds: 30, subset: 200 },
    resyncCrs: 20_000,
    resyncSeconds: 600,
    lease: { duration: 15, renewDeadline: 10, retryPeriod: 2 },
    memory: [10_000, 50_000, 100_000],
    timeoutMs: 1_200_000,
    oldDefault: true,
    workers: [1, 2, 4],
  },
};

export interface Summary {
  [k: string]: unknown;
  reasons: Record<string, string>;
}

export async function runSuite(opts: SuiteOptions): Promise<{ summary: Summary; tables: string[] }> {
  const log = opts.log;
  const sz = { ...SIZES[opts.size] };
  if (opts.crs) sz.crs = opts.crs;
  if (opts.resyncCrs) sz.resyncCrs = opts.resyncCrs;
  if (opts.resyncSeconds) sz.resyncSeconds = opts.resyncSeconds;
  if (opts.memory?.length) sz.memory = opts.memory;
  const want = (s: string): boolean => !opts.only || opts.only.has(s);
  // A tiny (smoke) run does not wait for each namespace's deletion: its figures only have to exist.
  settings.waitForNamespaceDeletion = opts.size !== 'tiny';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lostromos-bench-'));
  const reasons: Record<string, string> = {};
  const tables: string[] = [];
  const noted = (key: string, reason: string): null => {
    reasons[key] = reason;
    log(`bench: ${key}: null — ${reason}`);
    return null;
  };
  const errText = (err: unknown): string =>
    (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 400);

  let cluster: BenchCluster;
  const t0 = Date.now();
  try {
    cluster = await startBenchCluster({ dir, log });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const machine = {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    kubernetes: cluster.cp.version,
    etcd: cluster.cp.etcdVersion,
    go: cluster.binaries.versions.go,
    // Other work on the machine skews every figure: the 1-minute load average at start and end says how much.
    loadAverageStart: round(os.loadavg()[0]!, 1),
    loadAverageEnd: 0,
  };
  log(
    `bench: ${opts.size} run on ${machine.cpus} CPUs (${machine.cpuModel}), kube-apiserver ${machine.kubernetes}, etcd ${machine.etcd}, Node ${machine.node}`,
  );

  let ceiling: CeilingFigures | null = null;
  let render: RenderFigures | null = null;
  const conv = new Map<string, ConvergenceFigures | null>();
  const lat = new Map<string, LatencyFigures | null>();
  const lightLat = new Map<string, LatencyFigures>();
  const rechecks = new Map<string, RecheckFigures>();
  const versions: Record<string, string> = { lostromos: readVersion() };
  let queue: QueueFigures | undefined;
  let resync: ResyncFigures | null = null;
  let memory: MemoryPoint[] | null = null;
  let profile: ProfileFigures | null = null;
  let client: ClientOverheadRow[] | null = null;

  try {
    // 1. The ceiling.
    if (want('ceiling')) {
      try {
        ceiling = await measureCeiling(cluster, sz.ceilingSeconds, log);
      } catch (err) {
        noted('ceilingWritesPerSecond', `ceiling run failed: ${errText(err)}`);
      }
    } else noted('ceilingWritesPerSecond', 'not run (--only)');

    // What one request costs through Lostrómos' REST client, and through client-node's agent as it did before.
    if (want('client')) {
      try {
        client = await measureClientOverhead(
          cluster,
          opts.size === 'full' ? 3000 : opts.size === 'quick' ? 1000 : 200,
          log,
        );
      } catch (err) {
        log(`bench: client overhead failed — ${errText(err)}`);
      }
    }

    // 7. Render (in-process, cheap; early so the table is there even if a later scenario fails).
    if (want('render')) {
      try {
        render = await measureRender(dir, sz.renderSeconds, log, opts.size !== 'tiny');
      } catch (err) {
        noted('renderPerSecond', `render run failed: ${errText(err)}`);
      }
    } else noted('renderPerSecond', 'not run (--only)');

    // 2. + 3. Convergence (and latency on lostromos-2), Lostrómos first.
    const session = async (
      tool: Tool,
      withLatency: boolean,
      hooks?: Parameters<typeof runSession>[2]['hooks'],
    ): Promise<void> => {
      try {
        const r = await runSession(
          cluster,
          tool,
          {
            crs: sz.crs,
            timeoutMs: sz.timeoutMs,
            ...(withLatency && want('latency') ? { latency: sz.latency } : {}),
            ...(withLatency && want('latency') && sz.lightLatency ? { lightLatency: sz.lightLatency } : {}),
            ...(hooks ? { hooks } : {}),
          },
          log,
        );
        conv.set(tool.name, r.convergence);
        if (r.latency) lat.set(tool.name, r.latency);
        if (r.lightLatency) lightLat.set(tool.name, r.lightLatency);
      } catch (err) {
        conv.set(tool.name, null);
        reasons[`throughput.${tool.name}`] = `run failed: ${errText(err)}`;
        log(`bench: ${tool.name}: failed — ${errText(err)}`);
        const out = (tool as { output?: () => string }).output?.();
        if (out) log(`bench: ${tool.name} output (last lines):\n${out.split('\n').slice(-15).join('\n')}`);
      }
    };
    if (want('convergence')) {
      for (const workers of [1, 2, 4]) {
        if (!sz.workers.includes(workers)) {
          conv.set(`lostromos-${workers}`, null);
          reasons[`throughput.lostromos-${workers}`] = `not run in a --${opts.size} run`;
          continue;
        }
        const tool = new LostromosTool(cluster, dir, { name: `lostromos-${workers}`, workers });
        const q: { figures?: QueueFigures } = {};
        const r: { figures?: RecheckFigures } = {};
        const first = workers === sz.workers[0];
        const counting = recheckHooks(tool, sz.crs, r);
        await session(tool, workers === 2, first ? bothHooks(counting, queueHooks(tool, q)) : counting);
        if (first) queue = q.figures;
        if (r.figures) rechecks.set(tool.name, r.figures);
      }
      if (sz.oldDefault && want('olddefault')) {
        const tool = new LostromosTool(cluster, dir, {
          name: 'lostromos-1-qps100',
          workers: 1,
          qps: 100,
          burst: 200,
        });
        const r: { figures?: RecheckFigures } = {};
        await session(tool, false, recheckHooks(tool, sz.crs, r));
        if (r.figures) rechecks.set(tool.name, r.figures);
      }
    }

    // Peers, each with concurrency matched to lostromos-2 (2 workers × 8).
    const peerConcurrency = 16;
    if (want('peers') && want('convergence')) {
      for (const name of PEERS) {
        if (!opts.peers.includes(name)) {
          conv.set(name, null);
          reasons[`throughput.${name}`] = 'not run (--peers)';
          continue;
        }
        const built = await buildPeer(name, log);
        if (!built.ok) {
          conv.set(name, null);
          reasons[`throughput.${name}`] = built.reason;
          log(`bench: ${name}: null — ${built.reason}`);
          continue;
        }
        versions[name] = built.peer.version;
        const tool =
          name === 'kro'
            ? new KroTool(built.peer, peerConcurrency)
            : name === 'helm-operator'
              ? new HelmOperatorTool(built.peer, peerConcurrency, dir)
              : new MetacontrollerTool(built.peer, peerConcurrency);
        await session(tool, true);
        // The same promise as Lostrómos' Ready (the Deployment available), kept by metacontroller: what the
        // contract costs a peer, beside what its default ("the hook ran") costs. Convergence only.
        if (name === 'metacontroller')
          await session(
            new MetacontrollerTool(built.peer, peerConcurrency, { readyWhenAvailable: true }),
            false,
          );
      }
    } else for (const name of PEERS) if (!conv.has(name)) reasons[`throughput.${name}`] = 'not run (--only)';

    // The floor: the least any controller sends for these CRs (3 creates + 1 status write each), same concurrency.
    if (want('floor') && want('convergence')) await session(new IdealTool(peerConcurrency), true);

    // 4. + 6. No-op resync of many unchanged CRs, then failover.
    if (want('resync')) {
      try {
        resync = await resyncAndFailover(
          cluster,
          dir,
          {
            crs: sz.resyncCrs,
            resyncSeconds: sz.resyncSeconds,
            // Its CRs converge first (every CR's children, then every readiness re-check: the re-checks queue
            // behind the first reconciles), ~30 CRs/s on the 2-core bench machine: 20,000 take ~20 min.
            timeoutMs: Math.max(sz.timeoutMs, sz.resyncCrs * 150),
            lease: sz.lease,
          },
          log,
        );
      } catch (err) {
        noted('resyncWrites', `resync run failed: ${errText(err)}`);
      }
    }

    // 5. Watcher memory.
    if (want('memory')) {
      try {
        memory = await watcherMemory(cluster, dir, sz.memory, log);
      } catch (err) {
        noted('watcherHeapBytesPerCr', `memory run failed: ${errText(err)}`);
      }
    }

    if (opts.only?.has('profile')) {
      try {
        profile = await profileLostromos(cluster, dir, sz.crs, Math.max(sz.timeoutMs, 600_000), log);
      } catch (err) {
        log(`bench: profile failed — ${errText(err)}`);
      }
    }
  } finally {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  machine.loadAverageEnd = round(os.loadavg()[0]!, 1);
  // ------------------------------------------------------------------ tables
  if (ceiling)
    tables.push(
      table(
        'Ceiling: server-side apply, 64 in flight, no operator',
        ['client', 'writes/s', 'writes', 'seconds', 'failed'],
        [['bench client', ceiling.writesPerSecond, ceiling.writes, ceiling.seconds, ceiling.failures]],
      ),
    );
  if (client)
    tables.push(
      table(
        "One API request (GET, 16 in flight): Lostrómos' REST client now vs through client-node's agent (before)",
        ['client', 'requests/s', 'client CPU ms/request', 'kube-apiserver CPU ms/request'],
        client.map((r) => [
          r.client,
          r.requestsPerSecond,
          r.clientCpuMsPerRequest,
          r.apiserverCpuMsPerRequest,
        ]),
      ),
    );
  const convRows = [...conv.entries()].map(([name, c]) => {
    const r = rechecks.get(name);
    return c
      ? [
          name,
          c.concurrency,
          c.crs,
          c.childrenSeconds,
          c.readySeconds ?? null,
          c.crsPerSecond,
          round(c.api.writes / (c.childrenSeconds || 1), 0),
          c.requestsPerCr,
          r ? `${r.recheckReconcilesPerCr} (${r.timedRechecksPerCr} timed)` : null,
          r ? round(c.requestsPerCr - r.recheckRequestsPerCr) : null,
          c.writesPerCr,
          c.cpuSecondsPerCr * 1000,
          c.peakRssMb,
        ]
      : [name, null, null, null, null, null, null, null, null, null, null, null, null];
  });
  if (convRows.length)
    tables.push(
      table(
        `Convergence: ${sz.crs} CRs × 3 objects (ConfigMap, Service, Deployment) created at once`,
        [
          'tool',
          'concurrency',
          'CRs',
          'children s',
          'ready s',
          'CRs/s',
          'writes/s',
          'requests/CR',
          're-checks/CR',
          'requests/CR w/o re-checks',
          'writes/CR',
          'CPU ms/CR',
          'peak RSS MB',
        ],
        convRows,
      ),
    );
  const measured = [...conv.values()].filter((c): c is ConvergenceFigures => !!c);
  if (measured.length)
    tables.push(
      table(
        "Where the machine's CPU went during each convergence, ms per CR (the tool's processes, each control-plane component, the bench's creates and watches, the rest)",
        [
          'tool',
          'tool ms',
          'kube-apiserver ms',
          'etcd ms',
          'kube-controller-manager ms',
          'bench ms',
          'other ms',
          'total ms',
          'cores busy',
        ],
        measured.map((c) => [
          c.tool,
          c.machine.msPerCr.tool,
          c.machine.msPerCr.kubeApiserver,
          c.machine.msPerCr.etcd,
          c.machine.msPerCr.kubeControllerManager,
          c.machine.msPerCr.bench,
          c.machine.msPerCr.other,
          c.machine.msPerCr.total,
          `${Math.round(c.machine.busyShare * 100)} %`,
        ]),
      ),
    );
  const kinds = [...new Set(measured.flatMap((c) => Object.keys(c.byVerbResource)))];
  if (kinds.length)
    tables.push(
      table(
        "API requests per CR by verb and resource (audit log of each tool's identity, during convergence)",
        ['request', ...measured.map((c) => c.tool)],
        kinds
          .map((k) => [k, ...measured.map((c) => c.byVerbResource[k] ?? null)])
          .sort(
            (a, b) =>
              Math.max(...(b.slice(1) as number[]).map((x) => x ?? 0)) -
              Math.max(...(a.slice(1) as number[]).map((x) => x ?? 0)),
          ),
      ),
    );
  const latencyTable = (load: LatencyLoad, rows: Iterable<LatencyFigures | null>, note = ''): string =>
    table(
      `Latency: ${load.perSecond} CR updates/s for ${load.seconds} s over ${load.subset} CRs, CR patch sent → ConfigMap change seen on a watch${note}`,
      [
        'tool',
        'updates',
        'applied',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'requests/update',
        'reconciles',
        'requests/reconcile',
      ],
      [...rows]
        .filter((l): l is LatencyFigures => !!l)
        .map((l) => [
          l.tool,
          l.updates,
          l.applied,
          l.p50,
          l.p95,
          l.p99,
          l.max,
          l.requests?.perUpdate,
          l.requests?.reconciles,
          l.requests?.perReconcile,
        ]),
    );
  if (lightLat.size && sz.lightLatency)
    tables.push(latencyTable(sz.lightLatency, lightLat.values(), ' (light load, measured first)'));
  if (lat.size) tables.push(latencyTable(sz.latency, lat.values()));
  if (queue)
    tables.push(
      table(
        `Queue overhead (lostromos-${sz.workers[0]} convergence, INFO commandstats deltas)`,
        ['reconciles', 'Redis commands', 'commands/reconcile', 'bytes/reconcile', 'top commands'],
        [
          [
            queue.reconciles,
            queue.redisCommands,
            queue.commandsPerReconcile,
            queue.bytesPerReconcile,
            queue.topCommands.map(([k, v]) => `${k} ${v}`).join(', '),
          ],
        ],
      ),
    );
  if (resync)
    tables.push(
      table(
        `No-op passes over ${resync.crs} unchanged CRs (1 leader + 1 standby watcher, 2 workers)`,
        ['pass', 'seconds', 'API writes', 'API reads'],
        [
          ['relist by a new leader', resync.relist.seconds, resync.relist.writes, resync.relist.reads],
          [
            'periodic resync',
            resync.resync?.seconds ?? null,
            resync.resync?.writes ?? null,
            resync.resync?.reads ?? null,
          ],
          ['failover: kill -9 leader → first enqueue', resync.failoverSeconds, null, null],
        ],
      ),
    );
  if (memory)
    tables.push(
      table(
        "Watcher memory (1 watcher, no workers, the chart's NODE_OPTIONS; heap and RSS held 30 s after every CR was enqueued, and the start-up peak)",
        ['CRs', 'start-up s', 'heap MB', 'heap B/CR', 'RSS MB', 'RSS B/CR', 'start-up peak RSS MB'],
        memory.map((m) => [
          m.crs,
          m.startupSeconds,
          round(m.heapBytes / 1048576, 0),
          m.heapBytesPerCr,
          round(m.rssBytes / 1048576, 0),
          m.rssBytesPerCr,
          round(m.peakRssBytes / 1048576, 0),
        ]),
      ),
    );
  if (render)
    tables.push(
      table(
        'Render (in-process)',
        ['renderer', 'renders/s'],
        [
          ['Handlebars, 3 objects', render.handlebarsPerSecond],
          ['helm template, same chart (helm mode, ≤ 4 processes)', render.helmPerSecond],
        ],
      ),
    );
  if (profile) tables.push(profile.table);

  // ------------------------------------------------------------------ summary
  const figure = <T>(key: string, v: T | null | undefined, reason: string): T | null => {
    if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) {
      reasons[key] ??= reason;
      return null;
    }
    return v;
  };
  const throughput: Record<string, number | null> = {};
  const cpu: Record<string, number | null> = {};
  const rss: Record<string, number | null> = {};
  for (const k of [
    ...THROUGHPUT_KEYS,
    ...[...conv.keys()].filter((k) => !(THROUGHPUT_KEYS as readonly string[]).includes(k)),
  ]) {
    const c = conv.get(k);
    const why = reasons[`throughput.${k}`] ?? (want('convergence') ? 'not measured' : 'not run (--only)');
    throughput[k] = figure(`throughput.${k}`, c?.crsPerSecond, why);
    cpu[k] = c ? c.cpuSecondsPerCr : null;
    rss[k] = c ? c.peakRssMb : null;
    if (!c && !reasons[`throughput.${k}`]) reasons[`throughput.${k}`] = why;
  }
  const l1 = conv.get(`lostromos-${sz.workers[0]}`);
  const l2lat = lat.get('lostromos-2')?.applied ? lat.get('lostromos-2') : undefined;
  if (lat.get('lostromos-2') && !l2lat)
    reasons.latencyMs = 'no updated value was seen applied within 30 s of the last update';
  const peerLatency: Record<string, unknown> = {};
  for (const p of PEERS) {
    const l = lat.get(p)?.applied ? lat.get(p) : undefined;
    if (lat.get(p) && !l)
      reasons[`peerLatencyMs.${p}`] = 'no updated value was seen applied within 30 s of the last update';
    peerLatency[p] = l
      ? { p50: l.p50, p95: l.p95, p99: l.p99 }
      : figure(
          `peerLatencyMs.${p}`,
          null,
          reasons[`throughput.${p}`] ? `see throughput.${p}` : 'not measured',
        );
  }
  const bestPeer = Math.max(0, ...PEERS.map((p) => throughput[p] ?? 0));
  const bestLostromos = Math.max(
    0,
    ...['lostromos-1', 'lostromos-2', 'lostromos-4'].map((k) => throughput[k] ?? 0),
  );
  const lostromosWritesPerSecond = Math.max(
    0,
    ...['lostromos-1', 'lostromos-2', 'lostromos-4'].map((k) => {
      const c = conv.get(k);
      return c ? c.api.writes / (c.childrenSeconds || 1) : 0;
    }),
  );
  const largest = memory?.[memory.length - 1];
  const summary: Summary = {
    ceilingWritesPerSecond: figure('ceilingWritesPerSecond', ceiling?.writesPerSecond, 'not measured'),
    throughput,
    writesPerCr: figure(
      'writesPerCr',
      l1?.writesPerCr,
      reasons[`throughput.lostromos-${sz.workers[0]}`] ?? 'not measured',
    ),
    requestsPerCr: figure(
      'requestsPerCr',
      l1?.requestsPerCr,
      reasons[`throughput.lostromos-${sz.workers[0]}`] ?? 'not measured',
    ),
    latencyMs: l2lat
      ? { p50: l2lat.p50, p95: l2lat.p95, p99: l2lat.p99 }
      : figure('latencyMs', null, reasons['throughput.lostromos-2'] ?? 'not measured'),
    peerLatencyMs: peerLatency,
    // The floor under the same load: what the machine allows any controller (null when not run).
    floorLatencyMs: ((l) => (l?.applied ? { p50: l.p50, p95: l.p95, p99: l.p99, applied: l.applied } : null))(
      lat.get('floor'),
    ),
    lightLoadLatencyMs: sz.lightLatency
      ? {
          updatesPerSecond: sz.lightLatency.perSecond,
          ...Object.fromEntries(
            [...lightLat].map(([tool, l]) => [
              tool,
              l.applied
                ? { p50: l.p50, p95: l.p95, p99: l.p99, applied: l.applied, updates: l.updates }
                : null,
            ]),
          ),
        }
      : null,
    resyncWrites: figure('resyncWrites', resync?.resync?.writes, resync?.resyncReason ?? 'not measured'),
    resyncSeconds: figure(
      'resyncSeconds',
      resync?.resync?.seconds,
      resync?.resyncReason ?? reasons.resyncWrites ?? 'not measured',
    ),
    failoverSeconds: figure(
      'failoverSeconds',
      resync?.failoverSeconds,
      reasons.resyncWrites ?? 'not measured',
    ),
    watcherHeapBytesPerCr: figure('watcherHeapBytesPerCr', largest?.heapBytesPerCr, 'not measured'),
    renderPerSecond: figure('renderPerSecond', render?.handlebarsPerSecond, 'not measured'),
    cpuSecondsPerCr: cpu,
    peakRssMb: rss,
    // The whole machine's CPU per CR during each convergence, by process, and the share of the cores busy.
    machineCpu: Object.fromEntries(measured.map((c) => [c.tool, c.machine])),
    // Beyond the keys: context and the ratios the goals speak of.
    helmRenderPerSecond: render ? render.helmPerSecond : null,
    ...(render?.helmReason ? { helmRenderReason: render.helmReason } : {}),
    watcherRssBytesPerCr: largest?.rssBytesPerCr ?? null,
    watcherMemory: memory,
    relist: resync?.relist ?? null,
    redisCommandsPerReconcile: queue?.commandsPerReconcile ?? null,
    // Lostrómos rows only: reconciles, re-checks (reconciles that applied nothing; `timed` = the fallback
    // fired), and requests/CR without the re-checks' requests (what compares with peers whose Ready does not
    // wait for the Deployment).
    rechecks: Object.fromEntries(
      [...rechecks].map(([name, r]) => [
        name,
        {
          ...r,
          requestsPerCrWithoutRechecks: conv.get(name)
            ? round(conv.get(name)!.requestsPerCr - r.recheckRequestsPerCr)
            : null,
        },
      ]),
    ),
    clientOverhead: client,
    redisBytesPerReconcile: queue?.bytesPerReconcile ?? null,
    ratios: {
      lostromosBestOverBestPeer:
        bestPeer > 0 && bestLostromos > 0 ? round(bestLostromos / bestPeer, 2) : null,
      lostromos2OverBestPeer:
        bestPeer > 0 && throughput['lostromos-2'] ? round(throughput['lostromos-2'] / bestPeer, 2) : null,
      // Against the peer keeping Lostrómos' Ready contract (metacontroller-ready: Ready = the Deployment ready).
      lostromosBestOverSameContractPeer:
        throughput['metacontroller-ready'] && bestLostromos > 0
          ? round(bestLostromos / throughput['metacontroller-ready'], 2)
          : null,
      lostromosWritesOverCeiling:
        ceiling && lostromosWritesPerSecond > 0
          ? round(lostromosWritesPerSecond / ceiling.writesPerSecond, 2)
          : null,
      // The floor's CRs/s bounds every tool's here: how close each came, and the most any could beat the best
      // peer by on this machine.
      lostromosBestOverFloor:
        throughput.floor && bestLostromos > 0 ? round(bestLostromos / throughput.floor, 2) : null,
      bestPeerOverFloor: throughput.floor && bestPeer > 0 ? round(bestPeer / throughput.floor, 2) : null,
      floorOverBestPeer: throughput.floor && bestPeer > 0 ? round(throughput.floor / bestPeer, 2) : null,
      // The most of the write ceiling a controller's convergence reached here (the floor's writes/s).
      floorWritesOverCeiling:
        ceiling && conv.get('floor')
          ? round(
              conv.get('floor')!.api.writes /
                (conv.get('floor')!.childrenSeconds || 1) /
                ceiling.writesPerSecond,
              2,
            )
          : null,
      newDefaultOverOldDefault:
        throughput['lostromos-1'] && throughput['lostromos-1-qps100']
          ? round(throughput['lostromos-1'] / throughput['lostromos-1-qps100'], 1)
          : null,
    },
    size: opts.size,
    crs: sz.crs,
    resyncCrs: sz.resyncCrs,
    memoryCrs: sz.memory,
    seconds: Math.round((Date.now() - t0) / 1000),
    versions,
    machine,
    reasons,
  };
  for (const k of SUMMARY_KEYS) if (!(k in summary)) summary[k] = null;
  return { summary, tables };
}

function readVersion(): string {
  try {
    return (
      JSON.parse(
        fs.readFileSync(path.resolve(import.meta.dirname, '../../apps/cli/package.json'), 'utf8'),
      ) as { version: string }
    ).version;
  } catch {
    return 'unknown';
  }
}
