import { describe, expect, it } from 'vitest';
import {
  crJobOptions,
  JOB_PRIORITY,
  readinessRecheckDelayMs,
  READINESS_RECHECK,
  retryDelayMs,
} from './job-options.js';

describe('CR job options', () => {
  it('dedupe by CR key, keeping one pending job while one is active', () => {
    const o = crJobOptions('g/p/ns/n', 'event');
    expect(o.deduplication).toEqual({ id: 'g/p/ns/n', keepLastIfActive: true, replace: true });
    expect(o.priority).toBeUndefined(); // no priority: the wait list, taken before any prioritized job
    expect(o.delay).toBeUndefined();
    expect(crJobOptions('k', 'resync').priority).toBe(JOB_PRIORITY.resync);
    // Retention is the workers' (CrWorker), not carried by every job.
    expect(o.removeOnComplete).toBeUndefined();
    expect(o.removeOnFail).toBeUndefined();
  });
  it('a requeue only stands in when the key has no job: plain deduplication, never replacing or parking', () => {
    const o = crJobOptions('g/p/ns/n', 'requeue', 1500);
    expect(o.deduplication).toEqual({ id: 'g/p/ns/n' });
    expect(o.delay).toBe(1500);
    expect(o.priority).toBe(JOB_PRIORITY.requeue);
  });
  it('rank events ahead of requeues ahead of new CRs ahead of template rollouts and resyncs', () => {
    expect(JOB_PRIORITY.event).toBeLessThan(JOB_PRIORITY.requeue);
    expect(JOB_PRIORITY.requeue).toBeLessThan(JOB_PRIORITY.new);
    expect(JOB_PRIORITY.new).toBeLessThan(JOB_PRIORITY.templates);
    expect(JOB_PRIORITY.templates).toBeLessThan(JOB_PRIORITY.resync);
    expect(crJobOptions('k', 'new')).toMatchObject({
      priority: JOB_PRIORITY.new,
      deduplication: { id: 'k', keepLastIfActive: true, replace: true },
    });
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

describe('readinessRecheckDelayMs', () => {
  it('re-checks 30 s after a run of any other trigger, then doubles while each re-check finds the CR still waiting, up to 2 min', () => {
    expect(readinessRecheckDelayMs('event', undefined)).toBe(READINESS_RECHECK.initialMs);
    expect(readinessRecheckDelayMs('resync', 60_000)).toBe(30_000);
    expect(readinessRecheckDelayMs('requeue', 30_000)).toBe(60_000);
    expect(readinessRecheckDelayMs('requeue', 10_000)).toBe(30_000); // never below the first
    expect(readinessRecheckDelayMs('requeue', 50_000)).toBe(100_000);
    expect(readinessRecheckDelayMs('requeue', 60_000)).toBe(120_000);
    expect(readinessRecheckDelayMs('requeue', 120_000)).toBe(120_000);
    // A requeue without a recorded delay (added by hand) starts over.
    expect(readinessRecheckDelayMs('requeue', undefined)).toBe(30_000);
    expect(readinessRecheckDelayMs('requeue', 1000, { initialMs: 500, maxMs: 4000 })).toBe(2000);
  });
});
