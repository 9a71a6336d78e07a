import path from 'node:path';
import { CrQueueProducer } from '@lostromos/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { FIXTURES, ship, startHarness, type Harness, type RoleHandle } from './harness.js';

// A job whose key is no CR of its queue's resource (added by hand, or by another deployment sharing the Redis
// prefix) is never retried: the worker logs one error naming the key and the fix, the job completes with the
// reason, and the queue's real CRs keep reconciling.

let h: Harness;
let worker: RoleHandle;

beforeAll(async () => {
  h = await startHarness({ prefix: 'badkey' });
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  await waitFor(() => h.kubectl('get', 'ships').then(() => true), {
    timeoutMs: 15_000,
    what: 'the ships CRD',
  });
  await h.start('watcher');
  worker = await h.start('worker');
});

afterAll(async () => {
  await h?.close();
});

describe('a job key that is no CR of the queue', () => {
  it('completes at once with InvalidJobKey, is logged once, and other CRs still reconcile', async () => {
    const connection = new Redis(h.redis.url, { maxRetriesPerRequest: null });
    const producer = new CrQueueProducer({ connection, prefix: 'badkey', queues: ['ships'] });
    const queue = new Queue('ships', { connection: connection.duplicate(), prefix: 'badkey' });
    try {
      const bad = ['toys.example.org/gadgets/default/g-1', 'not-a-key'];
      for (const key of bad) await producer.enqueue('ships', key, 'event');
      await h.apply(ship('after-bad', { captain: 'a', crew: 1 }));
      await waitFor(() => h.get('v1', 'configmaps', 'default', 'after-bad-config'), {
        timeoutMs: 30_000,
        what: 'the good CR reconciled',
      });
      const done = await waitFor(
        async () => {
          const completed = await queue.getCompleted();
          const mine = completed.filter((j) => bad.includes((j.data as { key: string }).key));
          return mine.length === bad.length ? mine : undefined;
        },
        { timeoutMs: 20_000, what: 'both bad jobs completed' },
      );
      for (const job of done) {
        expect(job.attemptsMade).toBeLessThanOrEqual(1);
        expect((job.returnvalue as { error?: { reason?: string } }).error?.reason).toBe('InvalidJobKey');
      }
      expect(await queue.getFailedCount()).toBe(0);
      for (const key of bad) {
        const lines = worker.logs().filter((l) => l.key === key && l.level === 'error');
        expect(lines, key).toHaveLength(1);
        expect(String(lines[0]!.msg)).toMatch(/is not a CR of resource ships .*redis\.prefix/);
      }
    } finally {
      await queue.close();
      await producer.close();
      connection.disconnect();
    }
  });
});
