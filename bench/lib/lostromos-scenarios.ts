// Lostrómos-only scenarios: queue overhead (Redis commands and bytes per reconcile), a no-op resync of many
// unchanged CRs (API writes must be 0), leader failover, and the watcher's memory and start-up time per CR.
import fs from 'node:fs';
import path from 'node:path';
import { apfDelta, type BenchCluster } from './cluster.ts';
import YAML from 'yaml';
import { LostromosTool, ROOT, type Role } from './lostromos.ts';
import { peakRssBytes, rssBytes } from './proc.ts';
import { commandDelta } from './redis.ts';
import {
  createCrs,
  createNamespace,
  deleteNamespace,
  round,
  runSession,
  type ConvergenceFigures,
} from './session.ts';
import { crPath, metricSum, sleep, until } from './tool.ts';

const QUEUE = 'bench:benchapps';

export interface QueueFigures {
  reconciles: number;
  redisCommands: number;
  commandsPerReconcile: number;
  bytesPerReconcile: number;
  topCommands: Array<[string, number]>;
}

/** Hooks for runSession that count Redis commands and reconciles over a Lostrómos convergence. */
export function queueHooks(tool: LostromosTool, out: { figures?: QueueFigures }) {
  let calls0 = new Map<string, number>();
  let bytes0 = 0;
  let rec0 = 0;
  return {
    before: async (): Promise<void> => {
      calls0 = await tool.redis!.commandCalls();
      bytes0 = await tool.redis!.netBytes();
      rec0 = await tool.reconciles();
    },
    after: async (): Promise<void> => {
      const calls1 = await tool.redis!.commandCalls();
      const bytes1 = await tool.redis!.netBytes();
      const reconciles = (await tool.reconciles()) - rec0;
      const commands = commandDelta(calls0, calls1);
      const top = [...calls1]
        .filter(([k]) => k !== 'info')
        .map(([k, v]): [string, number] => [k, v - (calls0.get(k) ?? 0)])
        .filter(([, v]) => v > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6);
      out.figures = {
        reconciles,
        redisCommands: commands,
        commandsPerReconcile: round(commands / Math.max(1, reconciles), 1),
        bytesPerReconcile: round((bytes1 - bytes0) / Math.max(1, reconciles), 0),
        topCommands: top,
      };
    },
  };
}

/**
 * Reconciles of a Lostrómos convergence, and among them the re-checks: reconciles that found every object up
 * to date and applied nothing (`lostromos_recheck_reconciles_total`) — while new CRs converge, the looks at a
 * CR whose Deployment is not Available yet — by what triggered them, and the API requests they sent. Only
 * Lostrómos' Ready waits for the Deployment, so requests/CR without them is what compares with the peers.
 */
export interface RecheckFigures {
  reconcilesPerCr: number;
  recheckReconcilesPerCr: number;
  /** Of those, the ones the timed fallback (a `requeue` job) triggered; the rest came from events. */
  timedRechecksPerCr: number;
  recheckRequestsPerCr: number;
}

/** Hooks for runSession that count reconciles and re-checks (and their requests) over a convergence. */
export function recheckHooks(tool: LostromosTool, crs: number, out: { figures?: RecheckFigures }) {
  const read = async () => {
    const o = { reconciles: 0, rechecks: 0, timed: 0, requests: 0 };
    for (const r of tool.roles.filter((x) => x.role === 'worker' && x.proc.exitCode === null)) {
      const text = await tool.metrics(r).catch(() => '');
      o.reconciles += metricSum(text, 'controller_runtime_reconcile_total');
      o.rechecks += metricSum(text, 'lostromos_recheck_reconciles_total');
      o.timed += metricSum(text, 'lostromos_recheck_reconciles_total', /trigger="requeue"/);
      o.requests += metricSum(text, 'lostromos_recheck_requests_total');
    }
    return o;
  };
  let before = { reconciles: 0, rechecks: 0, timed: 0, requests: 0 };
  return {
    before: async (): Promise<void> => {
      before = await read();
    },
    after: async (): Promise<void> => {
      const now = await read();
      const per = (k: keyof typeof now): number => round((now[k] - before[k]) / Math.max(1, crs), 2);
      out.figures = {
        reconcilesPerCr: per('reconciles'),
        recheckReconcilesPerCr: per('rechecks'),
        timedRechecksPerCr: per('timed'),
        recheckRequestsPerCr: per('requests'),
      };
    },
  };
}

/** Runs the `before` hooks in order, then the `after` hooks in order. */
export function bothHooks(...hooks: Array<{ before?: () => Promise<void>; after?: () => Promise<void> }>): {
  before: () => Promise<void>;
  after: () => Promise<void>;
} {
  return {
    before: async () => {
      for (const h of hooks) await h.before?.();
    },
    after: async () => {
      for (const h of hooks) await h.after?.();
    },
  };
}

async function queueDepth(tool: LostromosTool): Promise<number> {
  const r = tool.redis!;
  const [wait, prio, active, delayed] = await Promise.all([
    r.command('LLEN', `${QUEUE}:wait`),
    r.command('ZCARD', `${QUEUE}:prioritized`),
    r.command('LLEN', `${QUEUE}:active`),
    r.command('ZCARD', `${QUEUE}:delayed`),
  ]);
  return Number(wait) + Number(prio) + Number(active) + Number(delayed);
}

async function jobCounter(tool: LostromosTool): Promise<number> {
  return Number((await tool.redis!.command('GET', `${QUEUE}:id`)) ?? 0);
}

async function addsOf(tool: LostromosTool, role: Role): Promise<number> {
  return metricSum(await tool.metrics(role), 'workqueue_adds_total');
}

/** Jobs of the bench's resource waiting in Redis (BullMQ's wait list and prioritized set). */
async function jobsWaiting(tool: LostromosTool): Promise<number> {
  const r = tool.redis!;
  return (
    Number(await r.command('LLEN', 'bench:benchapps:wait')) +
    Number(await r.command('ZCARD', 'bench:benchapps:prioritized'))
  );
}

export interface ResyncFigures {
  crs: number;
  convergence: ConvergenceFigures;
  /** A new leader's relist of N unchanged CRs (every key enqueued, reconciled, nothing to change). */
  relist: { seconds: number; writes: number; reads: number };
  /** The informer's periodic resync of N unchanged CRs. */
  resync: { seconds: number; writes: number; reads: number } | null;
  resyncReason?: string;
  failoverSeconds: number;
}

/**
 * N CRs converged by 1 watcher + 2 workers; then the watcher is replaced by two (leader with a periodic resync
 * of `resyncSeconds`, standby): the new leader's relist pass and then its periodic resync pass must write
 * nothing; finally the leader is killed with SIGKILL and the standby's first enqueue is timed.
 */
export async function resyncAndFailover(
  cluster: BenchCluster,
  dir: string,
  o: {
    crs: number;
    resyncSeconds: number;
    timeoutMs: number;
    lease: { duration: number; renewDeadline: number; retryPeriod: number };
  },
  log: (l: string) => void,
): Promise<ResyncFigures> {
  const tool = new LostromosTool(cluster, dir, { name: 'lostromos-resync', workers: 2, lease: o.lease });
  let out: ResyncFigures | undefined;
  const { convergence } = await runSession(
    cluster,
    tool,
    {
      crs: o.crs,
      timeoutMs: o.timeoutMs,
      after: async () => {
        const watcherA = tool.roles.find((r) => r.role === 'watcher')!;
        await tool.stopRole(watcherA);
        tool.roles = tool.roles.filter((r) => r !== watcherA);
        // The new leader gets the periodic resync; a standby waits for failover.
        tool.setResyncSeconds(o.resyncSeconds);
        await sleep(500);
        const apf0 = await cluster.apf();
        const ids0 = await jobCounter(tool);
        const rec0 = await tool.reconciles();
        const t0 = performance.now();
        const leader = await tool.startRole('watcher');
        const tLeader = performance.now();
        await until(async () => (await jobCounter(tool)) > ids0, 120_000, 'the new leader to enqueue', 20);
        await until(
          async () => (await queueDepth(tool)) === 0 && (await tool.reconciles()) - rec0 >= o.crs,
          o.timeoutMs,
          'the relist pass to drain',
          100,
        );
        const relistSeconds = (performance.now() - t0) / 1000;
        await sleep(1000);
        const apf1 = await cluster.apf();
        const d1 = apfDelta(apf0, apf1, 'lostromos');
        const relist = { seconds: round(relistSeconds, 1), writes: d1.writes + d1.events, reads: d1.reads };
        log(
          `resync: relist pass of ${o.crs} unchanged CRs by a new leader: ${relist.seconds} s, ${relist.writes} writes, ${relist.reads} reads`,
        );
        const standby = await tool.startRole('watcher');
        // The periodic resync: the informer replays its cache resyncSeconds after it started.
        let resync: ResyncFigures['resync'] = null;
        let resyncReason: string | undefined;
        const tick = tLeader + o.resyncSeconds * 1000;
        if (performance.now() > tick - 500) {
          resyncReason = `the relist pass took longer than resyncSeconds (${o.resyncSeconds} s): the periodic resync overlapped it`;
        } else {
          const apf2 = await cluster.apf();
          const ids2 = await jobCounter(tool);
          const rec2 = await tool.reconciles();
          await until(
            async () => (await jobCounter(tool)) > ids2,
            o.resyncSeconds * 1000 + 30_000,
            'the periodic resync to enqueue',
            20,
          );
          const t2 = performance.now();
          await until(
            async () => (await queueDepth(tool)) === 0 && (await tool.reconciles()) - rec2 >= o.crs,
            o.timeoutMs,
            'the resync pass to drain',
            100,
          );
          const seconds = (performance.now() - t2) / 1000;
          await sleep(1000);
          const d2 = apfDelta(apf2, await cluster.apf(), 'lostromos');
          resync = { seconds: round(seconds, 1), writes: d2.writes + d2.events, reads: d2.reads };
          log(
            `resync: periodic resync of ${o.crs} unchanged CRs: ${resync.seconds} s, ${resync.writes} writes, ${resync.reads} reads`,
          );
        }
        // Failover: SIGKILL the leader; the standby takes the Lease after leaseDurationSeconds and enqueues.
        const adds0 = await addsOf(tool, standby);
        const tk = performance.now();
        leader.proc.kill('SIGKILL');
        await leader.exited;
        await until(async () => (await addsOf(tool, standby)) > adds0, 120_000, 'the standby to enqueue', 25);
        const failoverSeconds = round((performance.now() - tk) / 1000, 2);
        log(
          `failover: kill -9 of the leader → first job enqueued by the new leader in ${failoverSeconds} s (leaseDurationSeconds ${o.lease.duration})`,
        );
        out = {
          crs: o.crs,
          convergence: undefined as unknown as ConvergenceFigures,
          relist,
          resync,
          failoverSeconds,
          ...(resyncReason ? { resyncReason } : {}),
        };
      },
    },
    log,
  );
  if (!out) throw new Error('resync scenario did not run');
  out.convergence = convergence;
  return out;
}

export interface MemoryPoint {
  crs: number;
  startupSeconds: number;
  /** Held once settled (SETTLE_MS after every CR is enqueued): heap after a full GC, and RSS. */
  heapBytes: number;
  rssBytes: number;
  heapBytesPerCr: number;
  rssBytesPerCr: number;
  /** The process's highest RSS (VmHWM): the start-up burst (list, trim, enqueue) — what a memory limit must allow. */
  peakRssBytes: number;
}

/**
 * How long the watcher runs idle after start-up before it is sampled: V8 keeps the pages the start-up burst grew
 * its heap by for a while after the garbage is gone (100k CRs: 589 MB of RSS 2 s after the last enqueue, 216 MB
 * 30 s later, the heap 93 MB both times).
 */
const SETTLE_MS = 30_000;

/** The watcher's Node.js flags as the Helm chart runs it (`watcher.nodeOptions`): the bench measures what ships. */
export function chartWatcherNodeOptions(): string {
  const values = YAML.parse(
    fs.readFileSync(path.join(ROOT, 'deploy/helm/lostromos/values.yaml'), 'utf8'),
  ) as {
    watcher?: { nodeOptions?: string };
  };
  return values.watcher?.nodeOptions ?? '';
}

/**
 * One watcher (no workers) over 0, then each of `sizes` CRs: heap and RSS per CR, list+watch start-up. The
 * watcher runs with the chart's NODE_OPTIONS (chartWatcherNodeOptions).
 */
export async function watcherMemory(
  cluster: BenchCluster,
  dir: string,
  sizes: number[],
  log: (l: string) => void,
): Promise<MemoryPoint[]> {
  const ns = 'bench-memory';
  // The watcher runs with a preload that answers SIGUSR2 with a full GC, so heap figures are live data only.
  const preload = path.join(dir, 'gc-on-sigusr2.cjs');
  fs.writeFileSync(
    preload,
    "const v8 = require('node:v8'); const vm = require('node:vm'); v8.setFlagsFromString('--expose-gc');\n" +
      "const gc = vm.runInNewContext('gc'); process.on('SIGUSR2', () => { gc(); gc(); });\n",
  );
  const tool = new LostromosTool(cluster, dir, {
    name: 'lostromos-memory',
    workers: 0,
    watcherOnly: true,
    watcherNodeOptions: `--require ${preload} ${chartWatcherNodeOptions()}`.trim(),
  });
  log(`memory: the watcher runs with the chart's NODE_OPTIONS: ${chartWatcherNodeOptions() || '(none)'}`);
  await createNamespace(cluster, ns);
  await tool.install(cluster);
  const points: MemoryPoint[] = [];
  const sample = async (): Promise<{ heap: number; rss: number }> => {
    const w = tool.roles.find((r) => r.role === 'watcher')!;
    let heap = Infinity;
    let rss = Infinity;
    for (let i = 0; i < 3; i++) {
      w.proc.kill('SIGUSR2');
      await sleep(500);
      heap = Math.min(heap, metricSum(await tool.metrics(w), 'nodejs_heap_size_used_bytes'));
      rss = Math.min(rss, rssBytes(w.proc.pid!) ?? Infinity);
    }
    return { heap, rss };
  };
  try {
    await tool.start(ns);
    await sleep(2000);
    const base = await sample();
    await tool.stop();
    log(
      `memory: watcher with 0 CRs: heap ${(base.heap / 1048576).toFixed(1)} MB, RSS ${(base.rss / 1048576).toFixed(1)} MB`,
    );
    let have = 0;
    for (const size of sizes) {
      const names = Array.from({ length: size - have }, (_, i) => `m-${have + i}`);
      const tc = performance.now();
      await createCrs(cluster, tool, ns, names, () => 'v');
      log(
        `memory: ${size} CRs in place (${names.length} created in ${((performance.now() - tc) / 1000).toFixed(0)} s)`,
      );
      have = size;
      const t0 = performance.now();
      await tool.start(ns);
      const w = tool.roles.find((r) => r.role === 'watcher')!;
      // Enqueued = a job per CR in Redis (the watcher counts an add when it takes the key, before it sends it).
      await until(
        async () => (await addsOf(tool, w)) >= size && (await jobsWaiting(tool)) >= size,
        600_000,
        `the watcher to enqueue ${size} CRs`,
        200,
      );
      const startupSeconds = round((performance.now() - t0) / 1000, 1);
      await sleep(SETTLE_MS);
      const s = await sample();
      const peak = peakRssBytes(w.proc.pid!) ?? 0;
      await tool.stop();
      const p: MemoryPoint = {
        crs: size,
        startupSeconds,
        heapBytes: s.heap,
        rssBytes: s.rss,
        heapBytesPerCr: round((s.heap - base.heap) / size, 0),
        rssBytesPerCr: round((s.rss - base.rss) / size, 0),
        peakRssBytes: peak,
      };
      points.push(p);
      log(
        `memory: ${size} CRs: start-up (list+watch+enqueue) ${startupSeconds} s, heap ${(s.heap / 1048576).toFixed(0)} MB (${p.heapBytesPerCr} B/CR), RSS ${(s.rss / 1048576).toFixed(0)} MB (${p.rssBytesPerCr} B/CR) once settled, start-up peak RSS ${(peak / 1048576).toFixed(0)} MB`,
      );
    }
    return points;
  } finally {
    await tool.stop();
    // Deleting 100k CRs can outlast the wait on a loaded machine: that must not throw the figures away.
    await deleteNamespace(cluster, ns, [crPath(tool.crType, ns)], log).catch((err: unknown) =>
      log(`memory: cleanup: ${err instanceof Error ? err.message : String(err)} (the figures above stand)`),
    );
  }
}
