/**
 * The one error protocol of every Lostrómos package.
 *
 * - `code`: stable, starts with `LZ_`, names one mistake, documented where its package is.
 * - `retryable`: whether the same input can succeed later (a 5xx, a lost connection, a port in use) or needs a
 *   change first (a bad template, a refused object, a missing kubeconfig).
 * - `retryAfterMs`: how long to wait before that retry, when the server or the component knows.
 *
 * The queue retries on `retryable` (waiting at least `retryAfterMs`), the reconcile turns a permanent error into
 * a status condition and an Event, the CLI into its exit code. The readers below are structural, so an error
 * that crossed a boundary as plain data (a worker thread, a serialized job failure) reads the same.
 */
export abstract class LostromosError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  readonly retryAfterMs?: number | undefined;
}

/** The prefix of every error code. */
export const ERROR_CODE_PREFIX = 'LZ_';

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

export function errorCodeOf(err: unknown): string | undefined {
  const code = field(err, 'code');
  return typeof code === 'string' ? code : undefined;
}

/** True only for an error that says a retry can help. */
export function isRetryableError(err: unknown): boolean {
  return field(err, 'retryable') === true;
}

/** True only for an error that says it needs a change first; an error that says nothing is neither. */
export function isPermanentError(err: unknown): boolean {
  return field(err, 'retryable') === false;
}

/** The wait an error asks for before a retry, when it names a non-negative finite one. */
export function retryAfterMsOf(err: unknown): number | undefined {
  const ms = field(err, 'retryAfterMs');
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
