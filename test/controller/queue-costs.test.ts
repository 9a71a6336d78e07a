import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import {
  BULK_MIN,
  CrQueueProducer,
  CrWorker,
  EVENTS_STREAM_MAX_LEN,
  JOB_PRIORITY,
  KEEP_COMPLETED,
  type CrJobInfo,
  type CrJobResult,
} from '@lostromos/queue';
import { startRedis, waitFor, type TestRedis } from '../support/index.js';
import { redisConnections } from '../support/redis-connections.js';

// What a job costs Redis, and that the cheaper ways keep the queue's guarantees: a RequeueAfter never adds a
// run to the one the key has anyway, events coalescing into a resync still jump the backlog when added in
// batches, the events stream stays bounded, and completed jobs are still kept (by the workers' setting).

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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Run {
  trigger: string;
  at: number;
}

/** A worker whose runs are recorded; `result(n)` decides what run n (0-based) returns, `hold(n)` blocks it. */
async function recordingWorker(
  prefix: string,
  producer: CrQueueProducer,
  o: {
    result?: (n: number) => CrJobResult;
    hold?: (n: number) => Promise<void> | undefined;
    onRequeue?: (key: string, delayMs: number) => Promise<void>;
  } = {},
): Promise<{ worker: CrWorker; runs: Run[] }> {
  const runs: Run[] = [];
  const worker = new CrWorker({
    queueName: 'things',
    prefix,
    connection: await conn('worker'),
    concurrency: 4,
    lockDurationMs: 5000,
    process: async (_key: string, job: CrJobInfo) => {
      const n = runs.length;
      runs.push({ trigger: job.name, at: Date.now() });
      await o.hold?.(n);
      return o.result?.(n) ?? { outcome: 'applied' };
    },
    onRequeue: o.onRequeue ?? ((key, delayMs) => producer.enqueue('things', key, 'requeue', { delayMs })),
  });
  worker.start();
  return { worker, runs };
}

describe('queue costs', () => {
  it('a RequeueAfter added while the next job of the key runs is dropped: that job decides, no extra run', async () => {
    const prefix = 'rq-active';
    const producer = new CrQueueProducer({ connection: await conn('producer'), prefix, queues: ['things'] });
    let releaseFirst: (() => void) | undefined;
    let secondStarted: (() => void) | undefined;
    const second = new Promise<void>((r) => (secondStarted = r));
    let requeueAdded: (() => void) | undefined;
    const requeued = new Promise<void>((r) => (requeueAdded = r));
    const { worker, runs } = await recordingWorker(prefix, producer, {
      // Run 0 waits for an event to arrive; it then asks for a re-check in 300 ms. Run 1 (the event's) stays
      // active until that re-check has been added — while it runs, as the race goes in life — then is done.
      hold: (n) => (n === 0 ? new Promise<void>((r) => (releaseFirst = r)) : (secondStarted!(), requeued)),
      result: (n) => (n === 0 ? { outcome: 'applied', requeueAfterMs: 300 } : { outcome: 'unchanged' }),
      // The "completed" handler adds the requeue only once the event's job runs (the race it loses in life).
      onRequeue: async (key, delayMs) => {
        await second;
        await producer.enqueue('things', key, 'requeue', { delayMs });
        requeueAdded!();
      },
    });
    await producer.enqueue('things', 'g/things/ns/a', 'event');
    await waitFor(() => releaseFirst !== undefined, { what: 'the first run' });
    await producer.enqueue('things', 'g/things/ns/a', 'event'); // parked behind the active job
    releaseFirst!();
    await waitFor(() => runs.length === 2, { what: 'the event run' });
    await sleep(1200); // 4× the requeue delay
    expect(runs.map((r) => r.trigger)).toEqual(['event', 'event']);
    const q = producer.queue('things');
    expect(await q.getJobCountByTypes('delayed', 'waiting', 'prioritized', 'active')).toBe(0);
    await worker.close(5000);
    await producer.close();
  });

  it('an event replaces the delayed re-check: the CR runs at once, and not again when the delay ends', async () => {
    const prefix = 'rq-event';
    const producer = new CrQueueProducer({ connection: await conn('producer'), prefix, queues: ['things'] });
    const { worker, runs } = await recordingWorker(prefix, producer, {
      result: (n) => (n === 0 ? { outcome: 'applied', requeueAfterMs: 1000 } : { outcome: 'unchanged' }),
    });
    await producer.enqueue('things', 'g/things/ns/a', 'event');
    const q = producer.queue('things');
    await waitFor(async () => (await q.getJobCountByTypes('delayed')) === 1, {
      what: 'the delayed re-check',
    });
    const sent = Date.now();
    await producer.enqueue('things', 'g/things/ns/a', 'event'); // the watcher saw an owned object change
    await waitFor(() => runs.length === 2, { what: 'the event run' });
    expect(runs[1]!.at - sent).toBeLessThan(900);
    await sleep(1500);
    expect(runs.map((r) => r.trigger)).toEqual(['event', 'event']);
    await worker.close(5000);
    await producer.close();
  });

  it('a re-check of a key that already waits adds nothing; a due re-check runs once', async () => {
    const prefix = 'rq-waiting';
    const producer = new CrQueueProducer({ connection: await conn('producer'), prefix, queues: ['things'] });
    const q = producer.queue('things');
    await producer.enqueue('things', 'g/things/ns/a', 'resync');
    await producer.enqueue('things', 'g/things/ns/a', 'requeue', { delayMs: 200 });
    expect(await q.getJobCountByTypes('delayed')).toBe(0);
    expect(await q.getJobCountByTypes('prioritized')).toBe(1);
    await producer.enqueue('things', 'g/things/ns/b', 'requeue', { delayMs: 200 });
    expect(await q.getJobCountByTypes('delayed')).toBe(1);
    const { worker, runs } = await recordingWorker(prefix, producer);
    await waitFor(() => runs.length === 2, { what: 'both keys to run' });
    await sleep(500);
    expect(runs.map((r) => r.trigger).sort()).toEqual(['requeue', 'resync']);
    await worker.close(5000);
    await producer.close();
  });

  it('in batches: an event raises a waiting resync job ahead of the backlog, in a pipeline or alone', async () => {
    const prefix = 'batch';
    const producer = new CrQueueProducer({ connection: await conn('producer'), prefix, queues: ['things'] });
    const q = producer.queue('things');
    await producer.enqueueMany(
      'things',
      Array.from({ length: 50 }, (_, i) => ({ key: `g/things/ns/r-${i}`, reason: 'resync' as const })),
    );
    expect(await q.getJobCountByTypes('prioritized')).toBe(50);
    // A batch big enough for a pipeline: r-49 coalesces into its resync job, 29 keys are new.
    const fresh = Array.from({ length: BULK_MIN + 5 }, (_, i) => `g/things/ns/new-${i}`);
    await producer.enqueueMany('things', [
      { key: 'g/things/ns/r-49', reason: 'event' },
      ...fresh.map((key) => ({ key, reason: 'event' as const })),
    ]);
    // A small one takes the single adds: r-48 the same way.
    await producer.enqueueMany('things', [
      { key: 'g/things/ns/r-48', reason: 'event' },
      { key: 'g/things/ns/r-47', reason: 'resync' },
    ]);
    expect(await q.getJobCountByTypes('prioritized')).toBe(48);
    const waiting = await q.getJobs(['waiting'], 0, -1);
    const raised = ['g/things/ns/r-48', 'g/things/ns/r-49'];
    expect(waiting.map((j) => j.data.key).sort()).toEqual([...fresh, ...raised].sort());
    for (const j of waiting) expect(j.priority).toBe(JOB_PRIORITY.event);
    // The raised jobs run before the 48 resyncs, as the new events do.
    const order: string[] = [];
    const worker = new CrWorker({
      queueName: 'things',
      prefix,
      connection: await conn('worker'),
      concurrency: 1,
      lockDurationMs: 5000,
      process: (key) => (order.push(key), Promise.resolve({ outcome: 'unchanged' })),
    });
    worker.start();
    const total = 50 + fresh.length;
    await waitFor(() => order.length === total, { timeoutMs: 20_000, what: 'every job' });
    expect(order.slice(0, waiting.length).sort()).toEqual([...fresh, ...raised].sort());
    // Completed jobs are kept by the worker's retention (the jobs no longer carry it).
    const done = await q.getJobs(['completed'], 0, 0);
    expect(done[0]?.opts.removeOnComplete).toBeUndefined();
    expect(await q.getJobCountByTypes('completed')).toBe(Math.min(total, KEEP_COMPLETED.count));
    await worker.close(5000);
    await producer.close();
  });

  it('the events stream stays bounded near EVENTS_STREAM_MAX_LEN instead of BullMQ’s 10,000', async () => {
    const prefix = 'stream';
    const producer = new CrQueueProducer({ connection: await conn('producer'), prefix, queues: ['things'] });
    const r = await conn('producer');
    for (let b = 0; b < 6; b++)
      await producer.enqueueMany(
        'things',
        Array.from({ length: 500 }, (_, i) => ({ key: `g/things/ns/k-${b}-${i}`, reason: 'event' as const })),
      );
    // Each add writes 2 entries ("added", "waiting"): 6,000 in all.
    expect(await r.hget(`${prefix}:things:meta`, 'opts.maxLenEvents')).toBe(String(EVENTS_STREAM_MAX_LEN));
    const len = await r.xlen(`${prefix}:things:events`);
    // Trimming is approximate (whole stream nodes of 100 entries).
    expect(len).toBeGreaterThanOrEqual(EVENTS_STREAM_MAX_LEN);
    expect(len).toBeLessThanOrEqual(EVENTS_STREAM_MAX_LEN + 200);
    await producer.close();
  });
});
