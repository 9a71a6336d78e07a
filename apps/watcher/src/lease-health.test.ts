import { describe, expect, it } from 'vitest';
import { leaseHealth, type LeaseObservation } from './lease-health.js';

const S = {
  identity: 'me',
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
  startedAtMs: 0,
};
const view = (o: Partial<LeaseObservation>): LeaseObservation => ({
  lease: 'ops/lostromos-watcher',
  leading: false,
  lastContactMs: 100_000,
  holder: 'other',
  holderLeaseDurationSeconds: 15,
  unchangedSinceMs: 99_000,
  ...o,
});

describe('leaseHealth (watcher readiness)', () => {
  it('a standby whose leader renews is ready; a leader is ready', () => {
    expect(leaseHealth([view({})], 100_500, S)).toEqual({ ok: true, detail: 'standby (me)' });
    expect(leaseHealth([view({ leading: true, holder: 'me' })], 100_500, S).detail).toBe(
      'leader of ops/lostromos-watcher (me)',
    );
  });
  it('is not ready when the API server has not answered for longer than the renew deadline', () => {
    const r = leaseHealth([view({ lastContactMs: 80_000, lastError: 'ECONNREFUSED' })], 100_000, S);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(
      /no successful answer from the API server to Lease requests for 20 s \(last error: ECONNREFUSED\)/,
    );
    // Right after start there was no contact yet: judged from the start, not from epoch 0.
    expect(leaseHealth([view({ lastContactMs: 0 })], 5_000, S).ok).toBe(true);
  });
  it('is not ready when another holder keeps the Lease without renewing (hijacked), and says how to fix it', () => {
    const r = leaseHealth(
      [view({ holder: 'intruder', holderLeaseDurationSeconds: 3600, unchangedSinceMs: 60_000 })],
      100_000,
      S,
    );
    expect(r.ok).toBe(false);
    expect(r.detail).toContain(
      'held by "intruder", which has not renewed it for 40 s (its leaseDurationSeconds is 3600, ours 15)',
    );
    expect(r.detail).toContain('kubectl -n ops delete lease lostromos-watcher');
  });
  it('gives a holder that just stopped one lease duration and two retries before calling it stuck', () => {
    expect(leaseHealth([view({ unchangedSinceMs: 100_000 - 18_000 })], 100_000, S).ok).toBe(true);
    expect(leaseHealth([view({ unchangedSinceMs: 100_000 - 20_000 })], 100_000, S).ok).toBe(false);
  });
});
