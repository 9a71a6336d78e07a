import type { Redis } from 'ioredis';

/**
 * How a CR's last reconcile ended in failure:
 * - `failed`: a permanent failure (render error, invalid object, policy, RBAC…). The job *completed* (nothing to
 *   retry until the CR or the templates change, or the next resync), so Bull Board's Failed tab does not show it;
 * - `retrying`: a retryable error; the job is retried with backoff;
 * - `gave-up`: a retryable error on the job's last attempt; the job is in the failed set.
 */
export type CrFailureState = 'failed' | 'retrying' | 'gave-up';

/** What the worker records about a CR whose last reconcile failed (the dashboard lists these first). */
export interface CrFailure {
  /** The CR key, `group/plural/namespace/name` (namespace empty for cluster-scoped CRs). */
  key: string;
  state: CrFailureState;
  /** The CR's Ready condition reason for permanent failures (RenderFailed, …); the error's reason or code otherwise. */
  reason: string;
  code?: string;
  message: string;
  /** When the CR started failing (kept while it keeps failing, whatever the reason), ISO 8601. */
  since: string;
  /** When this failure happened, ISO 8601. */
  at: string;
  jobId: string;
  /** The job name: why the key was enqueued (event, new, resync, requeue, relist, templates). */
  trigger: string;
  /** This attempt (1-based) and the job's attempts. */
  attempt: number;
  maxAttempts: number;
  /** The worker (process identity) that hit it. */
  worker?: string;
}

/** Messages are cut to this length in the record (the CR's condition has the full text). */
export const CR_FAILURE_MESSAGE_MAX = 2000;

/**
 * One hash per resource queue, field = CR key. `_` cannot start a resource (= queue) name, so this never
 * collides with BullMQ's `<prefix>:<queue>:…` keys.
 */
export function crFailuresKey(prefix: string, queue: string): string {
  return `${prefix}:_failures:${queue}`;
}

/** The Redis commands the failure record needs (ioredis `Redis` satisfies this). */
export type CrFailureRedis = Pick<Redis, 'hget' | 'hset' | 'hdel' | 'hlen' | 'hscan'>;

function parse(text: string | null | undefined): CrFailure | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as CrFailure;
    return typeof v.key === 'string' && typeof v.reason === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Records that the CR's last reconcile failed. Called under the job's lock (one job per key at a time), so the
 * read of the previous record (to keep `since`) cannot race with another write of the same CR.
 */
export async function recordCrFailure(
  redis: CrFailureRedis,
  prefix: string,
  queue: string,
  failure: Omit<CrFailure, 'since'>,
): Promise<void> {
  const key = crFailuresKey(prefix, queue);
  const previous = parse(await redis.hget(key, failure.key));
  const message =
    failure.message.length <= CR_FAILURE_MESSAGE_MAX
      ? failure.message
      : `${failure.message.slice(0, CR_FAILURE_MESSAGE_MAX - 1)}…`;
  const record: CrFailure = { ...failure, message, since: previous?.since ?? failure.at };
  await redis.hset(key, failure.key, JSON.stringify(record));
}

/** The CR's last reconcile succeeded (or found it gone): it is no longer failing. */
export async function clearCrFailure(
  redis: CrFailureRedis,
  prefix: string,
  queue: string,
  crKey: string,
): Promise<void> {
  await redis.hdel(crFailuresKey(prefix, queue), crKey);
}

/** The failing CRs of one queue: at most `limit` records (unordered) and how many there are in all. */
export async function readCrFailures(
  redis: CrFailureRedis,
  prefix: string,
  queue: string,
  limit = 500,
): Promise<{ total: number; failures: CrFailure[] }> {
  const key = crFailuresKey(prefix, queue);
  const total = await redis.hlen(key);
  const failures: CrFailure[] = [];
  const seen = new Set<string>(); // HSCAN may return a field twice
  let cursor = '0';
  if (total > 0) {
    do {
      const [next, flat] = await redis.hscan(key, cursor, 'COUNT', 200);
      for (let i = 1; i < flat.length && failures.length < limit; i += 2) {
        const f = parse(flat[i]);
        if (f && !seen.has(f.key)) {
          seen.add(f.key);
          failures.push(f);
        }
      }
      cursor = next;
    } while (cursor !== '0' && failures.length < limit);
  }
  return { total, failures };
}
