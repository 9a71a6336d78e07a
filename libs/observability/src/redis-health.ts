import type { HealthRegistry } from './health-registry.js';
import type { Logger } from './logger.js';
import type { OperatorMetrics } from './operator-metrics.js';
import { redactString } from './redact.js';

/** The part of an ioredis client the tracker uses. */
export interface TrackedRedisClient {
  readonly status: string;
  on(event: 'ready' | 'close' | 'end' | 'reconnecting', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'ready' | 'close' | 'end' | 'reconnecting', listener: () => void): unknown;
  off(event: 'error', listener: (err: Error) => void): unknown;
  ping(): Promise<string>;
}

export interface TrackRedisOptions {
  client: TrackedRedisClient;
  health: HealthRegistry;
  /** Sets lostromos_redis_up (0/1) when given. */
  metrics?: Pick<OperatorMetrics, 'redisUp'>;
  /** Readiness check name (default `redis`). */
  check?: string;
  logger?: Logger;
  /** A PING every so often catches half-open connections the socket events miss (default 5000 ms; 0 = off). */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
}

/**
 * Keeps a readiness check (and `lostromos_redis_up`) in step with an ioredis connection: not ready from the
 * first error/close until the client is `ready` again; an outage is logged once when it starts and once when
 * it ends. Returns a function that detaches the tracker.
 */
export function trackRedis(opts: TrackRedisOptions): () => void {
  const check = opts.check ?? 'redis';
  const pingIntervalMs = opts.pingIntervalMs ?? 5000;
  const pingTimeoutMs = opts.pingTimeoutMs ?? 2000;
  let lastError: string | undefined;
  let up: boolean | undefined;

  const set = (ok: boolean, detail?: string): void => {
    opts.health.setReady(check, ok, ok ? undefined : detail);
    opts.metrics?.redisUp.set(ok ? 1 : 0);
    if (up === ok) return;
    if (up !== undefined) {
      if (ok) opts.logger?.info({ check }, 'redis reachable again');
      else opts.logger?.warn({ check, reason: detail }, 'redis unreachable');
    }
    up = ok;
  };

  const onReady = (): void => {
    lastError = undefined;
    set(true);
  };
  const onError = (err: Error): void => {
    lastError = redactString(err.message);
    if (opts.client.status !== 'ready') set(false, lastError);
  };
  const onDown = (): void => set(false, lastError ?? `connection ${opts.client.status}`);

  opts.client.on('ready', onReady);
  opts.client.on('error', onError);
  opts.client.on('close', onDown);
  opts.client.on('end', onDown);
  opts.client.on('reconnecting', onDown);
  if (opts.client.status === 'ready') set(true);
  else set(false, `connection ${opts.client.status}`);

  let timer: NodeJS.Timeout | undefined;
  if (pingIntervalMs > 0) {
    timer = setInterval(() => {
      if (opts.client.status !== 'ready') return;
      let t: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        t = setTimeout(() => reject(new Error(`PING not answered within ${pingTimeoutMs}ms`)), pingTimeoutMs);
      });
      Promise.race([opts.client.ping(), timeout])
        .then(() => set(true))
        .catch((err: unknown) => set(false, redactString((err as Error).message)))
        .finally(() => clearTimeout(t));
    }, pingIntervalMs);
    timer.unref();
  }

  return () => {
    if (timer) clearInterval(timer);
    opts.client.off('ready', onReady);
    opts.client.off('error', onError);
    opts.client.off('close', onDown);
    opts.client.off('end', onDown);
    opts.client.off('reconnecting', onDown);
  };
}

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
