import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { InventoryKey } from '@lostromos/queue';
import { startRedis, waitFor, type TestRedis } from '../support/index.js';
import { redisConnections } from '../support/redis-connections.js';

// The workers' shared inventory key (libs/queue InventoryKey) on a real redis-server: one key per prefix, the
// same for every worker however they race, kept across restarts of the workers, new once Redis lost it.

let redis: TestRedis;
const redisConns = redisConnections(() => redis);
/** A connection without an offline queue (a command while Redis is down fails at once), once ready. */
const conn = (): Promise<Redis> => redisConns.open('producer');

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redisConns.closeAll();
  await redis.stop();
});

describe('InventoryKey', () => {
  it('gives every worker of one prefix the same random key, whoever creates it first', async () => {
    let made = 0;
    const worker = async (): Promise<InventoryKey> =>
      new InventoryKey({
        connection: await conn(),
        prefix: 'inv',
        randomKey: () => `key-${++made}`,
      });
    const workers = await Promise.all([worker(), worker(), worker()]);
    const keys = await Promise.all(workers.map((w) => w.get()));
    expect(made).toBe(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^key-[123]$/);
    // A worker started later reads the stored key; another prefix has its own.
    expect(await (await worker()).get()).toBe(keys[0]);
    const other = await new InventoryKey({ connection: await conn(), prefix: 'other' }).get();
    expect(other).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(other).not.toBe(keys[0]);
  });

  it('is read again after refreshMs: a Redis restarted empty gets the key back, a process that never read one retries', async () => {
    const c = await conn();
    let now = 0;
    const key = new InventoryKey({ connection: c, prefix: 'lost', refreshMs: 1000, now: () => now });
    const first = await key.get();
    expect(await c.get('lost:_inventory-key')).toBe(first);
    await redis.kill();
    // Fresh in memory: no Redis needed.
    expect(await key.get()).toBe(first);
    // Stale, Redis down: the known key is still used.
    now = 5000;
    expect(await key.get()).toBe(first);
    // A process that never read the key fails while Redis is down, and retries on the next call.
    const fresh = new InventoryKey({ connection: c, prefix: 'lost', now: () => now });
    await expect(fresh.get()).rejects.toThrow();
    await redis.start();
    await waitFor(() => c.status === 'ready', { timeoutMs: 30_000, what: 'redis connection back' });
    expect(await c.get('lost:_inventory-key')).toBeNull();
    // The first refresh after the restart offers the key it has: Redis holds the workers' key again.
    expect(await key.get()).toBe(first);
    expect(await c.get('lost:_inventory-key')).toBe(first);
    expect(await fresh.get()).toBe(first);
  }, 60_000);
});
