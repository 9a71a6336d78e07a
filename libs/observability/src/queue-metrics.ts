import { Counter, Gauge, type Registry } from 'prom-client';
import { addCollectHook } from './operator-metrics.js';

/** The part of a BullMQ `Queue` the metrics read (structural, so tests can hand in a plain object). */
export interface JobCountSource {
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  /** Optional: BullMQ `Queue.getJobs(types, start, end, asc)`; used for the age of the oldest waiting job. */
  getJobs?(
    types: Array<'wait' | 'prioritized'>,
    start?: number,
    end?: number,
    asc?: boolean,
  ): Promise<Array<{ timestamp?: number } | undefined>>;
}

export interface QueueMetricsOptions {
  /** One entry per configured resource; the queue name equals the resource name. */
  queues: ReadonlyArray<{ resource: string; queue: JobCountSource }>;
  /** A scrape never waits longer than this for Redis (default 2000 ms); on timeout the series are dropped. */
  timeoutMs?: number;
  now?: () => number;
}

/** Job states exported per queue (bullmq_job_count{queue,state}). */
export const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'failed',
  'prioritized',
  'completed',
  'paused',
] as const;
// Jobs that no worker has picked up yet: what client-go calls the workqueue depth.
const DEPTH_STATES = ['waiting', 'prioritized'] as const;
// How many prioritized jobs to inspect for the oldest timestamp (the zset is ordered by priority, not age).
const PRIORITIZED_SAMPLE = 50;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms}ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Queue metrics read from BullMQ at scrape time, for dashboards and for KEDA/HPA to scale workers on:
 * `bullmq_job_count{queue,state}` (the name BullMQ's own Prometheus export uses), `workqueue_depth{name,controller}`
 * (waiting + prioritized), `lostromos_queue_oldest_job_age_seconds{queue}` and
 * `lostromos_queue_scrape_errors_total{queue}`. Counts of all queues are fetched once per scrape.
 * When `registry` already holds the `workqueue_depth` of {@link createOperatorMetrics}, that gauge is reused.
 * Returns a function that unhooks the collectors from a shared `workqueue_depth`.
 */
export function registerQueueMetrics(registry: Registry, opts: QueueMetricsOptions): () => void {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const now = opts.now ?? Date.now;
  const registers = [registry];

  const scrapeErrors = new Counter<'queue'>({
    name: 'lostromos_queue_scrape_errors_total',
    help: 'Failures reading job counts from Redis while scraping',
    labelNames: ['queue'],
    registers,
    collect: () => refresh(),
  });
  let inflight: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    inflight ??= readAll().finally(() => (inflight = undefined));
    return inflight;
  };

  const jobCount = new Gauge<'queue' | 'state'>({
    name: 'bullmq_job_count',
    help: 'Number of jobs in the queue by state',
    labelNames: ['queue', 'state'],
    registers,
    collect: refresh,
  });
  const oldestAge = new Gauge<'queue'>({
    name: 'lostromos_queue_oldest_job_age_seconds',
    help: 'Age of the oldest job still waiting in the queue (0 when none waits)',
    labelNames: ['queue'],
    registers,
    collect: refresh,
  });

  const existingDepth = registry.getSingleMetric('workqueue_depth');
  let depth: Gauge<'name' | 'controller'>;
  let unhook: () => void = () => undefined;
  if (existingDepth instanceof Gauge) {
    depth = existingDepth;
    unhook = addCollectHook(depth, refresh);
  } else {
    depth = new Gauge<'name' | 'controller'>({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue (jobs waiting to be processed, read from BullMQ)',
      labelNames: ['name', 'controller'],
      registers,
      collect: refresh,
    });
  }

  async function readOne(resource: string, queue: JobCountSource): Promise<void> {
    try {
      const counts = await withTimeout(queue.getJobCounts(...QUEUE_STATES), timeoutMs, `queue "${resource}"`);
      for (const state of QUEUE_STATES) jobCount.set({ queue: resource, state }, counts[state] ?? 0);
      const waiting = DEPTH_STATES.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
      depth.set({ name: resource, controller: resource }, waiting);
      oldestAge.set({ queue: resource }, waiting > 0 ? await oldestWaitingAge(queue) : 0);
    } catch {
      // Stale numbers would hide an outage from autoscalers: drop the series and count the failure.
      for (const state of QUEUE_STATES) jobCount.remove({ queue: resource, state });
      depth.remove({ name: resource, controller: resource });
      oldestAge.remove({ queue: resource });
      scrapeErrors.inc({ queue: resource });
    }
  }

  async function oldestWaitingAge(queue: JobCountSource): Promise<number> {
    if (!queue.getJobs) return 0;
    const [oldestWaiting, prioritized] = await withTimeout(
      Promise.all([
        queue.getJobs(['wait'], 0, 0, true),
        queue.getJobs(['prioritized'], 0, PRIORITIZED_SAMPLE - 1, true),
      ]),
      timeoutMs,
      'oldest job lookup',
    );
    const stamps = [...oldestWaiting, ...prioritized]
      .map((j) => j?.timestamp)
      .filter((t): t is number => typeof t === 'number');
    if (stamps.length === 0) return 0;
    return Math.max(0, (now() - Math.min(...stamps)) / 1000);
  }

  async function readAll(): Promise<void> {
    await Promise.all(opts.queues.map(({ resource, queue }) => readOne(resource, queue)));
  }

  return unhook;
}
