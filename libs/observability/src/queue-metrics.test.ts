import { describe, expect, it } from 'vitest';
import { createOperatorMetrics } from './operator-metrics.js';
import { parseMetricsText as parseExposition } from '../../../test/support/metrics-text.js';
import { registerQueueMetrics, type JobCountSource } from './queue-metrics.js';
import { Registry } from 'prom-client';

function fakeQueue(
  counts: Record<string, number>,
  timestamps: number[] = [],
): JobCountSource & { calls: number } {
  const q = {
    calls: 0,
    getJobCounts: (...types: string[]) => {
      q.calls++;
      return Promise.resolve(Object.fromEntries(types.map((t) => [t, counts[t] ?? 0])));
    },
    getJobs: (types: string[]) =>
      Promise.resolve(
        types.includes('wait') ? timestamps.slice(0, 1).map((timestamp) => ({ timestamp })) : [],
      ),
  };
  return q;
}

describe('registerQueueMetrics', () => {
  it('exports job counts per queue and state, depth = waiting + prioritized, and the oldest waiting age', async () => {
    const m = createOperatorMetrics({ collectDefault: false });
    const characters = fakeQueue({ waiting: 3, prioritized: 2, active: 1, delayed: 4, failed: 5 }, [10_000]);
    const gadgets = fakeQueue({});
    registerQueueMetrics(m.registry, {
      queues: [
        { resource: 'characters', queue: characters },
        { resource: 'gadgets', queue: gadgets },
      ],
      now: () => 70_000,
    });
    const s = parseExposition(await m.registry.metrics());
    expect(s.get('bullmq_job_count{queue="characters",state="waiting"}')).toBe(3);
    expect(s.get('bullmq_job_count{queue="characters",state="active"}')).toBe(1);
    expect(s.get('bullmq_job_count{queue="characters",state="delayed"}')).toBe(4);
    expect(s.get('bullmq_job_count{queue="characters",state="failed"}')).toBe(5);
    expect(s.get('bullmq_job_count{queue="characters",state="prioritized"}')).toBe(2);
    expect(s.get('workqueue_depth{name="characters",controller="characters"}')).toBe(5);
    expect(s.get('workqueue_depth{name="gadgets",controller="gadgets"}')).toBe(0);
    expect(s.get('lostromos_queue_oldest_job_age_seconds{queue="characters"}')).toBe(60);
    expect(s.get('lostromos_queue_oldest_job_age_seconds{queue="gadgets"}')).toBe(0);
    // one round trip per queue per scrape, although three gauges read the counts
    expect(characters.calls).toBe(1);
  });

  it('works on a registry without operator metrics (creates its own workqueue_depth)', async () => {
    const registry = new Registry();
    registerQueueMetrics(registry, { queues: [{ resource: 'a', queue: fakeQueue({ waiting: 7 }) }] });
    expect(parseExposition(await registry.metrics()).get('workqueue_depth{name="a",controller="a"}')).toBe(7);
  });

  it('drops the series of an unreachable queue instead of reporting stale numbers, and counts the failure', async () => {
    const m = createOperatorMetrics({ collectDefault: false });
    let up = true;
    const flaky: JobCountSource = {
      getJobCounts: (...types) =>
        up ? Promise.resolve(Object.fromEntries(types.map((t) => [t, 2]))) : new Promise(() => undefined),
    };
    registerQueueMetrics(m.registry, { queues: [{ resource: 'characters', queue: flaky }], timeoutMs: 50 });
    expect(
      parseExposition(await m.registry.metrics()).get(
        'workqueue_depth{name="characters",controller="characters"}',
      ),
    ).toBe(4);
    up = false;
    const s = parseExposition(await m.registry.metrics());
    expect(s.get('workqueue_depth{name="characters",controller="characters"}')).toBeUndefined();
    expect(s.get('bullmq_job_count{queue="characters",state="waiting"}')).toBeUndefined();
    expect(s.get('lostromos_queue_scrape_errors_total{queue="characters"}')).toBe(1);
  });
});
