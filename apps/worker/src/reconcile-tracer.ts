import type { Redis } from 'ioredis';

/**
 * Debug instrumentation (`lostromos start --trace-reconciles`): counts reconciles in flight per CR key in Redis,
 * across every worker process, and counts any moment a second reconcile of a key starts while one is running.
 * Tests read `<prefix>:trace:overlaps` (must stay 0) and `<prefix>:trace:count:<key>`.
 */
export class ReconcileTracer {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async start(key: string): Promise<void> {
    const inflight = await this.redis.incr(`${this.prefix}:trace:inflight:${key}`);
    await this.redis.incr(`${this.prefix}:trace:count:${key}`);
    if (inflight > 1) await this.redis.incr(`${this.prefix}:trace:overlaps`);
  }

  async end(key: string): Promise<void> {
    await this.redis.decr(`${this.prefix}:trace:inflight:${key}`);
  }
}
