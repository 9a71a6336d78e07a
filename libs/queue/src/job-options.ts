import type { JobsOptions } from 'bullmq';
import { backoffDelay } from '@lostromos/model';

/**
 * Why a CR key was enqueued; also the BullMQ job name, so Bull Board shows it. `new`: a CR the watch reports
 * created (never reconciled: it holds no finalizer of ours); `event`: any other change of a CR, its deletion,
 * and a change to one of its objects (drift, readiness).
 */
export type EnqueueReason = 'event' | 'new' | 'resync' | 'requeue' | 'relist' | 'templates';

/**
 * BullMQ priorities (lower runs first): changes to CRs that exist, their deletions and their objects' drift and
 * readiness go ahead of timed readiness re-checks (requeues), which go ahead of new CRs, which go ahead of
 * template rollouts' and periodic resyncs' mass re-enqueues. `event` is 0, no priority: such a job goes to
 * BullMQ's wait list, which a worker always takes from before the prioritized set, so events need no priority
 * bookkeeping (a counter increment and a sorted-set insert per job) to run first.
 *
 * New CRs come after events so that a burst of them does not hold back everything else: the readiness re-check
 * of a CR whose Deployment just became Available (an event) runs as soon as a worker is free, not after every
 * CR created after it — Ready follows each CR's objects during the burst instead of arriving at its end — and
 * a change to an existing CR is not stuck behind thousands of creations. Among new CRs the order stays FIFO.
 */
export const JOB_PRIORITY: Readonly<Record<EnqueueReason, number>> = {
  event: 0,
  requeue: 5,
  new: 6,
  templates: 8,
  relist: 10,
  resync: 10,
};

/** Retries of retryable failures before a job is left in the failed set for inspection (resync retries later). */
export const MAX_ATTEMPTS = 12;
/** Custom backoff type handled by {@link retryDelayMs}. */
export const BACKOFF_TYPE = 'lostromos';

/**
 * Finished jobs kept for inspection: bounded by count and age. Set on the workers (CrWorker), which BullMQ
 * applies to every job that does not name its own: the jobs themselves do not carry them.
 */
export const KEEP_COMPLETED = { count: 1000, age: 3600 } as const;
export const KEEP_FAILED = { count: 5000, age: 7 * 24 * 3600 } as const;

/**
 * Entries of a queue's BullMQ events stream (`<prefix>:<queue>:events`, trimmed approximately). Nothing in
 * Lostrómos reads it (no QueueEvents); it is kept short for someone inspecting it with XRANGE, instead of
 * BullMQ's default 10,000 entries per queue.
 */
export const EVENTS_STREAM_MAX_LEN = 1000;

/** The whole job payload: the CR key only (a coalesced job keeps its first payload, so nothing else may ride along). */
export interface CrJobData {
  key: string;
}

/**
 * Options of every CR job.
 *
 * `deduplication.id = key` with `keepLastIfActive` gives per-CR exclusivity plus the workqueue's "dirty while
 * processing": at most one job per key is waiting/delayed, and an add while the key's job is active is parked
 * (one slot, last wins) and enqueued when that job finishes. `replace` lets a new event supersede a *delayed*
 * job of the key (a backoff retry or a RequeueAfter), so a change is handled at once.
 *
 * A `requeue` (RequeueAfter: readiness not reached yet) only stands in for "nothing else will look at this CR
 * again": it is plain deduplication, dropped whenever the key already has a job — waiting, delayed, active or
 * parked. That job reconciles the CR and asks for its own requeue if it still needs one, so a requeue never
 * replaces or parks behind it and never adds a second run (the "completed" handler that adds it may run after
 * the next job of the key has started).
 */
export function crJobOptions(key: string, reason: EnqueueReason, delayMs = 0): JobsOptions {
  const priority = JOB_PRIORITY[reason];
  return {
    deduplication: reason === 'requeue' ? { id: key } : { id: key, keepLastIfActive: true, replace: true },
    ...(priority > 0 ? { priority } : {}),
    ...(delayMs > 0 ? { delay: Math.round(delayMs) } : {}),
    attempts: MAX_ATTEMPTS,
    backoff: { type: BACKOFF_TYPE },
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

/** First timed re-check of a CR whose objects are not ready yet, and the longest one. */
export const READINESS_RECHECK = { initialMs: 30_000, maxMs: 120_000 } as const;

/**
 * When to look again at a CR whose objects are not ready yet: a fallback only. The trigger is the watch — the
 * leading watcher enqueues the owner of an owned object that someone else changed (a controller's status
 * write included), and that event replaces the delayed re-check. So the timer only fires when nothing changed
 * meanwhile (the objects are still progressing, or a change was missed: a kind not watched yet, a watch that
 * fails): after an event or any other trigger, the first re-check is `initialMs` away; when the run itself was
 * such a re-check (`previousMs` = its delay), the next one waits twice as long, up to `maxMs`. A CR that waits
 * minutes for its Deployment costs a handful of re-checks instead of one every 10 s (the poll this replaced). The watch
 * misses nothing on its own: every input of the readiness rules is the object's status, which only a write changes,
 * and a kind's first list re-checks the owners that are not Ready yet (resource-controller.ts).
 */
export function readinessRecheckDelayMs(
  trigger: string,
  previousMs: number | undefined,
  bounds: { initialMs: number; maxMs: number } = READINESS_RECHECK,
): number {
  if (trigger !== 'requeue' || previousMs === undefined || previousMs <= 0) return bounds.initialMs;
  return Math.min(bounds.maxMs, Math.max(bounds.initialMs, previousMs * 2));
}
