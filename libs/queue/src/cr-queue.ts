import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { crJobOptions, JOB_PRIORITY, type CrJobData, type EnqueueReason } from './job-options.js';

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

/**
 * Adds CR keys to the per-resource queues. Fails fast (rejects) while Redis is unreachable — the caller decides
 * what to do (the watcher marks itself not ready and re-enqueues everything on reconnect).
 */
export class CrQueueProducer {
  private readonly queues = new Map<string, Queue<CrJobData>>();

  constructor(private readonly opts: CrQueueProducerOptions) {
    for (const name of opts.queues) {
      const q = new Queue<CrJobData>(name, { connection: opts.connection, prefix: opts.prefix });
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
      const stored = await q.getJob(job.id);
      if (stored && (stored.priority ?? 0) > JOB_PRIORITY.event)
        await stored.changePriority({ priority: JOB_PRIORITY.event });
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
