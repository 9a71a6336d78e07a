/**
 * A token bucket: `burst` tokens, refilled at `qps` per second. Used as the client-side request limiter
 * (client-go's default is 5 QPS / 10 burst; ours is configurable) and for Event spam filtering.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly now: () => number;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    opts: { now?: () => number } = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.tokens = burst;
    this.last = this.now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
  }

  /** Takes a token when one is available. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /**
   * Reserves a token and returns how long to wait before using it (0 = now). Reservations queue up, so
   * concurrent callers are spaced 1/qps apart like client-go's rate limiter.
   */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    return Math.ceil((-this.tokens / this.qps) * 1000);
  }
}
