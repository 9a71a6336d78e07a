import type { ApiError } from './status-error.js';
import { errors } from './status-error.js';
import type { Faults } from './types.js';

export const NO_FAULTS: Faults = {
  latencyMs: 0,
  errorRate: 0,
  errorStatus: 503,
  retryAfterSeconds: 1,
  errorVerbs: [],
  errorResources: [],
};

/** Run-time switchable faults: latency, random errors, pausing (requests wait until resumed). */
export class FaultInjector {
  private faults: Faults = { ...NO_FAULTS };
  private pausedUntil: Promise<void> | undefined;
  private release: (() => void) | undefined;

  constructor(private readonly random: () => number = Math.random) {}

  get current(): Faults {
    return {
      ...this.faults,
      errorVerbs: [...this.faults.errorVerbs],
      errorResources: [...this.faults.errorResources],
    };
  }

  get paused(): boolean {
    return this.pausedUntil !== undefined;
  }

  set(f: Partial<Faults>): void {
    const next = { ...this.faults, ...f };
    if (!(next.errorRate >= 0 && next.errorRate <= 1))
      throw new RangeError(`errorRate must be between 0 and 1, got ${String(next.errorRate)}`);
    if (![500, 503, 429].includes(next.errorStatus))
      throw new RangeError(`errorStatus must be 500, 503 or 429, got ${String(next.errorStatus)}`);
    if (!(next.latencyMs >= 0)) throw new RangeError(`latencyMs must be >= 0, got ${String(next.latencyMs)}`);
    if (!(next.retryAfterSeconds >= 0)) throw new RangeError(`retryAfterSeconds must be >= 0`);
    if (!Array.isArray(next.errorVerbs) || !Array.isArray(next.errorResources))
      throw new TypeError('errorVerbs and errorResources must be arrays');
    this.faults = next;
  }

  clear(): void {
    this.faults = { ...NO_FAULTS };
    this.resume();
  }

  pause(): void {
    if (this.pausedUntil) return;
    this.pausedUntil = new Promise((resolve) => (this.release = resolve));
  }

  resume(): void {
    const r = this.release;
    this.pausedUntil = undefined;
    this.release = undefined;
    r?.();
  }

  /** Whether `before` has anything to do (lets the hot path skip an await). */
  get active(): boolean {
    return this.pausedUntil !== undefined || this.faults.latencyMs > 0 || this.faults.errorRate > 0;
  }

  /**
   * Waits out pause and latency; returns the error to answer with, if one is injected for this request.
   * `errorResources` matches the plural `resource`, or `resource/subresource` to fault only e.g. status writes.
   */
  async before(verb: string, resource: string, subresource?: string): Promise<ApiError | undefined> {
    while (this.pausedUntil) await this.pausedUntil;
    const f = this.faults;
    if (f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (f.errorRate <= 0) return undefined;
    if (f.errorVerbs.length > 0 && !f.errorVerbs.includes(verb)) return undefined;
    if (
      f.errorResources.length > 0 &&
      !f.errorResources.includes(resource) &&
      !(subresource && f.errorResources.includes(`${resource}/${subresource}`))
    )
      return undefined;
    if (this.random() >= f.errorRate) return undefined;
    if (f.errorStatus === 429) return errors.tooManyRequests(f.retryAfterSeconds);
    if (f.errorStatus === 503) return errors.serviceUnavailable(f.retryAfterSeconds);
    return errors.internal('injected fault');
  }
}
