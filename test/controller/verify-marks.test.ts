import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import {
  BULK_MIN,
  clearVerifyMark,
  CrQueueProducer,
  CrWorker,
  markForVerify,
  readVerifyMark,
  type CrJobResult,
} from '@lostromos/queue';
import { startRedis, waitFor, type TestRedis } from '../support/index.js';
import { redisConnections } from '../support/redis-connections.js';

// The verify marks on a real redis-server: the watcher's mark reaches Redis before its job (so the worker that
// takes the job sees it, on the single-add and the batch path alike), and a worker removes only the mark it
// read — a mark set while its reconcile ran survives for the next run.

let redis: TestRedis;
const redisConns = redisConnections(() => redis);
const conn = (role: 'producer' | 'worker'): Promise<Redis> => redisConns.open(role);

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redisConns.closeAll();
  await redis.stop();
});

describe('verify marks', () => {
  it.each([
    ['single adds', 3],
    ['a batch', BULK_MIN + 6],
  ])('a marked key is marked when its job runs (%s)', async (_path, count) => {
    const prefix = `vm-${count}`;
    const producer = new CrQueueProducer({
      connection: await conn('producer'),
      prefix,
      queues: ['things'],
    });
    const workerRedis = await conn('worker');
    const seen = new Map<string, string | undefined>();
    const worker = new CrWorker({
      queueName: 'things',
      prefix,
      connection: workerRedis,
      concurrency: 4,
      lockDurationMs: 5000,
      process: async (key: string): Promise<CrJobResult> => {
        seen.set(key, await readVerifyMark(workerRedis, prefix, 'things', key));
        return { outcome: 'unchanged' };
      },
    });
    void worker.worker.run();
    try {
      const keys = Array.from({ length: count }, (_, i) => `g/things/ns/t${i}`);
      // Every other key marked: a drift event of one of its objects.
      await producer.enqueueMany(
        'things',
        keys.map((key, i) =>
          i % 2 === 0 ? { key, reason: 'event', verify: true } : { key, reason: 'event' },
        ),
      );
      await waitFor(() => seen.size === count, { timeoutMs: 20_000, what: 'every job to run' });
      for (const [i, key] of keys.entries()) expect(seen.get(key) !== undefined, key).toBe(i % 2 === 0);
    } finally {
      await worker.worker.close();
      await producer.close();
    }
  });

  it('a worker removes the mark it read, not a newer one', async () => {
    const r = await conn('producer');
    const key = 'g/things/ns/a';
    await markForVerify(r, 'vm', 'things', key);
    const read = await readVerifyMark(r, 'vm', 'things', key);
    expect(read).toMatch(/^[\w-]{11}$/);
    // The watcher marks it again while the reconcile that read the first mark runs.
    await markForVerify(r, 'vm', 'things', key);
    expect(await clearVerifyMark(r, 'vm', 'things', key, read!)).toBe(false);
    const newer = await readVerifyMark(r, 'vm', 'things', key);
    expect(newer).toBeDefined();
    expect(newer).not.toBe(read);
    // The next reconcile reads the newer mark and, once it succeeds, removes it.
    expect(await clearVerifyMark(r, 'vm', 'things', key, newer!)).toBe(true);
    expect(await readVerifyMark(r, 'vm', 'things', key)).toBeUndefined();
    expect(await r.exists('vm:_verify:things')).toBe(0);
  });
});
