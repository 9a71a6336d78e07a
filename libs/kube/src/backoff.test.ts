import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter } from './backoff.js';
import { TokenBucket } from './token-bucket.js';
import { resourcePath, splitApiVersion } from './resource-path.js';
import { microTime, validateLeaseDurations } from './lease-elector.js';
import { isTransientStatus, KubeApiError } from './errors.js';

describe('backoffDelay', () => {
  it('doubles per attempt, jitters within [base/2, base] and caps at maxMs', () => {
    const lo = { initialMs: 100, maxMs: 1000, random: () => 0 };
    const hi = { initialMs: 100, maxMs: 1000, random: () => 1 };
    expect([1, 2, 3].map((a) => backoffDelay(a, hi))).toEqual([100, 200, 400]);
    expect([1, 2, 3].map((a) => backoffDelay(a, lo))).toEqual([50, 100, 200]);
    expect(backoffDelay(20, hi)).toBe(1000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, ignores garbage', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 7_000)).toBe(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then spaces reservations 1/qps apart', () => {
    let t = 0;
    const b = new TokenBucket(10, 2, { now: () => t });
    expect(b.reserve()).toBe(0);
    expect(b.reserve()).toBe(0);
    expect(b.reserve()).toBe(100);
    expect(b.reserve()).toBe(200);
    t = 1000;
    expect(b.tryTake()).toBe(true);
  });
});

describe('resource paths', () => {
  it('builds core, group, namespaced and subresource paths', () => {
    expect(splitApiVersion('v1')).toEqual({ group: '', version: 'v1' });
    expect(resourcePath({ apiVersion: 'v1', plural: 'configmaps', namespace: 'ns', name: 'a' })).toBe(
      '/api/v1/namespaces/ns/configmaps/a',
    );
    expect(
      resourcePath({
        apiVersion: 'stable.example.io/v1',
        plural: 'characters',
        subresource: 'status',
        name: 'x',
      }),
    ).toBe('/apis/stable.example.io/v1/characters/x/status');
  });
});

describe('lease settings', () => {
  it('formats MicroTime with microseconds', () => {
    expect(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05.678000Z');
  });
  it('rejects durations that would allow two leaders', () => {
    expect(() =>
      validateLeaseDurations({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 }),
    ).toThrow(/leaseDurationSeconds \(10\) must be greater than renewDeadlineSeconds/);
    expect(() =>
      validateLeaseDurations({ leaseDurationMs: 15_000, renewDeadlineMs: 2000, retryPeriodMs: 2000 }),
    ).toThrow(/1.2 × retryPeriodSeconds/);
    expect(() =>
      validateLeaseDurations({ leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 300 }),
    ).not.toThrow();
  });
});

describe('KubeApiError', () => {
  it('marks 0/409/429/5xx retryable and 4xx permanent, with a stable code', () => {
    expect([0, 409, 429, 500, 503].every(isTransientStatus)).toBe(true);
    expect([400, 403, 404, 415, 422].some(isTransientStatus)).toBe(false);
    const e = new KubeApiError({
      status: 429,
      verb: 'GET',
      path: '/api/v1',
      message: 'slow down',
      retryAfterMs: 1000,
    });
    expect(e).toMatchObject({ code: 'LZ_KUBE_TRANSIENT', retryable: true, retryAfterMs: 1000 });
    expect(new KubeApiError({ status: 422, verb: 'PATCH', path: '/x', message: 'bad' })).toMatchObject({
      code: 'LZ_KUBE_REJECTED',
      retryable: false,
    });
  });
});
