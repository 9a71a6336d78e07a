import { applyObjects, type ApplyReport } from './apply-objects.js';
import { statusOf } from './cr-status.js';
import { deleteOwned } from './delete-owned.js';
import { prepareDesiredState } from './desired-state.js';
import { crMembership, pausedValue } from './cr-membership.js';
import {
  ApiRejectedError,
  asPermanentError,
  errorMessageOf,
  InvalidAnnotationError,
  isPermanentError,
  type ReconcileError,
} from './errors.js';
import type { CrKey, KubeObject } from './kube-object.js';
import { CLEANUP_FINALIZER, PAUSED_ANNOTATION } from './labels.js';
import type { ReconcileDeps, ReconcileResult } from './ports.js';
import { pruneStale } from './prune-stale.js';
import { ReconcileContext } from './reconcile-context.js';
import { reportPaused, reportPermanentFailure, reportReconciled, truncate } from './reconcile-report.js';
import { describeRefs } from './ref-list.js';
import { findUpToDateLive, matchesLastApply } from './skip-rule.js';

/**
 * Brings the cluster in line with one CR, level-triggered and idempotent: it reads the CR fresh and acts on
 * its current state, so a duplicated, coalesced or replayed job is harmless. Retryable port errors propagate
 * for the worker to retry. Every permanent failure takes one path, wherever it happens (the finalizer, the
 * render, an apply, a status write, the cleanup): Reconciled/Ready=False on the CR, a Warning Event and
 * outcome 'failed-permanent' (reportPermanentFailure). The one exception is a CR that cannot be read at all
 * (getCr refused): there is no CR to report on, so that error propagates. See docs/reconcile.md.
 */
export async function reconcile(key: CrKey, deps: ReconcileDeps): Promise<ReconcileResult> {
  const ctx = new ReconcileContext(key, deps);
  const cr = await deps.reader.getCr(key, { apiVersion: ctx.crApiVersion, kind: deps.resource.kind });
  if (!cr) return ctx.finish('gone');
  if (!cr.metadata.uid) throw new Error(`CR ${ctx.keyText} was returned without metadata.uid`);
  const membership = crMembership(cr, deps.resource.filterAnnotation);
  // Never opted in: not ours, as if it did not exist.
  if (membership === 'ignored') return ctx.finish('gone');
  // Deleted, or opted out while we still hold its finalizer: remove its objects, release the finalizer.
  const cleanup = !!cr.metadata.deletionTimestamp || membership === 'opted-out';
  ctx.crFacts = { appliedBefore: statusOf(cr).lastApplied !== undefined, cleanup };
  // The CR as the API server last returned it: a status write after the finalizer patch needs its
  // resourceVersion.
  let current = cr;
  try {
    if (cleanup) return await deleteOwned(ctx, cr);
    const paused = pausedValue(cr, PAUSED_ANNOTATION);
    if (paused.invalid !== undefined) {
      throw new InvalidAnnotationError(
        `annotation ${PAUSED_ANNOTATION}=${JSON.stringify(paused.invalid)} is not understood: set it to "true" to pause reconciling this CR, or remove it`,
      );
    }
    if (paused.paused) return await reportPaused(ctx, cr);
    // The finalizer always comes before any apply, so a CR that does not hold it yet never had anything applied.
    const firstSeen = !(cr.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER);
    current = await ensureFinalizer(ctx, cr);
    return await reconcileLive(ctx, current, { firstSeen });
  } catch (err) {
    const permanent = asPermanentError(err);
    if (!permanent) throw err;
    return reportPermanentFailure(ctx, current, cleanup ? cleanupBlocked(permanent, err) : permanent);
  }
}

/** A permanent refusal during cleanup (e.g. RBAC): the finalizer stays, so the CR stays until it succeeds. */
function cleanupBlocked(permanent: ReconcileError, cause: unknown): ReconcileError {
  return new ApiRejectedError(
    `cleanup of the deleted CR is blocked; the ${CLEANUP_FINALIZER} finalizer stays until it succeeds: ${permanent.message}`,
    { cause },
  );
}

/** Adds our finalizer when missing; a permanent refusal (403, 422) is reported like any other failure. */
async function ensureFinalizer(ctx: ReconcileContext, cr: KubeObject): Promise<KubeObject> {
  const finalizers = cr.metadata.finalizers ?? [];
  if (finalizers.includes(CLEANUP_FINALIZER)) return cr;
  try {
    const updated = await ctx.write(() =>
      ctx.deps.writer.setFinalizers(cr, [...finalizers, CLEANUP_FINALIZER]),
    );
    ctx.crFacts.finalizer = 'added';
    return updated;
  } catch (err) {
    if (!isPermanentError(err)) throw err;
    const { group, plural } = ctx.deps.resource;
    throw new ApiRejectedError(
      `cannot add the ${CLEANUP_FINALIZER} finalizer to the CR, so nothing was applied (it comes before any object, so that deleting the CR deletes them): ${errorMessageOf(err)}; allow Lostrómos to patch ${plural}.${group} (RBAC), or fix what the API server names`,
      { cause: err },
    );
  }
}

async function reconcileLive(
  ctx: ReconcileContext,
  cr: KubeObject,
  opts: { firstSeen: boolean },
): Promise<ReconcileResult> {
  const desired = await prepareDesiredState(ctx, cr);
  if (matchesLastApply(statusOf(cr), desired, cr.metadata.generation)) {
    const live = await findUpToDateLive(ctx, cr, desired);
    if (live) return reportReconciled(ctx, cr, desired, live, 'unchanged');
  }
  const report = await applyObjects(ctx, cr, desired.objects);
  await pruneStale(ctx, cr, desired, { nothingAppliedBefore: opts.firstSeen });
  await recordChangeEvents(ctx, cr, report);
  ctx.log.info(
    {
      cr: ctx.keyText,
      applied: ctx.applied.length,
      created: report.created.length,
      updated: report.updated.length,
      pruned: ctx.pruned.length,
    },
    'reconciled',
  );
  return reportReconciled(ctx, cr, desired, report.live, 'applied');
}

/** One Event per kind of change, and only for real changes (an unchanged re-apply emits nothing). */
async function recordChangeEvents(ctx: ReconcileContext, cr: KubeObject, report: ApplyReport): Promise<void> {
  const changes = [
    { reason: 'Created', action: 'Apply', refs: report.created },
    { reason: 'Updated', action: 'Apply', refs: report.updated },
    { reason: 'Pruned', action: 'Prune', refs: ctx.pruned },
  ];
  for (const { reason, action, refs } of changes) {
    if (refs.length === 0) continue;
    const message = truncate(
      `${reason} ${refs.length} object${refs.length === 1 ? '' : 's'}: ${describeRefs(refs)}`,
    );
    await ctx.event(cr, { type: 'Normal', reason, action, message });
  }
}
