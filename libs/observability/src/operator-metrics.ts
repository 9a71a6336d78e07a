import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// controller-runtime's reconcile_time buckets (sigs.k8s.io/controller-runtime/pkg/internal/controller/metrics).
export const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
] as const;
// client-go workqueue buckets: ExponentialBuckets(10e-9, 10, 12) → 1e-8 … 1e3 seconds.
export const WORKQUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) =>
  Number((1e-8 * 10 ** i).toPrecision(1)),
);
// client-go rest_client_request_duration_seconds buckets.
export const REST_CLIENT_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60] as const;
export const RENDER_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** `result` label values of controller_runtime_reconcile_total. */
export const RECONCILE_RESULTS = ['success', 'error', 'requeue', 'requeue_after'] as const;
export type ReconcileResultLabel = (typeof RECONCILE_RESULTS)[number];

/** Labels of the workqueue_* series: `name` (client-go) and `controller` (controller-runtime ≥ 0.19), both = resource. */
type WorkqueueLabels = 'name' | 'controller';

export interface OperatorMetrics {
  readonly registry: Registry;
  // controller-runtime compatible
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly terminalReconcileErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;
  readonly maxConcurrentReconciles: Gauge<'controller'>;
  readonly workqueueDepth: Gauge<WorkqueueLabels>;
  readonly workqueueAdds: Counter<WorkqueueLabels>;
  readonly workqueueQueueDuration: Histogram<WorkqueueLabels>;
  readonly workqueueWorkDuration: Histogram<WorkqueueLabels>;
  readonly workqueueRetries: Counter<WorkqueueLabels>;
  readonly workqueueUnfinishedWork: Gauge<WorkqueueLabels>;
  readonly workqueueLongestRunningProcessor: Gauge<WorkqueueLabels>;
  readonly leaderElectionMasterStatus: Gauge<'name'>;
  readonly restClientRequests: Counter<'method' | 'code'>;
  readonly restClientLatency: Histogram<'verb'>;
  // Lostrómos
  readonly watchRestarts: Counter<'controller'>;
  readonly watchRelists: Counter<'controller'>;
  readonly objectsApplied: Counter<'controller' | 'kind'>;
  readonly objectsPruned: Counter<'controller' | 'kind'>;
  readonly objectsDeleted: Counter<'controller' | 'kind'>;
  /** Reconciles that found every object up to date and applied nothing (readiness re-checks, echoes, resyncs). */
  readonly recheckReconciles: Counter<'controller' | 'trigger'>;
  /** API requests those reconciles sent. */
  readonly recheckRequests: Counter<'controller'>;
  readonly renderSeconds: Histogram<'controller'>;
  readonly renderErrors: Counter<'controller' | 'reason'>;
  readonly managedCrs: Gauge<'controller' | 'ready'>;
  readonly redisUp: Gauge;
  readonly info: Gauge<'role' | 'version'>;
  // the original tool (no labels, same names and meaning)
  readonly releasesCreate: Counter;
  readonly releasesCreateError: Counter;
  readonly releasesUpdate: Counter;
  readonly releasesUpdateError: Counter;
  readonly releasesDelete: Counter;
  readonly releasesDeleteError: Counter;
  readonly releasesTotal: Gauge;
  readonly releasesEvents: Counter;
  readonly releasesLastCreate: Gauge;
  readonly releasesLastUpdate: Gauge;
  readonly releasesLastDelete: Gauge;
  /**
   * Records one finished reconcile in the controller-runtime series: total by result, errors, duration.
   * `result` is `error` for failures, `requeue`/`requeue_after` when the reconcile asked to run again.
   */
  observeReconcile(controller: string, result: ReconcileResultLabel, seconds: number): void;
  /** Records one original-tool release operation: the counter (or its `_error_` twin) and the last timestamp. */
  observeRelease(op: 'create' | 'update' | 'delete', ok: boolean, at?: Date): void;
  /**
   * Marks one job of `controller` as in progress; call the returned function when it ends (idempotent).
   * Feeds `workqueue_unfinished_work_seconds` and `workqueue_longest_running_processor_seconds`, which are
   * computed at scrape time from the jobs still running (like client-go's workqueue).
   */
  beginWork(controller: string): () => void;
}

/**
 * Sampling interval (ms) of the event-loop delay histogram behind the default `nodejs_eventloop_lag_{min,max,
 * mean,stddev,p50,p90,p99}_seconds` series. prom-client's own default is 10 ms: Node's monitorEventLoopDelay
 * runs a libuv timer at that interval for the life of the process, so every Lostrómos process woke 100 times a
 * second while it had nothing to do. Each wake-up of a process that slept costs far more than its work (its
 * memory is no longer in the CPU caches): on the bench machine that timer alone was 4.6-5.7 ms of CPU per second
 * in an otherwise idle Node process (0.1-0.2 ms without it, 0.3-0.4 ms at 500 ms), and an idle worker went from
 * 4.6-6.6 to 1.0-1.6 ms/s (bench/idle-wakeup.bench.ts; docs/performance.md, Bottlenecks 5). What the series
 * mean is unchanged (the delay of each sample, reset at every scrape); a stall shorter than the interval is
 * caught when a sample falls due during it. `nodejs_eventloop_lag_seconds` (the alert's series, one
 * setImmediate at scrape time) and the liveness check's own sampling (HealthRegistry.watchEventLoop, every
 * 500 ms) do not depend on it.
 */
export const EVENT_LOOP_MONITORING_PRECISION_MS = 500;

export interface CreateOperatorMetricsOptions {
  /** One registry per process; a fresh one by default (never the prom-client global). */
  registry?: Registry;
  /** Node/process default metrics (process_cpu_seconds_total, nodejs_heap_*, …). Default true. */
  collectDefault?: boolean;
  /** Sets lostromos_info{role,version} = 1, so dashboards can count processes per role. */
  info?: { role: string; version: string };
  /** Clock in milliseconds for in-progress work (default performance.now). */
  now?: () => number;
  /**
   * The roles this process runs (default both). A process exports only the series it can know: a worker
   * has no leader gauge or CR counts, a watcher no reconcile counters, a dashboard neither — an exported 0
   * there would be a lie (e.g. `releases_create_total 0` on the watcher while the workers created 40).
   */
  runs?: { watcher: boolean; worker: boolean };
}

/** The metric families only a watcher knows (it leads, watches and enqueues). */
export const WATCHER_METRICS = [
  'leader_election_master_status',
  'workqueue_adds_total',
  'lostromos_managed_crs',
  'lostromos_watch_restarts_total',
  'lostromos_watch_relists_total',
  'releases_total',
  'releases_events_total',
] as const;

/** The metric families only a worker knows (it renders, applies and reports). */
export const WORKER_METRICS = [
  'controller_runtime_reconcile_total',
  'controller_runtime_reconcile_errors_total',
  'controller_runtime_terminal_reconcile_errors_total',
  'controller_runtime_reconcile_time_seconds',
  'controller_runtime_active_workers',
  'controller_runtime_max_concurrent_reconciles',
  'workqueue_queue_duration_seconds',
  'workqueue_work_duration_seconds',
  'workqueue_retries_total',
  'workqueue_unfinished_work_seconds',
  'workqueue_longest_running_processor_seconds',
  'lostromos_objects_applied_total',
  'lostromos_objects_pruned_total',
  'lostromos_objects_deleted_total',
  'lostromos_recheck_reconciles_total',
  'lostromos_recheck_requests_total',
  'lostromos_render_duration_seconds',
  'lostromos_render_errors_total',
  'releases_create_total',
  'releases_create_error_total',
  'releases_update_total',
  'releases_update_error_total',
  'releases_delete_total',
  'releases_delete_error_total',
  'releases_last_create_timestamp_utc_seconds',
  'releases_last_update_timestamp_utc_seconds',
  'releases_last_delete_timestamp_utc_seconds',
] as const;

// Gauges whose value is computed at scrape time by other modules (queue metrics) register a hook here;
// keyed by the gauge instance, so there is no process-wide state.
const collectHooks = new WeakMap<object, Set<() => Promise<void>>>();

/** Lets another collector (e.g. {@link registerQueueMetrics}) refresh `gauge` before each scrape. */
export function addCollectHook(gauge: object, hook: () => Promise<void>): () => void {
  const hooks = collectHooks.get(gauge);
  if (!hooks) throw new Error('addCollectHook: this gauge was not created by createOperatorMetrics');
  hooks.add(hook);
  return () => hooks.delete(hook);
}

function hookedGaugeCollect(this: object): Promise<void> | undefined {
  const hooks = collectHooks.get(this);
  if (!hooks || hooks.size === 0) return undefined;
  return Promise.all([...hooks].map((h) => h())).then(() => undefined);
}

/** Every metric of a Lostrómos process, registered on one registry and handed out as typed handles. */
export function createOperatorMetrics(opts: CreateOperatorMetricsOptions = {}): OperatorMetrics {
  const registry = opts.registry ?? new Registry();
  const registers = [registry];
  if (opts.collectDefault ?? true)
    collectDefaultMetrics({
      register: registry,
      eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS,
    });

  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
    new Counter<L>({ name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> =>
    new Gauge<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
  ): Histogram<L> => new Histogram<L>({ name, help, labelNames, buckets: [...buckets], registers });
  const wq = ['name', 'controller'] as const;

  const workqueueDepth = new Gauge<WorkqueueLabels>({
    name: 'workqueue_depth',
    help: 'Current depth of workqueue (jobs waiting to be processed, read from BullMQ)',
    labelNames: wq,
    registers,
    collect: hookedGaugeCollect,
  });
  collectHooks.set(workqueueDepth, new Set());
  // Computed at scrape time by the watcher from its informer caches (addCollectHook).
  const managedCrs = new Gauge<'controller' | 'ready'>({
    name: 'lostromos_managed_crs',
    help: 'Custom resources managed per controller, by Ready condition (true, false, unknown)',
    labelNames: ['controller', 'ready'],
    registers,
    collect: hookedGaugeCollect,
  });
  collectHooks.set(managedCrs, new Set());
  const releasesTotal = new Gauge({
    name: 'releases_total',
    help: 'The number of releases managed',
    labelNames: [],
    registers,
    collect: hookedGaugeCollect,
  });
  collectHooks.set(releasesTotal, new Set());

  // Jobs in progress per controller: id → start time. Only controllers that ever had work get series.
  const now = opts.now ?? (() => performance.now());
  const inFlight = new Map<string, Map<number, number>>();
  let nextWorkId = 0;
  const collectInFlight = (): void => {
    const t = now();
    for (const [controller, jobs] of inFlight) {
      let total = 0;
      let longest = 0;
      for (const started of jobs.values()) {
        const age = Math.max(0, (t - started) / 1000);
        total += age;
        longest = Math.max(longest, age);
      }
      const labels = { name: controller, controller };
      m.workqueueUnfinishedWork.set(labels, total);
      m.workqueueLongestRunningProcessor.set(labels, longest);
    }
  };

  const m = {
    registry,
    reconcileTotal: counter(
      'controller_runtime_reconcile_total',
      'Total number of reconciliations per controller',
      ['controller', 'result'],
    ),
    reconcileErrors: counter(
      'controller_runtime_reconcile_errors_total',
      'Total number of reconciliation errors per controller',
      ['controller'],
    ),
    terminalReconcileErrors: counter(
      'controller_runtime_terminal_reconcile_errors_total',
      'Total number of terminal reconciliation errors per controller (render/validation/policy: not retried)',
      ['controller'],
    ),
    reconcileTime: histogram(
      'controller_runtime_reconcile_time_seconds',
      'Length of time per reconciliation per controller',
      ['controller'],
      RECONCILE_TIME_BUCKETS,
    ),
    activeWorkers: gauge(
      'controller_runtime_active_workers',
      'Number of currently used workers (reconciles in progress) per controller',
      ['controller'],
    ),
    maxConcurrentReconciles: gauge(
      'controller_runtime_max_concurrent_reconciles',
      'Maximum number of concurrent reconciles per controller',
      ['controller'],
    ),
    workqueueDepth,
    workqueueAdds: counter('workqueue_adds_total', 'Total number of adds handled by workqueue', wq),
    workqueueQueueDuration: histogram(
      'workqueue_queue_duration_seconds',
      'How long in seconds an item stays in workqueue before being requested',
      wq,
      WORKQUEUE_BUCKETS,
    ),
    workqueueWorkDuration: histogram(
      'workqueue_work_duration_seconds',
      'How long in seconds processing an item from workqueue takes',
      wq,
      WORKQUEUE_BUCKETS,
    ),
    workqueueRetries: counter('workqueue_retries_total', 'Total number of retries handled by workqueue', wq),
    workqueueUnfinishedWork: new Gauge<WorkqueueLabels>({
      name: 'workqueue_unfinished_work_seconds',
      help: 'How many seconds of work has been done that is in progress and has not been observed by work_duration',
      labelNames: wq,
      registers,
      collect: () => collectInFlight(),
    }),
    workqueueLongestRunningProcessor: new Gauge<WorkqueueLabels>({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running',
      labelNames: wq,
      registers,
      collect: () => collectInFlight(),
    }),
    leaderElectionMasterStatus: gauge(
      'leader_election_master_status',
      'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master',
      ['name'],
    ),
    restClientRequests: counter(
      'rest_client_requests_total',
      'Number of HTTP requests to the Kubernetes API, partitioned by status code and method',
      ['method', 'code'],
    ),
    restClientLatency: histogram(
      'rest_client_request_duration_seconds',
      'Request latency in seconds to the Kubernetes API, broken down by verb',
      ['verb'],
      REST_CLIENT_BUCKETS,
    ),
    watchRestarts: counter(
      'lostromos_watch_restarts_total',
      'Watches of a resource that ended or failed and were restarted',
      ['controller'],
    ),
    watchRelists: counter(
      'lostromos_watch_relists_total',
      'Full relists of a resource after its watch history expired (410 Gone)',
      ['controller'],
    ),
    objectsApplied: counter(
      'lostromos_objects_applied_total',
      'Objects server-side applied, by controller and kind',
      ['controller', 'kind'],
    ),
    objectsPruned: counter(
      'lostromos_objects_pruned_total',
      'Objects deleted because the CR no longer renders them, by controller and kind',
      ['controller', 'kind'],
    ),
    objectsDeleted: counter(
      'lostromos_objects_deleted_total',
      'Objects deleted because their CR was deleted, by controller and kind',
      ['controller', 'kind'],
    ),
    recheckReconciles: counter(
      'lostromos_recheck_reconciles_total',
      'Reconciles that found every object up to date and applied nothing (readiness re-checks, echoes, resyncs), by controller and trigger (job name)',
      ['controller', 'trigger'],
    ),
    recheckRequests: counter(
      'lostromos_recheck_requests_total',
      'Kubernetes API requests sent by the reconciles counted in lostromos_recheck_reconciles_total',
      ['controller'],
    ),
    renderSeconds: histogram(
      'lostromos_render_duration_seconds',
      'Time to render one CR through its templates or chart',
      ['controller'],
      RENDER_BUCKETS,
    ),
    renderErrors: counter('lostromos_render_errors_total', 'Render failures by controller and reason', [
      'controller',
      'reason',
    ]),
    managedCrs,
    redisUp: gauge('lostromos_redis_up', 'Whether this process can reach Redis (1) or not (0)', []),
    info: gauge('lostromos_info', 'Always 1; labels say which role and version this process runs', [
      'role',
      'version',
    ]),
    releasesCreate: counter('releases_create_total', 'The number of releases created', []),
    releasesCreateError: counter('releases_create_error_total', 'The number of errors creating releases', []),
    releasesUpdate: counter('releases_update_total', 'The number of releases updated', []),
    releasesUpdateError: counter('releases_update_error_total', 'The number of errors updating releases', []),
    releasesDelete: counter('releases_delete_total', 'The number of releases deleted', []),
    releasesDeleteError: counter('releases_delete_error_total', 'The number of errors deleting releases', []),
    releasesTotal,
    releasesEvents: counter('releases_events_total', 'The number of events seen by the controller', []),
    releasesLastCreate: gauge(
      'releases_last_create_timestamp_utc_seconds',
      'The timestamp of the last release create, in UTC seconds',
      [],
    ),
    releasesLastUpdate: gauge(
      'releases_last_update_timestamp_utc_seconds',
      'The timestamp of the last release update, in UTC seconds',
      [],
    ),
    releasesLastDelete: gauge(
      'releases_last_delete_timestamp_utc_seconds',
      'The timestamp of the last release delete, in UTC seconds',
      [],
    ),
  };

  if (opts.info) m.info.set({ role: opts.info.role, version: opts.info.version }, 1);
  // The handles stay usable (a shared code path may still count); what this process cannot know is not exported.
  const runs = opts.runs ?? { watcher: true, worker: true };
  if (!runs.watcher) for (const name of WATCHER_METRICS) registry.removeSingleMetric(name);
  if (!runs.worker) for (const name of WORKER_METRICS) registry.removeSingleMetric(name);

  const observeReconcile = (controller: string, result: ReconcileResultLabel, seconds: number): void => {
    m.reconcileTotal.inc({ controller, result });
    if (result === 'error') m.reconcileErrors.inc({ controller });
    m.reconcileTime.observe({ controller }, seconds);
  };
  const observeRelease = (op: 'create' | 'update' | 'delete', ok: boolean, at: Date = new Date()): void => {
    const pick = {
      create: [m.releasesCreate, m.releasesCreateError, m.releasesLastCreate],
      update: [m.releasesUpdate, m.releasesUpdateError, m.releasesLastUpdate],
      delete: [m.releasesDelete, m.releasesDeleteError, m.releasesLastDelete],
    } as const;
    const [okCounter, errCounter, last] = pick[op];
    if (ok) {
      okCounter.inc();
      last.set(at.getTime() / 1000);
    } else {
      errCounter.inc();
    }
  };
  const beginWork = (controller: string): (() => void) => {
    const id = nextWorkId++;
    let jobs = inFlight.get(controller);
    if (!jobs) inFlight.set(controller, (jobs = new Map<number, number>()));
    jobs.set(id, now());
    const running = jobs;
    return () => {
      running.delete(id);
    };
  };
  return { ...m, observeReconcile, observeRelease, beginWork };
}
