import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { clearCrFailure, recordCrFailure } from './cr-failures.js';
import { BACKOFF_TYPE, KEEP_COMPLETED, KEEP_FAILED, retryDelayMs, type CrJobData } from './job-options.js';
import { retryAfterMsOf } from '@lostromos/model';

/** What a processed job returns (stored as the job's return value, visible in Bull Board). */
export interface CrJobResult {
  outcome: string;
  /** Run the key again after this delay (RequeueAfter), unless an event runs it sooner. */
  requeueAfterMs?: number;
  /**
   * Set when the reconcile failed permanently (the job still completes): recorded as the CR's failure for the
   * dashboard (see cr-failures.ts); a result without it clears the CR's failure record.
   */
  error?: { code: string; reason?: string; message: string; retryable?: boolean };
  [field: string]: unknown;
}

export interface CrJobInfo {
  id: string;
  name: string;
  attemptsMade: number;
  /** When the job was added (ms since epoch). */
  timestamp: number;
  processedOn?: number;
  /** The delay the job was added with (a requeue's RequeueAfter), when it had one. */
  delayMs?: number;
}

export interface CrWorkerOptions {
  queueName: string;
  prefix: string;
  /** A worker connection (maxRetriesPerRequest: null); BullMQ duplicates it for blocking reads. */
  connection: Redis;
  concurrency: number;
  lockDurationMs: number;
  /** Reconciles one key. Throw an error with `retryable: true` (and `retryAfterMs`) to retry with backoff. */
  process(key: string, job: CrJobInfo): Promise<CrJobResult>;
  /** Called after a job completed asking for a requeue; the caller adds a delayed job. */
  onRequeue?(key: string, delayMs: number): void | Promise<void>;
  /** Called after a retryable failure (the job is retried later unless attempts are exhausted). */
  onFailed?(key: string, err: Error, willRetry: boolean): void;
  /** Worker name stored on jobs (process identity). */
  name?: string;
  random?: () => number;
}

function stringField(err: unknown, name: string): string | undefined {
  const v = typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Consumes one resource queue with BullMQ: `concurrency` keys at a time in this process, job locks of
 * `lockDurationMs` renewed while a reconcile runs (so no other replica takes the key), stalled jobs of dead
 * workers recovered after one stalled interval, retries with jittered exponential backoff honouring Retry-After.
 */
export class CrWorker {
  readonly worker: Worker<CrJobData, CrJobResult>;

  constructor(private readonly opts: CrWorkerOptions) {
    this.worker = new Worker<CrJobData, CrJobResult>(
      opts.queueName,
      async (job: Job<CrJobData, CrJobResult>) => {
        let result: CrJobResult;
        try {
          result = await opts.process(job.data.key, {
            id: job.id ?? '',
            name: job.name,
            attemptsMade: job.attemptsMade,
            timestamp: job.timestamp,
            ...(job.processedOn !== undefined ? { processedOn: job.processedOn } : {}),
            ...(job.delay > 0 ? { delayMs: job.delay } : {}),
          });
        } catch (err) {
          await this.recordOutcome(job, { thrown: err });
          throw err;
        }
        await this.recordOutcome(job, { result });
        return result;
      },
      {
        connection: opts.connection,
        prefix: opts.prefix,
        concurrency: opts.concurrency,
        lockDuration: opts.lockDurationMs,
        // Recover the jobs of a killed worker within about one lock duration.
        stalledInterval: Math.min(30_000, opts.lockDurationMs),
        maxStalledCount: 3,
        autorun: false,
        removeOnComplete: KEEP_COMPLETED,
        removeOnFail: KEEP_FAILED,
        ...(opts.name ? { name: opts.name } : {}),
        settings: {
          backoffStrategy: (attemptsMade: number, type?: string, err?: Error) =>
            type === BACKOFF_TYPE || type === undefined
              ? retryDelayMs(attemptsMade, retryAfterMsOf(err), opts.random)
              : 1000,
        },
      },
    );
    this.worker.on('completed', (job, result) => {
      const delay = result?.requeueAfterMs;
      if (delay !== undefined && delay > 0) void Promise.resolve(opts.onRequeue?.(job.data.key, delay));
    });
    this.worker.on('failed', (job, err) => {
      if (!job) return;
      const willRetry = job.attemptsMade < (job.opts.attempts ?? 1);
      opts.onFailed?.(job.data.key, err, willRetry);
    });
  }

  /**
   * Keeps the CR's failure record (cr-failures.ts) in step with its last reconcile, written while the job still
   * holds its lock so records of one CR are written in reconcile order. A failed write never fails the job.
   */
  private async recordOutcome(
    job: Job<CrJobData, CrJobResult>,
    outcome: { result: CrJobResult } | { thrown: unknown },
  ): Promise<void> {
    const { connection: redis, prefix, queueName } = this.opts;
    const key = job.data.key;
    try {
      if ('result' in outcome && !outcome.result.error) {
        // Sent, not awaited: it goes out on the connection BullMQ completes the job on, right before that
        // completion, so Redis still runs it while the job holds its lock, and the two share a round trip
        // instead of costing one each (a reconcile that succeeds almost always has nothing to clear).
        clearCrFailure(redis, prefix, queueName, key).catch(() => undefined);
        return;
      }
      const attempt = job.attemptsMade + 1;
      const maxAttempts = job.opts.attempts ?? 1;
      const common = {
        key,
        at: new Date().toISOString(),
        jobId: job.id ?? '',
        trigger: job.name,
        attempt,
        maxAttempts,
        ...(this.opts.name ? { worker: this.opts.name } : {}),
      };
      if ('result' in outcome) {
        const e = outcome.result.error!;
        await recordCrFailure(redis, prefix, queueName, {
          ...common,
          state: 'failed',
          reason: e.reason ?? e.code,
          code: e.code,
          message: e.message,
        });
      } else {
        const err = outcome.thrown;
        const code = stringField(err, 'code');
        await recordCrFailure(redis, prefix, queueName, {
          ...common,
          state: attempt < maxAttempts ? 'retrying' : 'gave-up',
          reason: stringField(err, 'reason') ?? code ?? (err instanceof Error ? err.name : 'Error'),
          ...(code ? { code } : {}),
          message: err instanceof Error ? err.message : String(err),
        });
      }
    } catch {
      // Redis trouble: the job's own completion meets the same problem and BullMQ handles it; the record is
      // rewritten by the CR's next reconcile.
    }
  }

  /** Starts taking jobs; idempotent. */
  start(): void {
    if (!this.worker.isRunning()) void this.worker.run();
  }

  /**
   * Stops taking jobs and waits up to `graceMs` for the in-flight ones (and for Redis to take the worker's
   * goodbye); after that it returns 'forced' without waiting further: unfinished jobs are recovered by
   * another replica once their locks expire. BullMQ's close() then still waits (on a reconcile, or on a Redis
   * that does not answer, for ever): the caller ends it by closing the connections (closeRedis).
   */
  async close(graceMs: number): Promise<'drained' | 'forced'> {
    // Without Redis no running job can complete (its result goes to Redis) and a graceful close waits for
    // Redis for ever (its lock-extender timer keeps the process alive): close by force at once.
    if (this.opts.connection.status !== 'ready') {
      await this.worker.close(true).catch(() => undefined);
      return 'forced';
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'forced'>((r) => (timer = setTimeout(() => r('forced'), graceMs)));
    const closing = this.worker.close().then(
      () => 'drained' as const,
      // A failed close (Redis gone mid-way) still stopped the worker; the connections are closed next.
      () => 'drained' as const,
    );
    const result = await Promise.race([closing, timeout]);
    clearTimeout(timer);
    return result;
  }
}
