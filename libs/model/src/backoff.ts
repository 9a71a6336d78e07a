/** Exponential backoff with full jitter in [base/2, base], capped: what client-go's wait.Backoff calls jitter. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** Default Math.random, injectable for tests. */
  random?: () => number;
}

/** Delay before retry number `attempt` (1-based). */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const factor = opts.factor ?? 2;
  const random = opts.random ?? Math.random;
  const base = Math.min(opts.maxMs, opts.initialMs * factor ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}
