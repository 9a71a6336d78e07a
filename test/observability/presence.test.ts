import { presenceKey, readPresence, startPresence } from '@lostromos/observability';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, waitFor, type TestRedis } from '../support/index.js';

describe('presence records in a real Redis', () => {
  let redis: TestRedis;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('publishes, refreshes, expires without heartbeats and disappears on stop', async () => {
    let crs = 1;
    const watcher = startPresence({
      redis: client,
      prefix: 'p',
      role: 'watcher',
      id: 'w1',
      intervalMs: 50,
      describe: () => ({ leader: true, resources: { characters: { crs, ready: crs, notReady: 0 } } }),
    });
    const worker = startPresence({
      redis: client,
      prefix: 'p',
      role: 'worker',
      id: 'k1',
      intervalMs: 50,
      ttlMs: 200,
    });
    const other = startPresence({
      redis: client,
      prefix: 'other',
      role: 'worker',
      id: 'x',
      intervalMs: 1000,
    });
    await watcher.beat();
    await worker.beat();
    let records = await readPresence({ redis: client, prefix: 'p' });
    expect(records.map((r) => `${r.role}/${r.id}`)).toEqual(['watcher/w1', 'worker/k1']);
    expect(records[0]).toMatchObject({
      leader: true,
      resources: { characters: { crs: 1 } },
      pid: process.pid,
    });

    crs = 7;
    await waitFor(
      async () => (await readPresence({ redis: client, prefix: 'p' }))[0]?.resources?.characters?.crs === 7,
      {
        what: 'refreshed record',
      },
    );
    expect(await client.pttl(presenceKey('p', 'worker', 'k1'))).toBeGreaterThan(0);

    await watcher.stop();
    records = await readPresence({ redis: client, prefix: 'p' });
    expect(records.map((r) => r.id)).toEqual(['k1']);
    await other.stop();
    await worker.stop();
    expect(await readPresence({ redis: client, prefix: 'p' })).toEqual([]);
  });

  it('survives Redis being down: heartbeats fail quietly and resume', async () => {
    const flaky = new Redis(redis.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 100,
    });
    flaky.on('error', () => undefined);
    const p = startPresence({
      redis: flaky,
      prefix: 'q',
      role: 'worker',
      id: 'k2',
      intervalMs: 50,
      ttlMs: 400,
    });
    try {
      await p.beat();
      await redis.kill();
      await expect(p.beat()).resolves.toBeUndefined();
      await redis.start();
      await waitFor(async () => (await readPresence({ redis: client, prefix: 'q' })).length === 1, {
        timeoutMs: 10_000,
        what: 'presence back after restart',
      });
    } finally {
      await p.stop();
      flaky.disconnect();
    }
  });
});
