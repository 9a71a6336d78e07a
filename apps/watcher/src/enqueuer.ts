import type { HealthRegistry, Logger, OperatorMetrics } from '@lostromos/observability';
import { JOB_PRIORITY, type CrQueueProducer, type EnqueueItem, type EnqueueReason } from '@lostromos/queue';

/** A key waiting to be sent: the most urgent reason it was enqueued for, and whether any asked to verify. */
interface Pending {
  reason: EnqueueReason;
  verify: boolean;
}

export interface EnqueuerOptions {
  producer: Pick<CrQueueProducer, 'enqueueMany'>;
  metrics: OperatorMetrics;
  health: HealthRegistry;
  logger: Logger;
  /** Whether this process may enqueue for the resource now (it leads the resource's shard). */
  mayEnqueue: (resource: string) => boolean;
  /** At most this many batches in flight (a first list of thousands of CRs must not open thousands). */
  maxInflight?: number;
  /** At most this many keys per batch: one pipeline of adds, one round trip to Redis. */
  maxBatch?: number;
}

/**
 * The watcher's path to the queues: a bounded pump of adds, checked against leadership when each batch really
 * goes out (a replica that lost a shard meanwhile stays silent), and Redis-outage tracking: while Redis is
 * unreachable adds fail, the watcher keeps watching and reports not ready, and `recovered()` tells the caller
 * to re-enqueue every known CR once Redis is back.
 *
 * Keys waiting here to be sent form a set per resource, like client-go's workqueue: a key enqueued again
 * before it went out is sent once, with the more urgent reason (an event over a resync), so nothing is lost
 * — the one add still follows every change. What is waiting when the pump runs goes out in batches (the adds
 * of one informer notification burst, a relist or a resync pass share round trips instead of one each).
 */
export class Enqueuer {
  private inflight = 0;
  /** resource → key → reason (and whether to verify), in the order the keys were first enqueued. */
  private readonly pending = new Map<string, Map<string, Pending>>();
  private scheduled = false;
  private down = false;
  private readonly maxInflight: number;
  private readonly maxBatch: number;

  constructor(private readonly o: EnqueuerOptions) {
    this.maxInflight = o.maxInflight ?? 4;
    this.maxBatch = o.maxBatch ?? 100;
  }

  get redisDown(): boolean {
    return this.down;
  }

  /** Keys waiting to be sent (all resources). */
  get backlog(): number {
    let n = 0;
    for (const keys of this.pending.values()) n += keys.size;
    return n;
  }

  /**
   * `verify`: one of the CR's objects may have drifted, so its next reconcile must read every object (a verify
   * mark goes to Redis before the add; see @lostromos/queue verify-marks).
   */
  enqueue(resource: string, key: string, reason: EnqueueReason, verify = false): void {
    if (!this.o.mayEnqueue(resource)) return;
    this.o.metrics.workqueueAdds.inc({ name: resource, controller: resource });
    let keys = this.pending.get(resource);
    if (!keys) this.pending.set(resource, (keys = new Map<string, Pending>()));
    const before = keys.get(key);
    if (before === undefined) keys.set(key, { reason, verify });
    else
      keys.set(key, {
        reason: JOB_PRIORITY[reason] < JOB_PRIORITY[before.reason] ? reason : before.reason,
        verify: before.verify || verify,
      });
    // Once per tick: the enqueues of one informer notification burst leave together.
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.pump();
      });
    }
  }

  /**
   * The producer's connection closed: a job Redis accepted just before may be gone (a restart without
   * persistence, a Sentinel failover to a replica that had not received it), so the reconnect re-enqueues
   * every known CR even when no add failed meanwhile.
   */
  connectionLost(): void {
    this.down = true;
  }

  /** Call when the producer's Redis connection is ready again; true when adds were lost meanwhile. */
  recovered(): boolean {
    if (!this.down) return false;
    this.down = false;
    this.o.health.setReady('enqueue', true, 'Redis reachable');
    return true;
  }

  private pump(): void {
    while (this.inflight < this.maxInflight) {
      const batch = this.takeBatch();
      if (!batch) return;
      this.inflight++;
      void this.send(batch.resource, batch.items).finally(() => {
        this.inflight--;
        this.pump();
      });
    }
  }

  /** Up to maxBatch keys of the first resource with keys waiting; that resource then goes last (fairness). */
  private takeBatch(): { resource: string; items: EnqueueItem[] } | undefined {
    for (const [resource, keys] of this.pending) {
      this.pending.delete(resource);
      if (keys.size === 0) continue;
      const items: EnqueueItem[] = [];
      for (const [key, { reason, verify }] of keys) {
        if (items.length >= this.maxBatch) break;
        items.push(verify ? { key, reason, verify } : { key, reason });
        keys.delete(key);
      }
      if (keys.size > 0) this.pending.set(resource, keys);
      return { resource, items };
    }
    return undefined;
  }

  private async send(resource: string, items: EnqueueItem[]): Promise<void> {
    if (!this.o.mayEnqueue(resource)) return;
    try {
      await this.o.producer.enqueueMany(resource, items);
    } catch (err) {
      if (!this.down) {
        this.o.logger.error(
          { err, resource, keys: items.length, key: items[0]?.key },
          'cannot enqueue: Redis unavailable; watching on, every CR is re-enqueued on reconnect',
        );
        this.o.health.setReady('enqueue', false, `Redis unavailable: ${(err as Error).message}`);
      }
      this.down = true;
    }
  }
}
