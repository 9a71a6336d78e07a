import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Verify marks: what lets a worker trust, instead of re-reading, the objects a CR's last reconcile applied.
 *
 * A job carries nothing but the CR key (a coalesced job keeps its first payload), so the watcher cannot tell the
 * worker *why* it enqueued a key. When it sees one of a CR's objects change in a way that may be drift — someone
 * else's write to a status-less object, a delete, fields our apply owns changing hands — it marks the CR here
 * first, then enqueues it (one connection, so Redis sees the mark before the job). A worker whose reconcile finds
 * no mark, for a job that is an `event` or `requeue`, may skip re-reading the status-less objects whose rendered
 * content did not change (nothing has touched them since a reconcile applied or verified them); with a mark, or
 * for a `resync`/`relist`/`templates` job, it reads every object as before. A successful reconcile removes the
 * mark it read — only that one (compare-and-delete), so a mark set while it ran survives for the next run,
 * which the watcher's enqueue (parked behind the running job) guarantees. A failed or interrupted reconcile
 * leaves the mark for its retry.
 *
 * One hash per resource queue, field = CR key, value = a token unique per mark. `_` cannot start a resource
 * (= queue) name, so the key never collides with BullMQ's `<prefix>:<queue>:…` keys.
 */
export function verifyMarksKey(prefix: string, queue: string): string {
  return `${prefix}:_verify:${queue}`;
}

/** The Redis commands a mark needs (ioredis `Redis` satisfies this). */
export type VerifyMarkRedis = Pick<Redis, 'hset' | 'hget' | 'eval'>;

/**
 * Marks the CR: its next reconcile reads every object. Sent at once, on the connection the enqueue that follows
 * goes out on, so it reaches Redis before that job does.
 */
export async function markForVerify(
  redis: VerifyMarkRedis,
  prefix: string,
  queue: string,
  key: string,
): Promise<void> {
  await redis.hset(verifyMarksKey(prefix, queue), key, randomBytes(8).toString('base64url'));
}

/** The CR's mark (its token), or undefined when nothing marked it since its last successful reconcile. */
export async function readVerifyMark(
  redis: VerifyMarkRedis,
  prefix: string,
  queue: string,
  key: string,
): Promise<string | undefined> {
  return (await redis.hget(verifyMarksKey(prefix, queue), key)) ?? undefined;
}

const CLEAR_IF_SAME = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0`;

/** Removes the CR's mark if it is still the one read (`token`): a newer mark stays. True when removed. */
export async function clearVerifyMark(
  redis: VerifyMarkRedis,
  prefix: string,
  queue: string,
  key: string,
  token: string,
): Promise<boolean> {
  return (await redis.eval(CLEAR_IF_SAME, 1, verifyMarksKey(prefix, queue), key, token)) === 1;
}
