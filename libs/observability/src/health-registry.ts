/** One named check: readiness (Redis reachable, informers synced, …) or liveness (event loop, …). */
export interface HealthCheck {
  ok: boolean;
  detail?: string;
  /** ISO time of the last change of `ok`. */
  since: string;
}

export interface HealthReport {
  ok: boolean;
  checks: Record<string, HealthCheck>;
}

export interface HealthRegistryOptions {
  now?: () => number;
}

export interface EventLoopWatchOptions {
  /** How often the loop is sampled (default 500 ms). */
  intervalMs?: number;
  /** Liveness fails while the loop is blocked longer than this (default 5000 ms). */
  stallThresholdMs?: number;
  /** Injected timers, for tests; default the global ones (unref'd so they never keep a process alive). */
  setInterval?: (fn: () => void, ms: number) => { unref?(): unknown };
  clearInterval?: (handle: unknown) => void;
}

const EVENT_LOOP = 'event-loop';

/**
 * Readiness and liveness of one process, fed by its components (`setReady('redis', false, 'ECONNREFUSED')`)
 * and read by `/readyz` and `/healthz`. A process with no readiness checks is not ready: components register
 * their checks (as not ready) when they start.
 */
export class HealthRegistry {
  private readonly ready = new Map<string, HealthCheck>();
  private readonly live = new Map<string, HealthCheck>();
  private readonly now: () => number;
  private loop:
    | {
        lastTick: number;
        lastLagMs: number;
        thresholdMs: number;
        intervalMs: number;
        ok: boolean;
        since: string;
      }
    | undefined;

  constructor(opts: HealthRegistryOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  setReady(name: string, ok: boolean, detail?: string): void {
    this.set(this.ready, name, ok, detail);
  }

  setLive(name: string, ok: boolean, detail?: string): void {
    this.set(this.live, name, ok, detail);
  }

  /** Forgets a check (e.g. a component that was stopped on purpose). */
  remove(name: string): void {
    this.ready.delete(name);
    this.live.delete(name);
  }

  /** ok only when at least one check exists and every check is ok. */
  readiness(): HealthReport {
    const checks = Object.fromEntries(this.ready);
    const values = Object.values(checks);
    return { ok: values.length > 0 && values.every((c) => c.ok), checks };
  }

  /** ok when every liveness check is ok and the event loop (if watched) is not stalled. */
  liveness(): HealthReport {
    const checks: Record<string, HealthCheck> = Object.fromEntries(this.live);
    const loop = this.loop;
    if (loop) {
      // A tick that is overdue right now means the loop is (or just was) blocked.
      const overdueMs = this.now() - loop.lastTick - loop.intervalMs;
      const blockedMs = Math.max(loop.lastLagMs, overdueMs);
      const ok = blockedMs <= loop.thresholdMs;
      if (ok !== loop.ok) {
        loop.ok = ok;
        loop.since = new Date(this.now()).toISOString();
      }
      checks[EVENT_LOOP] = {
        ok,
        detail: ok
          ? `event loop responsive (last lag ${Math.round(loop.lastLagMs)}ms)`
          : `event loop stalled for ${Math.round(blockedMs)}ms (threshold ${loop.thresholdMs}ms)`,
        since: loop.since,
      };
    }
    return { ok: Object.values(checks).every((c) => c.ok), checks };
  }

  /**
   * Samples the event loop: each tick measures how late it fired. Liveness fails while the latest lag, or the
   * time since the latest tick, exceeds the threshold; it recovers on the next punctual tick.
   * Returns a function that stops watching.
   */
  watchEventLoop(opts: EventLoopWatchOptions = {}): () => void {
    const intervalMs = opts.intervalMs ?? 500;
    const thresholdMs = opts.stallThresholdMs ?? 5000;
    const setI = opts.setInterval ?? ((fn: () => void, ms: number) => setInterval(fn, ms));
    const clearI = opts.clearInterval ?? ((h: unknown) => clearInterval(h as NodeJS.Timeout));
    if (!(intervalMs > 0) || !(thresholdMs > 0)) {
      throw new Error(
        `watchEventLoop: intervalMs (${intervalMs}) and stallThresholdMs (${thresholdMs}) must be > 0`,
      );
    }
    const state = {
      lastTick: this.now(),
      lastLagMs: 0,
      thresholdMs,
      intervalMs,
      ok: true,
      since: new Date(this.now()).toISOString(),
    };
    this.loop = state;
    const handle = setI(() => {
      const t = this.now();
      state.lastLagMs = Math.max(0, t - state.lastTick - intervalMs);
      state.lastTick = t;
    }, intervalMs);
    handle.unref?.();
    return () => {
      clearI(handle);
      if (this.loop === state) this.loop = undefined;
    };
  }

  private set(map: Map<string, HealthCheck>, name: string, ok: boolean, detail?: string): void {
    const prev = map.get(name);
    const since = prev && prev.ok === ok ? prev.since : new Date(this.now()).toISOString();
    map.set(name, detail === undefined ? { ok, since } : { ok, detail, since });
  }
}
