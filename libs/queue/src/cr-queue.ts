import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  crJobOptions,
  EVENTS_STREAM_MAX_LEN,
  JOB_PRIORITY,
  type CrJobData,
  type EnqueueReason,
} from './job-options.js';

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
    if (reason === 'event' && job.id !== undefined) await this.raiseEvents(q, [job.id]);
  }

  /**
   * Enqueues several CR keys of one queue in one round trip (one pipeline of adds, each deduplicated on its own
   * as by {@link enqueue}), then raises the events that coalesced into lower-priority jobs, again in one round
   * trip plus one per job actually raised.
   */
  async enqueueMany(queueName: string, items: readonly EnqueueItem[]): Promise<void> {
    if (items.length === 0) return;
    const q = this.queue(queueName);
    const jobs = await q.addBulk(
      items.map(({ key, reason }) => ({ name: reason, data: { key }, opts: crJobOptions(key, reason) })),
    );
    const events = jobs.filter((j, i) => items[i]!.reason === 'event' && j.id !== undefined);
    await this.raiseEvents(
      q,
      events.map((j) => j.id!),
    );
  }

  /**
   * An event add that coalesced into a job of the key already there returns that job: when it is waiting with a
   * lower priority, it becomes an event job. Only the priority field of each job is read (one HGET each, in
   * one pipeline) — a new event job has none — and a job is loaded only to be raised.
   */
  private async raiseEvents(q: Queue<CrJobData>, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const pipeline = this.opts.connection.pipeline();
    for (const id of ids) pipeline.hget(q.toKey(id), 'priority');
    const replies = (await pipeline.exec()) ?? [];
    for (const [i, [err, value]] of replies.entries()) {
      if (err) throw err;
      if (Number(value ?? 0) <= JOB_PRIORITY.event) continue;
      const stored = await q.getJob(ids[i]!);
      if (stored && (stored.priority ?? 0) > JOB_PRIORITY.event)
        await stored.changePriority({ priority: JOB_PRIORITY.event });
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
