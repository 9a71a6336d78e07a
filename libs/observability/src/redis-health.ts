import type { OperatorMetrics } from './operator-metrics.js';

/** The part of an ioredis client {@link RedisUpGauge} watches. */
export interface RedisConnectionStatus {
  readonly status: string;
  on(event: 'ready' | 'close' | 'end' | 'reconnecting' | 'connect', listener: () => void): unknown;
  off(event: 'ready' | 'close' | 'end' | 'reconnecting' | 'connect', listener: () => void): unknown;
}

const STATUS_EVENTS = ['ready', 'close', 'end', 'reconnecting', 'connect'] as const;

/**
 * `lostromos_redis_up` for a process that holds several Redis connections (producer, worker, dashboard, or all
 * of them with `--role all`): 1 while every added connection is `ready`, 0 while any is not, and 0 before any
 * connection is added. One gauge per process, so the connections must not each set it on their own.
 */
export class RedisUpGauge {
  private readonly clients = new Set<RedisConnectionStatus>();

  constructor(private readonly gauge: Pick<OperatorMetrics['redisUp'], 'set'>) {
    this.update();
  }

  /** Follows `client` from now on; the returned function stops following it (and updates the gauge). */
  add(client: RedisConnectionStatus): () => void {
    const onChange = (): void => this.update();
    this.clients.add(client);
    for (const ev of STATUS_EVENTS) client.on(ev, onChange);
    this.update();
    return () => {
      if (!this.clients.delete(client)) return;
      for (const ev of STATUS_EVENTS) client.off(ev, onChange);
      this.update();
    };
  }

  /** True when at least one connection is followed and every followed connection is ready. */
  up(): boolean {
    return this.clients.size > 0 && [...this.clients].every((c) => c.status === 'ready');
  }

  private update(): void {
    this.gauge.set(this.up() ? 1 : 0);
  }
}
