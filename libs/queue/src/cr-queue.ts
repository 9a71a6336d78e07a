import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  crJobOptions,
  EVENTS_STREAM_MAX_LEN,
  JOB_PRIORITY,
  type CrJobData,
  type EnqueueReason,
} from './job-options.js';
import { markForVerify } from './verify-marks.js';

/**
 * Batches smaller than this are sent as single adds: below it, building the pipeline (ioredis copies every
 * script BullMQ defines onto each one) costs the producer more CPU than the round trips it saves (measured:
 * 3,000 adds cost 230 ms of CPU in batches of 64, 260 ms in 32, 290 ms one at a time, 320 ms in 16, 370 ms in 8).
 */
export const BULK_MIN = 24;

export interface CrQueueProducerOptions {
  /** A producer connection (see createRedisConnection(…, 'producer')); not closed by `close()`. */
  connection: Redis;
  /** BullMQ key prefix = config.redis.prefix. */
  prefix: string;
  /** Queue names (= resource names). */
  queues: readonly string[];
  /** Connection-level errors of the queues (without a listener an 'error' event would crash the process). */
  onError?: (err: Error, queue: string) => void;
}

export interface EnqueueOptions {
  delayMs?: number;
}

/** One add of {@link CrQueueProducer.enqueueMany}. */
export interface EnqueueItem {
  key: string;
  reason: EnqueueReason;
  /**
   * One of the CR's objects may have drifted: its next reconcile must read every object (a verify mark,
   * verify-marks.ts, written before the add).
   */
  verify?: boolean;
}

/**
 * Adds CR keys to the per-resource queues. Fails fast (rejects) while Redis is unreachable — the caller decides
 * what to do (the watcher marks itself not ready and re-enqueues everything on reconnect).
 */
export class CrQueueProducer {
  private readonly queues = new Map<string, Queue<CrJobData>>();

  constructor(private readonly opts: CrQueueProducerOptions) {
    for (const name of opts.queues) {
      const q = new Queue<CrJobData>(name, {
        connection: opts.connection,
        prefix: opts.prefix,
        streams: { events: { maxLen: EVENTS_STREAM_MAX_LEN } },
      });
      q.on('error', (err) => opts.onError?.(err, name));
      this.queues.set(name, q);
    }
  }

  queue(name: string): Queue<CrJobData> {
    const q = this.queues.get(name);
    if (!q) throw new Error(`no queue "${name}" (configured: ${[...this.queues.keys()].join(', ')})`);
    return q;
  }

  /**
   * Enqueues one CR key. When a job of the key is already waiting with a lower priority (e.g. a resync), an event
   * raises its priority so the change is not stuck behind the resync backlog.
   */
  async enqueue(
    queueName: string,
    key: string,
    reason: EnqueueReason,
    opts: EnqueueOptions = {},
  ): Promise<void> {
    const q = this.queue(queueName);
    const job = await q.add(reason, { key }, crJobOptions(key, reason, opts.delayMs));
    if (reason === 'event' && job.id !== undefined) {
      const priority = await this.opts.connection.hget(q.toKey(job.id), 'priority');
      await this.raiseIfLower(q, job.id, priority);
    }
  }

  /**
   * Enqueues several CR keys of one queue in one round trip (one pipeline of adds, each deduplicated on its own
   * as by {@link enqueue}), then raises the events that coalesced into lower-priority jobs, again in one round
   * trip plus one per job actually raised. Fewer than {@link BULK_MIN} keys take {@link enqueue}'s path, side
   * by side: an ioredis pipeline costs more to build than it saves for a few commands.
   */
  async enqueueMany(queueName: string, items: readonly EnqueueItem[]): Promise<void> {
    // The marks first (rare: drift), so each is in Redis before its job; a failed mark fails the batch like a
    // failed add (the watcher re-enqueues everything as a relist, which reads every object, on reconnect).
    const marks = items.filter((i) => i.verify);
    if (marks.length > 0)
      await Promise.all(
        marks.map((i) => markForVerify(this.opts.connection, this.opts.prefix, queueName, i.key)),
      );
    if (items.length < BULK_MIN) {
      await Promise.all(items.map((i) => this.enqueue(queueName, i.key, i.reason)));
      return;
    }
    const q = this.queue(queueName);
    const jobs = await q.addBulk(
      items.map(({ key, reason }) => ({ name: reason, data: { key }, opts: crJobOptions(key, reason) })),
    );
    const ids = jobs.flatMap((j, i) => (items[i]!.reason === 'event' && j.id !== undefined ? [j.id] : []));
    if (ids.length === 0) return;
    const pipeline = this.opts.connection.pipeline();
    for (const id of ids) pipeline.hget(q.toKey(id), 'priority');
    const replies = (await pipeline.exec()) ?? [];
    for (const [i, [err, priority]] of replies.entries()) {
      if (err) throw err;
      await this.raiseIfLower(q, ids[i]!, priority);
    }
  }

  /**
   * An event add that coalesced into a job of the key already there returns that job: when it waits with a
   * lower priority (its `priority` field, read by the caller: a new event job has none), it becomes an event
   * job. Only then is the job loaded.
   */
  private async raiseIfLower(q: Queue<CrJobData>, id: string, priority: unknown): Promise<void> {
    if (Number(priority ?? 0) <= JOB_PRIORITY.event) return;
    const stored = await q.getJob(id);
    if (stored && (stored.priority ?? 0) > JOB_PRIORITY.event)
      await stored.changePriority({ priority: JOB_PRIORITY.event });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
