import type { JobsOptions } from 'bullmq';
import { backoffDelay } from '@lostromos/model';

/** Why a CR key was enqueued; also the BullMQ job name, so Bull Board shows it. */
export type EnqueueReason = 'event' | 'resync' | 'requeue' | 'relist' | 'templates';

/**
 * BullMQ priorities (lower runs first): CR changes and deletions (and drift on owned objects) go ahead of
 * requeues, which go ahead of periodic resyncs and mass re-enqueues.
 */
export const JOB_PRIORITY: Readonly<Record<EnqueueReason, number>> = {
  event: 1,
  requeue: 5,
  templates: 8,
  relist: 10,
  resync: 10,
};

/** Retries of retryable failures before a job is left in the failed set for inspection (resync retries later). */
export const MAX_ATTEMPTS = 12;
/** Custom backoff type handled by {@link retryDelayMs}. */
export const BACKOFF_TYPE = 'lostromos';

/** Finished jobs kept for inspection: bounded by count and age. */
export const KEEP_COMPLETED = { count: 1000, age: 3600 } as const;
export const KEEP_FAILED = { count: 5000, age: 7 * 24 * 3600 } as const;

/** The whole job payload: the CR key only (a coalesced job keeps its first payload, so nothing else may ride along). */
export interface CrJobData {
  key: string;
}

/**
 * Options of every CR job. `deduplication.id = key` with `keepLastIfActive` gives per-CR exclusivity plus the
 * workqueue's "dirty while processing": at most one job per key is waiting/delayed, and an add while the key's
 * job is active is parked (one slot, last wins) and enqueued when that job finishes. `replace` lets a new event
 * supersede a *delayed* job of the key (a backoff retry or a RequeueAfter), so a change is handled at once.
 */
export function crJobOptions(key: string, reason: EnqueueReason, delayMs = 0): JobsOptions {
  return {
    deduplication: { id: key, keepLastIfActive: true, replace: true },
    priority: JOB_PRIORITY[reason],
    ...(delayMs > 0 ? { delay: Math.round(delayMs) } : {}),
    attempts: MAX_ATTEMPTS,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: KEEP_FAILED,
  };
}

/**
 * Delay before retry `attemptsMade` (1-based): exponential from 500 ms to 5 min with jitter (like
 * controller-runtime's per-item limiter), never shorter than the API server's Retry-After.
 */
export function retryDelayMs(
  attemptsMade: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  return Math.max(backoffDelay(attemptsMade, { initialMs: 500, maxMs: 300_000, random }), retryAfterMs ?? 0);
}
