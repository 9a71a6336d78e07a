import { createOperatorMetrics, registerQueueMetrics } from '@lostromos/observability';
import { parseMetricsText } from '../support/metrics-text.js';
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, waitFor, type TestRedis } from '../support/index.js';

describe('queue metrics read from real BullMQ queues', () => {
  let redis: TestRedis;
  let queues: Queue[];

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { url: redis.url, enableOfflineQueue: false };
    queues = ['characters', 'gadgets'].map((name) => new Queue(name, { connection, prefix: 'metrics' }));
  });
  afterAll(async () => {
    await Promise.allSettled(queues.map((q) => q.close()));
    await redis?.stop();
  });

  it('exports waiting/active/delayed/failed/prioritized per queue and workqueue_depth, and drops them when Redis dies', async () => {
    const [characters, gadgets] = queues as [Queue, Queue];
    const metrics = createOperatorMetrics({ collectDefault: false });
    registerQueueMetrics(metrics.registry, {
      queues: queues.map((queue) => ({ resource: queue.name, queue })),
      timeoutMs: 1000,
    });

    await characters.add('reconcile', { key: 'boom' });
    const worker = new Worker('characters', () => Promise.reject(new Error('boom')), {
      connection: { url: redis.url, maxRetriesPerRequest: null },
      prefix: 'metrics',
    });
    await waitFor(async () => (await characters.getJobCounts('failed')).failed === 1, {
      what: 'a failed job',
    });
    await worker.close();
    await characters.add('reconcile', { key: 'a' });
    await characters.add('reconcile', { key: 'b' });
    await characters.add('reconcile', { key: 'c' }, { priority: 5 });
    await characters.add('reconcile', { key: 'd' }, { delay: 3_600_000 });
    await gadgets.add('reconcile', { key: 'g' });

    const s = parseMetricsText(await metrics.registry.metrics());
    const count = (queue: string, state: string) =>
      s.get(`bullmq_job_count{queue="${queue}",state="${state}"}`);
    expect(count('characters', 'waiting')).toBe(2);
    expect(count('characters', 'prioritized')).toBe(1);
    expect(count('characters', 'delayed')).toBe(1);
    expect(count('characters', 'failed')).toBe(1);
    expect(count('characters', 'active')).toBe(0);
    expect(count('gadgets', 'waiting')).toBe(1);
    expect(s.get('workqueue_depth{name="characters",controller="characters"}')).toBe(3);
    expect(s.get('workqueue_depth{name="gadgets",controller="gadgets"}')).toBe(1);
    expect(s.get('lostromos_queue_oldest_job_age_seconds{queue="characters"}')).toBeGreaterThanOrEqual(0);

    await redis.kill();
    const started = Date.now();
    const down = parseMetricsText(await metrics.registry.metrics());
    expect(Date.now() - started).toBeLessThan(5000); // a scrape never hangs on a dead Redis
    expect(down.get('workqueue_depth{name="characters",controller="characters"}')).toBeUndefined();
    expect(down.get('lostromos_queue_scrape_errors_total{queue="characters"}')).toBe(1);
  });
});
