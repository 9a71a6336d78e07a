import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_PRIORITY } from '@lostromos/queue';
import { waitFor } from '../support/index.js';
import { FIXTURES, ship, startHarness, type Harness, type RoleHandle } from './harness.js';

// A CR the watch reports created is enqueued as `new`, behind the events (@lostromos/queue JOB_PRIORITY): a
// burst of creations does not hold back the readiness re-checks and changes of the CRs that exist. A change
// to a CR that was reconciled before is an `event`, in the wait list every worker takes from first.

let h: Harness;
let redis: Redis;
let queue: Queue;

beforeAll(async () => {
  h = await startHarness({ prefix: 'newcrs' });
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  await waitFor(() => h.kubectl('get', 'ships').then(() => true), {
    timeoutMs: 10_000,
    what: 'the ships CRD',
  });
  await h.start('watcher');
  redis = new Redis(h.redis.url, { maxRetriesPerRequest: null });
  queue = new Queue('ships', { connection: redis, prefix: 'newcrs' });
});
afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await h?.close();
});

const jobsOf = async (states: Array<'prioritized' | 'waiting'>) =>
  (await queue.getJobs(states)).map((j) => ({
    key: (j.data as { key: string }).key,
    name: j.name,
    priority: j.priority,
  }));

describe('new CRs', () => {
  it('are queued as `new` behind the events; a change to a CR reconciled before is an `event`', async () => {
    for (const [name, captain] of [
      ['fresh-0', 'A'],
      ['fresh-1', 'B'],
    ] as const)
      await h.apply(ship(name, { captain, crew: 1 }));
    await waitFor(async () => (await jobsOf(['prioritized'])).length === 2, {
      timeoutMs: 20_000,
      what: 'the two new CRs to be enqueued',
    });
    expect((await jobsOf(['prioritized'])).sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'fleet.example.io/ships/default/fresh-0', name: 'new', priority: JOB_PRIORITY.new },
      { key: 'fleet.example.io/ships/default/fresh-1', name: 'new', priority: JOB_PRIORITY.new },
    ]);
    expect(await jobsOf(['waiting'])).toEqual([]);

    const worker: RoleHandle = await h.start('worker');
    const reconciled = async (name: string): Promise<boolean> => {
      const s = await h.get('fleet.example.io/v1', 'ships', 'default', name);
      return (
        (s?.status as { observedGeneration?: number } | undefined)?.observedGeneration ===
        s?.metadata.generation
      );
    };
    for (const n of ['fresh-0', 'fresh-1'])
      await waitFor(() => reconciled(n), { timeoutMs: 30_000, what: `${n} to be reconciled` });
    await worker.stop();

    await h.kubectl('patch', 'ship', 'fresh-0', '--type=merge', '-p', '{"spec":{"crew":2}}');
    await waitFor(async () => (await jobsOf(['waiting'])).length === 1, {
      timeoutMs: 20_000,
      what: 'the change to be enqueued',
    });
    expect(await jobsOf(['waiting'])).toEqual([
      { key: 'fleet.example.io/ships/default/fresh-0', name: 'event', priority: 0 },
    ]);
    expect(await jobsOf(['prioritized'])).toEqual([]);
  });
});
