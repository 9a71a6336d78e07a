import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { CrQueueProducer, CrWorker, JOB_PRIORITY, type CrJobResult } from '@lostromos/queue';
import { startRedis, waitFor, type TestRedis } from '../support/index.js';
import { redisConnections } from '../support/redis-connections.js';

// Per-CR exclusivity and "dirty while processing" with BullMQ OSS deduplication (keepLastIfActive), proven on a
// real redis-server with several independent consumers (separate connections, like separate replicas).

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

describe('CR queue', () => {
  it('never runs one key concurrently across 3 consumers, coalesces bursts, and the last run sees the final state', async () => {
    const prefix = 'excl';
    const producer = new CrQueueProducer({ connection: await conn('producer'), prefix, queues: ['things'] });
    const inflight = new Map<string, number>();
    const runs = new Map<string, number>();
    let overlaps = 0;
    const seenVersions: number[] = [];
    let version = 0;
    const process = async (key: string): Promise<CrJobResult> => {
      const n = (inflight.get(key) ?? 0) + 1;
      inflight.set(key, n);
      if (n > 1) overlaps++;
      runs.set(key, (runs.get(key) ?? 0) + 1);
      // Level-triggered: read "current state" at the start.
      if (key === 'g/things/ns/hot') seenVersions.push(version);
      await sleep(5 + Math.random() * 10);
      inflight.set(key, (inflight.get(key) ?? 1) - 1);
      return { outcome: 'applied' };
    };
    const workers = await Promise.all(
      [0, 1, 2].map(
        async (i) =>
          new CrWorker({
            queueName: 'things',
            prefix,
            connection: await conn('worker'),
            concurrency: 8,
            lockDurationMs: 5000,
            name: `w${i}`,
            process,
          }),
      ),
    );
    workers.forEach((w) => w.start());
    const keys = Array.from({ length: 20 }, (_, i) => `g/things/ns/cr-${i}`);
    for (let round = 0; round < 30; round++) {
      await Promise.all(keys.map((k) => producer.enqueue('things', k, 'event')));
      version++;
      await producer.enqueue('things', 'g/things/ns/hot', 'event');
    }
    const finalVersion = version;
    await waitFor(
      async () => {
        const counts = await producer
          .queue('things')
          .getJobCounts('waiting', 'prioritized', 'active', 'delayed');
        return Object.values(counts).every((c) => c === 0);
      },
      { timeoutMs: 30_000, what: 'the queue to drain' },
    );
    expect(overlaps).toBe(0);
    // Bursts coalesce: far fewer runs than the 30 events per key, at least one per key.
    for (const k of keys) expect(runs.get(k)).toBeGreaterThanOrEqual(1);
    const total = [...runs.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeLessThan(30 * 21);
    // The last run of the hot key saw the final state: no event is lost.
    expect(seenVersions.at(-1)).toBe(finalVersion);
    await Promise.all(workers.map((w) => w.close(5000)));
    await producer.close();
  });

  it('an event during a long reconcile triggers exactly one follow-up run, after the first ends', async () => {
    const prefix = 'dirty';
    const producer = new CrQueueProducer({ connection: await conn('producer'), prefix, queues: ['things'] });
    const starts: number[] = [];
    const ends: number[] = [];
    let release: (() => void) | undefined;
    const worker = new CrWorker({
      queueName: 'things',
      prefix,
      connection: await conn('worker'),
      concurrency: 4,
      lockDurationMs: 5000,
      process: async () => {
        starts.push(Date.now());
        if (starts.length === 1) await new Promise<void>((r) => (release = r));
        ends.push(Date.now());
        return { outcome: 'applied' };
      },
    });
    worker.start();
    await producer.enqueue('things', 'g/things/ns/a', 'event');
    await waitFor(() => release !== undefined, { what: 'the first run to start' });
    for (let i = 0; i < 10; i++) await producer.enqueue('things', 'g/things/ns/a', 'event');
    await sleep(300);
    expect(starts).toHaveLength(1); // nothing ran alongside the active job
    release!();
    await waitFor(() => ends.length === 2, { what: 'the follow-up run' });
    await sleep(500);
    expect(starts).toHaveLength(2); // ten events while active → exactly one more run
    expect(starts[1]!).toBeGreaterThanOrEqual(ends[0]!);
    await worker.close(5000);
    await producer.close();
  });

  it('raises a waiting resync job to event priority, and a requeue runs after its delay', async () => {
    const prefix = 'prio';
    const producer = new CrQueueProducer({ connection: await conn('producer'), prefix, queues: ['things'] });
    const q = producer.queue('things');
    await producer.enqueue('things', 'g/things/ns/r', 'resync');
    const [job] = await q.getJobs(['prioritized', 'waiting']);
    expect(job?.priority).toBe(JOB_PRIORITY.resync);
    await producer.enqueue('things', 'g/things/ns/r', 'event');
    const jobs = await q.getJobs(['prioritized', 'waiting']);
    expect(jobs).toHaveLength(1); // coalesced into the waiting job…
    expect(jobs[0]?.priority).toBe(JOB_PRIORITY.event); // …which now runs ahead of resyncs
    expect(jobs[0]?.data).toEqual({ key: 'g/things/ns/r' }); // the payload is the key only

    const ran: number[] = [];
    let first = true;
    const worker = new CrWorker({
      queueName: 'things',
      prefix,
      connection: await conn('worker'),
      concurrency: 1,
      lockDurationMs: 5000,
      process: () => {
        ran.push(Date.now());
        const result: CrJobResult = first
          ? { outcome: 'applied', requeueAfterMs: 400 }
          : { outcome: 'unchanged' };
        first = false;
        return Promise.resolve(result);
      },
      onRequeue: (key, delayMs) => producer.enqueue('things', key, 'requeue', { delayMs }),
    });
    worker.start();
    await waitFor(() => ran.length === 2, { timeoutMs: 10_000, what: 'the requeued run' });
    expect(ran[1]! - ran[0]!).toBeGreaterThanOrEqual(350);
    await worker.close(5000);
    await producer.close();
  });

  it('runs events ahead of a backlog of new CRs (FIFO among those), and new CRs ahead of resyncs', async () => {
    const prefix = 'burst';
    const producer = new CrQueueProducer({ connection: await conn('producer'), prefix, queues: ['things'] });
    const news = Array.from({ length: 30 }, (_, i) => `g/things/ns/new-${i}`);
    await producer.enqueue('things', 'g/things/ns/old-resync', 'resync');
    for (const k of news) await producer.enqueue('things', k, 'new');
    // A readiness change of an existing CR's Deployment arrives after the burst.
    await producer.enqueue('things', 'g/things/ns/ready-now', 'event');
    const order: string[] = [];
    const worker = new CrWorker({
      queueName: 'things',
      prefix,
      connection: await conn('worker'),
      concurrency: 1,
      lockDurationMs: 5000,
      process: (key) => {
        order.push(key);
        return Promise.resolve({ outcome: 'applied' });
      },
    });
    worker.start();
    await waitFor(() => order.length === news.length + 2, { timeoutMs: 15_000, what: 'every job' });
    expect(order).toEqual(['g/things/ns/ready-now', ...news, 'g/things/ns/old-resync']);
    await worker.close(5000);
    await producer.close();
  });

  it('retries a retryable failure with backoff, never sooner than Retry-After', async () => {
    const prefix = 'retry';
    const producer = new CrQueueProducer({ connection: await conn('producer'), prefix, queues: ['things'] });
    const attempts: number[] = [];
    const worker = new CrWorker({
      queueName: 'things',
      prefix,
      connection: await conn('worker'),
      concurrency: 1,
      lockDurationMs: 5000,
      process: () => {
        attempts.push(Date.now());
        if (attempts.length < 3) {
          return Promise.reject(
            Object.assign(new Error('429 too many requests'), { retryable: true, retryAfterMs: 300 }),
          );
        }
        return Promise.resolve({ outcome: 'applied' });
      },
    });
    worker.start();
    await producer.enqueue('things', 'g/things/ns/x', 'event');
    await waitFor(() => attempts.length === 3, { timeoutMs: 15_000, what: 'three attempts' });
    // Retry-After (300 ms) is a floor under the jittered backoff.
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(290);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(290);
    await worker.close(5000);
    await producer.close();
  });
});
