import { describe, expect, it } from 'vitest';
import { HealthRegistry } from './health-registry.js';

describe('HealthRegistry readiness', () => {
  it('is not ready before any component registered a check', () => {
    expect(new HealthRegistry().readiness()).toEqual({ ok: false, checks: {} });
  });

  it('is ready only while every check is ok, with per-check detail and transition time', () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const h = new HealthRegistry({ now: () => t });
    h.setReady('redis', true);
    h.setReady('informer/characters', false, 'list not synced yet');
    expect(h.readiness().ok).toBe(false);
    expect(h.readiness().checks['informer/characters']).toEqual({
      ok: false,
      detail: 'list not synced yet',
      since: '2026-01-01T00:00:00.000Z',
    });
    t += 1000;
    h.setReady('informer/characters', true);
    expect(h.readiness().ok).toBe(true);
    t += 1000;
    h.setReady('redis', false, 'ECONNREFUSED');
    h.setReady('redis', false, 'ECONNREFUSED again');
    expect(h.readiness()).toMatchObject({
      ok: false,
      checks: { redis: { ok: false, detail: 'ECONNREFUSED again', since: '2026-01-01T00:00:02.000Z' } },
    });
    h.remove('redis');
    expect(h.readiness().ok).toBe(true);
  });
});

describe('HealthRegistry liveness', () => {
  it('is alive with no checks, and follows liveness checks', () => {
    const h = new HealthRegistry();
    expect(h.liveness().ok).toBe(true);
    h.setLive('worker', false, 'lock renewal failing');
    expect(h.liveness()).toMatchObject({
      ok: false,
      checks: { worker: { ok: false, detail: 'lock renewal failing' } },
    });
  });

  it('fails while the event loop is stalled and recovers on the next punctual tick (injected clock)', () => {
    let t = 0;
    let tick: () => void = () => undefined;
    const h = new HealthRegistry({ now: () => t });
    const stop = h.watchEventLoop({
      intervalMs: 100,
      stallThresholdMs: 1000,
      setInterval: (fn) => ((tick = fn), {}),
      clearInterval: () => undefined,
    });
    t = 100;
    tick();
    expect(h.liveness().ok).toBe(true);
    t = 1500; // no tick for 1.4 s: overdue by 1.3 s
    expect(h.liveness()).toMatchObject({ ok: false, checks: { 'event-loop': { ok: false } } });
    expect(h.liveness().checks['event-loop']?.detail).toMatch(/stalled for 1300ms \(threshold 1000ms\)/);
    tick(); // the late tick records the lag
    expect(h.liveness().ok).toBe(false);
    t = 1600;
    tick();
    expect(h.liveness().ok).toBe(true);
    stop();
    t = 99_999;
    expect(h.liveness().checks['event-loop']).toBeUndefined();
  });

  it('detects a real stall of the event loop', async () => {
    const h = new HealthRegistry();
    const stop = h.watchEventLoop({ intervalMs: 20, stallThresholdMs: 300 });
    try {
      await new Promise((r) => setTimeout(r, 60));
      expect(h.liveness().ok).toBe(true);
      const until = Date.now() + 700;
      while (Date.now() < until) {
        // busy: the loop is blocked
      }
      expect(h.liveness().ok).toBe(false); // judged right now, before any timer could run
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 0));
      expect(h.liveness().ok).toBe(false); // the late tick recorded the lag
      await new Promise((r) => setTimeout(r, 100));
      expect(h.liveness().ok).toBe(true);
    } finally {
      stop();
    }
  });

  it('rejects nonsensical watch settings', () => {
    expect(() => new HealthRegistry().watchEventLoop({ intervalMs: 0 })).toThrow(/must be > 0/);
  });
});
