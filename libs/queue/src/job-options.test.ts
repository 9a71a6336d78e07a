import { describe, expect, it } from 'vitest';
import { crJobOptions, JOB_PRIORITY, retryDelayMs } from './job-options.js';

describe('CR job options', () => {
  it('dedupe by CR key, keeping one pending job while one is active', () => {
    const o = crJobOptions('g/p/ns/n', 'event');
    expect(o.deduplication).toEqual({ id: 'g/p/ns/n', keepLastIfActive: true, replace: true });
    expect(o.priority).toBe(JOB_PRIORITY.event);
    expect(o.delay).toBeUndefined();
    expect(crJobOptions('k', 'requeue', 1500).delay).toBe(1500);
  });
  it('rank events ahead of requeues ahead of resyncs', () => {
    expect(JOB_PRIORITY.event).toBeLessThan(JOB_PRIORITY.requeue);
    expect(JOB_PRIORITY.requeue).toBeLessThan(JOB_PRIORITY.resync);
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially with jitter, caps at 5 minutes and never undercuts Retry-After', () => {
    expect(retryDelayMs(1, undefined, () => 1)).toBe(500);
    expect(retryDelayMs(3, undefined, () => 1)).toBe(2000);
    expect(retryDelayMs(3, undefined, () => 0)).toBe(1000);
    expect(retryDelayMs(30, undefined, () => 1)).toBe(300_000);
    expect(retryDelayMs(1, 7000, () => 1)).toBe(7000);
  });
});
