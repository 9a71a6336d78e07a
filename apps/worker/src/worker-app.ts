import type { LostromosConfig, ResourceConfig } from '@lostromos/config';
import { KubeClusterPorts, KubeEventRecorder, type KubeClient } from '@lostromos/kube';
import type { HealthRegistry, Logger, OperatorMetrics } from '@lostromos/observability';
import {
  clearVerifyMark,
  CrWorker,
  InventoryKey,
  TemplateRevisions,
  type CrJobInfo,
  describeRedis,
  readinessRecheckDelayMs,
  readVerifyMark,
  RedisProblemLog,
  usesSentinel,
  type CrJobResult,
  type CrQueueProducer,
} from '@lostromos/queue';
import { reconcile, type CrRenderer } from '@lostromos/reconcile';
import { errorCodeOf, isPermanentError, tryParseCrKey } from '@lostromos/model';
import type { Redis } from 'ioredis';
import { countedPorts } from './counted-ports.js';
import { permanentFailureFields, resultLabel, toJobResult, unreadableCrFailure } from './job-result.js';
import { releaseChangeOf } from './legacy-release-metrics.js';
import { ReconcileTracer } from './reconcile-tracer.js';
import { kindsRecorder, measuredRenderer } from './render-metrics.js';
import { ResilientRenderer } from './resource-renderer.js';
import { RevisionRouting } from './revision-routing.js';

export interface WorkerDeps {
  config: LostromosConfig;
  logger: Logger;
  metrics: OperatorMetrics;
  health: HealthRegistry;
  kube: KubeClient;
  /** A worker connection (maxRetriesPerRequest: null); BullMQ duplicates it per queue. */
  redis: Redis;
  /** Adds RequeueAfter jobs. */
  producer: CrQueueProducer;
  /** Process identity (Event reportingInstance, BullMQ worker name). */
  identity: string;
  /** Count overlapping reconciles per key in Redis (debug; see ReconcileTracer). */
  trace?: boolean;
  /**
   * Where Redis connection problems are told (one line, then one per 30 s); default: this worker's own. The
   * process shares one between its roles and connections.
   */
  redisProblems?: RedisProblemLog;
  /** Renderer per resource name; default: the resource's templates/chart, reloaded on change. */
  renderers?: ReadonlyMap<string, CrRenderer & { close?(): Promise<void> }>;
}

export interface WorkerApp {
  /** The resources this worker serves. */
  readonly resources: readonly ResourceConfig[];
  start(): Promise<void>;
  /** Stops taking jobs, waits up to worker.shutdownGraceSeconds for in-flight reconciles, closes renderers. */
  stop(): Promise<void>;
}

/** Picks `config.worker.resources` (names) or every resource; unknown names are a config error. */
export function selectResources(config: LostromosConfig): ResourceConfig[] {
  const wanted = config.worker.resources;
  if (wanted.length === 0) return [...config.resources];
  const known = new Set(config.resources.map((r) => r.name));
  const unknown = wanted.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new Error(
      `worker.resources names unknown resources: ${unknown.join(', ')} (configured: ${[...known].join(', ') || 'none'}); fix --worker-resources / worker.resources`,
    );
  }
  return config.resources.filter((r) => wanted.includes(r.name));
}

/**
 * The worker role: one BullMQ consumer per served resource queue running `reconcile()` with the Kubernetes
 * ports. Outcomes map to jobs as follows: permanent failures complete the job (the failure is in the CR status,
 * an Event and the job's return value; no retries), retryable errors throw so BullMQ retries with backoff,
 * `requeueAfterMs` adds a delayed job for the key once this one has finished.
 */
export function buildWorker(deps: WorkerDeps): WorkerApp {
  const { config, metrics, health } = deps;
  const log = deps.logger.child({ component: 'worker' });
  const resources = selectResources(config);
  const ports = new KubeClusterPorts({ client: deps.kube.rest, discovery: deps.kube.discovery });
  const recorder = new KubeEventRecorder({ client: deps.kube.rest, instance: deps.identity, logger: log });
  const tracer = deps.trace ? new ReconcileTracer(deps.redis, `${config.redis.prefix}`) : undefined;
  const renderers = new Map<string, CrRenderer & { close?(): Promise<void> }>();
  const workers: CrWorker[] = [];
  let started = false;
  const redisProblems =
    deps.redisProblems ??
    new RedisProblemLog({
      target: describeRedis(config.redis),
      field: usesSentinel(config.redis) ? 'redis.sentinels' : 'redis.url',
      logger: log,
    });
  // The revision each served resource renders with, reported to Redis: the leading watcher re-enqueues a
  // resource's CRs when the revisions its workers run change (this process owns what it renders).
  const revisions = new TemplateRevisions({ connection: deps.redis, prefix: config.redis.prefix });
  // Seals what each reconcile records per object, so the next one may apply by recorded uid without a read.
  const inventoryKey = new InventoryKey({ connection: deps.redis, prefix: config.redis.prefix });
  // What each resource's templates render here: the leading watcher watches these kinds for drift.
  const renderedKinds = new Map<string, Set<string>>();
  const reportRevision = (resource: string, revision: string): void => {
    const kinds = [...(renderedKinds.get(resource) ?? [])];
    routing.publish(resource, revision, kinds, renderers.get(resource)).catch((err: unknown) => {
      // Redis unreachable: said once by redisProblems, not once per heartbeat and resource.
      if (!redisProblems.report(err))
        log.warn(
          { err, resource },
          'could not report the template revision; retrying with the next heartbeat',
        );
    });
  };
  let heartbeat: NodeJS.Timeout | undefined;
  // Stores each loaded revision for every worker, and renders each CR with the revision it should be on.
  const routing = new RevisionRouting({
    config,
    redis: deps.redis,
    revisions,
    identity: deps.identity,
    logger: log,
  });

  const setRedisReady = (): void => {
    const ok = deps.redis.status === 'ready';
    health.setReady('worker-redis', ok, ok ? 'connected' : `redis connection ${deps.redis.status}`);
  };

  /**
   * The CR's verify mark (@lostromos/queue verify-marks), read when the reconcile asks whether the objects it
   * applied before are as it left them: yes for an `event`, `new` or `requeue` job of an unmarked CR; a `resync`,
   * `relist` or `templates` job, or a mark, reads every object. After a successful reconcile the mark it read
   * is removed (not a newer one); a failed reconcile leaves it for the retry.
   */
  const verifyMarksOf = (queue: string, keyText: string, trigger: string) => {
    let token: string | undefined;
    return {
      unchanged: async (): Promise<boolean> => {
        if (trigger !== 'event' && trigger !== 'new' && trigger !== 'requeue') return false;
        token = await readVerifyMark(deps.redis, config.redis.prefix, queue, keyText);
        return token === undefined;
      },
      done: (): void => {
        if (token === undefined) return;
        clearVerifyMark(deps.redis, config.redis.prefix, queue, keyText, token).catch((err: unknown) =>
          log.debug(
            { err, key: keyText },
            'could not clear the verify mark; the next reconcile reads every object',
          ),
        );
      },
    };
  };

  const processFor =
    (resource: ResourceConfig, rendererFor: () => CrRenderer) =>
    async (keyText: string, job: CrJobInfo): Promise<CrJobResult> => {
      const controller = resource.name;
      const key = tryParseCrKey(keyText);
      // A key that is no CR of this queue's resource (written by hand, or by another deployment sharing the
      // Redis prefix) is never retried: one error line, and the job completes with the reason.
      if (!key || key.group !== resource.group || key.plural !== resource.plural) {
        const message = `job key ${JSON.stringify(keyText)} is not a CR of resource ${controller} (expected ${resource.group}/${resource.plural}/<namespace>/<name>): was it added by hand, or does another Lostrómos share redis.prefix?`;
        log.error({ resource: controller, jobId: job.id, key: keyText }, message);
        return {
          outcome: 'failed-permanent',
          error: { code: 'LZ_INVALID_JOB_KEY', reason: 'InvalidJobKey', message, retryable: false },
        };
      }
      const jlog = log.child({
        resource: controller,
        namespace: key.namespace,
        name: key.name,
        jobId: job.id,
        trigger: job.name,
      });
      metrics.workqueueQueueDuration.observe(
        { name: controller, controller },
        Math.max(0, (Date.now() - job.timestamp) / 1000),
      );
      metrics.activeWorkers.inc({ controller });
      const endWork = metrics.beginWork(controller);
      const started = performance.now();
      await tracer?.start(keyText);
      const jobRenderer = rendererFor();
      const counted = countedPorts(ports, recorder);
      const marks = verifyMarksOf(controller, keyText, job.name);
      try {
        const result = await reconcile(key, {
          reader: counted.reader,
          writer: counted.writer,
          events: counted.events,
          // Objects not ready yet: the watcher's event on their change is the trigger, this a fallback.
          readinessPollMs: readinessRecheckDelayMs(job.name, job.delayMs),
          renderer: jobRenderer,
          resource,
          logger: jlog,
          inventoryKey: await inventoryKey.get(),
          appliedObjectsUnchanged: marks.unchanged,
          hooks: {
            onApply: (ref) => metrics.objectsApplied.inc({ controller, kind: ref.kind }),
            onPrune: (ref) => metrics.objectsPruned.inc({ controller, kind: ref.kind }),
            onDelete: (ref) => metrics.objectsDeleted.inc({ controller, kind: ref.kind }),
          },
        });
        await routing.recordOutcome(resource, keyText, result, jobRenderer.revision);
        if (result.outcome !== 'failed-permanent') marks.done();
        const seconds = (performance.now() - started) / 1000;
        metrics.observeReconcile(controller, resultLabel(result), seconds);
        if (result.outcome === 'unchanged') {
          metrics.recheckReconciles.inc({ controller, trigger: job.name });
          metrics.recheckRequests.inc({ controller }, counted.requests());
        }
        if (result.outcome === 'failed-permanent') {
          metrics.terminalReconcileErrors.inc({ controller });
          // The one line of a permanent failure (reconcile() logs none).
          jlog.warn(permanentFailureFields(keyText, result.error, seconds), 'reconcile failed permanently');
        } else {
          jlog.debug(
            { outcome: result.outcome, writes: result.writes, durationMs: Math.round(seconds * 1000) },
            'reconcile finished',
          );
        }
        // The original tool's releases_* counters, derived from the result's facts.
        const release = releaseChangeOf(result);
        if (release) metrics.observeRelease(release.op, release.ok);
        return toJobResult(result);
      } catch (err) {
        const seconds = (performance.now() - started) / 1000;
        metrics.observeReconcile(controller, 'error', seconds);
        if (isPermanentError(err)) {
          // reconcile() reports every permanent failure on the CR, except a CR it cannot read at all (getCr
          // refused, e.g. RBAC or the CRD gone): final too, and told by the same one line.
          metrics.terminalReconcileErrors.inc({ controller });
          const failure = unreadableCrFailure(err);
          jlog.warn(permanentFailureFields(keyText, failure, seconds), 'reconcile failed permanently');
          return { outcome: 'failed-permanent', error: failure };
        }
        jlog.warn(
          { err, code: errorCodeOf(err), attempt: job.attemptsMade + 1 },
          'reconcile failed; will retry with backoff',
        );
        throw err instanceof Error ? err : new Error(String(err));
      } finally {
        metrics.workqueueWorkDuration.observe(
          { name: controller, controller },
          (performance.now() - started) / 1000,
        );
        metrics.activeWorkers.dec({ controller });
        endWork();
        await tracer?.end(keyText);
      }
    };

  return {
    resources,
    async start() {
      if (started) return;
      started = true;
      setRedisReady();
      deps.redis.on('ready', setRedisReady);
      deps.redis.on('close', setRedisReady);
      deps.redis.on('end', setRedisReady);
      for (const resource of resources) {
        let renderer = deps.renderers?.get(resource.name);
        if (!renderer) {
          const r = new ResilientRenderer(resource, config.helm, log, (rev) =>
            reportRevision(resource.name, rev),
          );
          await r.load();
          renderer = r;
        }
        renderers.set(resource.name, renderer);
        const router = routing.router(resource, renderer);
        metrics.maxConcurrentReconciles.set({ controller: resource.name }, resource.concurrency);
        const worker = new CrWorker({
          queueName: resource.name,
          prefix: config.redis.prefix,
          connection: deps.redis,
          concurrency: resource.concurrency,
          lockDurationMs: config.worker.lockDurationMs,
          name: deps.identity,
          process: processFor(resource, () =>
            kindsRecorder(measuredRenderer(router.forJob(), resource.name, metrics), (kinds) => {
              const known = renderedKinds.get(resource.name) ?? new Set<string>();
              renderedKinds.set(resource.name, known);
              const before = known.size;
              for (const k of kinds) known.add(k);
              if (known.size > before) reportRevision(resource.name, renderer.revision);
            }),
          ),
          onRequeue: async (key, delayMs) => {
            try {
              await deps.producer.enqueue(resource.name, key, 'requeue', { delayMs });
            } catch (err) {
              // The periodic resync brings the key back; say so instead of failing silently.
              log.warn(
                { err, resource: resource.name, key, delayMs },
                'could not schedule a requeue; the next resync will cover it',
              );
            }
          },
          onFailed: (key, err, willRetry) => {
            metrics.workqueueRetries.inc({ name: resource.name, controller: resource.name });
            if (!willRetry)
              log.error(
                { err, resource: resource.name, key },
                'job failed after its last attempt; left in the failed set for inspection',
              );
          },
        });
        // Every failed (re)connect of every BullMQ connection arrives here: connection problems are told once
        // (and then every 30 s) by redisProblems, anything else as it comes.
        worker.worker.on('error', (err) => {
          if (!redisProblems.report(err)) log.error({ err, resource: resource.name }, 'queue worker error');
        });
        workers.push(worker);
        worker.start();
      }
      const beat = (): void => {
        for (const [name, r] of renderers) reportRevision(name, r.revision);
      };
      beat();
      heartbeat = setInterval(beat, 10_000);
      heartbeat.unref();
      health.setReady('worker', true, `serving ${resources.map((r) => r.name).join(', ')}`);
      log.info({ resources: resources.map((r) => r.name) }, 'worker started');
    },
    async stop() {
      if (!started) return;
      started = false;
      health.setReady('worker', false, 'stopping');
      const graceMs = config.worker.shutdownGraceSeconds * 1000;
      const results = await Promise.all(workers.map((w) => w.close(graceMs)));
      if (results.includes('forced') && redisProblems.problem) {
        log.warn(
          { redis: describeRedis(config.redis) },
          'Redis is not available: stopped without waiting for it; jobs that were running are retried by another worker once their locks expire',
        );
      } else if (results.includes('forced')) {
        log.warn(
          { graceMs },
          'in-flight reconciles did not finish within the grace period; their jobs will be retried by another worker',
        );
      }
      workers.length = 0;
      clearInterval(heartbeat);
      // Bounded: with Redis down a worker connection would wait forever; the report expires by itself.
      await Promise.race([
        Promise.all([...renderers.keys()].map((name) => revisions.withdraw(name, deps.identity))),
        new Promise((r) => setTimeout(r, 1000).unref()),
      ]).catch((err: unknown) => {
        log.debug({ err }, 'could not withdraw the template revisions; they expire by themselves');
      });
      await Promise.all([...renderers.values()].map((r) => (r.close ? r.close() : Promise.resolve())));
      renderers.clear();
      await routing.close();
      deps.redis.off('ready', setRedisReady);
      deps.redis.off('close', setRedisReady);
      deps.redis.off('end', setRedisReady);
      log.info('worker stopped');
    },
  };
}
