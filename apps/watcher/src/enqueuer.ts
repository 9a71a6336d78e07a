import type { HealthRegistry, Logger, OperatorMetrics } from '@lostromos/observability';
import type { CrQueueProducer, EnqueueReason } from '@lostromos/queue';

export interface EnqueuerOptions {
  producer: CrQueueProducer;
  metrics: OperatorMetrics;
  health: HealthRegistry;
  logger: Logger;
  /** Whether this process may enqueue for the resource now (it leads the resource's shard). */
  mayEnqueue: (resource: string) => boolean;
  /** At most this many adds in flight (a first list of thousands of CRs must not open thousands). */
  maxInflight?: number;
}

/**
 * The watcher's path to the queues: a bounded pump of adds, checked against leadership when each add really
 * goes out (a replica that lost a shard meanwhile stays silent), and Redis-outage tracking: while Redis is
 * unreachable adds fail, the watcher keeps watching and reports not ready, and `recovered()` tells the caller
 * to re-enqueue every known CR once Redis is back.
 */
export class Enqueuer {
  private inflight = 0;
  private readonly backlog: Array<() => Promise<void>> = [];
  private down = false;
  private readonly maxInflight: number;

  constructor(private readonly o: EnqueuerOptions) {
    this.maxInflight = o.maxInflight ?? 32;
  }

  get redisDown(): boolean {
    return this.down;
  }

  enqueue(resource: string, key: string, reason: EnqueueReason): void {
    if (!this.o.mayEnqueue(resource)) return;
    this.o.metrics.workqueueAdds.inc({ name: resource, controller: resource });
    this.backlog.push(() =>
      (this.o.mayEnqueue(resource) ? this.o.producer.enqueue(resource, key, reason) : Promise.resolve()).then(
        () => undefined,
        (err: unknown) => {
          if (!this.down) {
            this.o.logger.error(
              { err, resource, key },
              'cannot enqueue: Redis unavailable; watching on, every CR is re-enqueued on reconnect',
            );
            this.o.health.setReady('enqueue', false, `Redis unavailable: ${(err as Error).message}`);
          }
          this.down = true;
        },
      ),
    );
    this.pump();
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
    while (this.inflight < this.maxInflight && this.backlog.length > 0) {
      const next = this.backlog.shift()!;
      this.inflight++;
      void next().finally(() => {
        this.inflight--;
        this.pump();
      });
    }
  }
}
