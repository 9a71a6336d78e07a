import { applyObjects, findUpToDateLive, matchesLastApply, type LiveReads } from './apply.js';
import { ReconcileContext } from './context.js';
import { prepareDesiredState } from './desired.js';
import {
  ApiRejectedError,
  asPermanentError,
  errorMessageOf,
  InvalidAnnotationError,
  isPermanentError,
  type ReconcileError,
} from './errors.js';
import { orphansPossible } from './inventory.js';
import {
  CLEANUP_FINALIZER,
  describeRefs,
  PAUSED_ANNOTATION,
  refOf,
  type CrKey,
  type KubeObject,
} from './model.js';
import type { ReconcileDeps, ReconcileResult } from './ports.js';
import { deleteOwned, pruneStale } from './prune-and-delete.js';
import {
  recordPending,
  reportPaused,
  reportPermanentFailure,
  reportReconciled,
  statusOf,
  truncate,
} from './status.js';

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
  ctx.current = cr;
  try {
    if (cleanup) return await deleteOwned(ctx, cr);
    const paused = pausedValue(cr, PAUSED_ANNOTATION);
    if (paused.invalid !== undefined) {
      throw new InvalidAnnotationError(
        `annotation ${PAUSED_ANNOTATION}=${JSON.stringify(paused.invalid)} is not understood: set it to "true" to pause reconciling this CR, or remove it`,
      );
    }
    if (paused.paused) return await reportPaused(ctx, cr);
    ctx.current = await ensureFinalizer(ctx, cr);
    // The finalizer always comes before any apply, so a CR that did not hold it yet never had anything applied —
    // unless its status says otherwise (someone removed our finalizer after applies): then it is no first sight.
    const status = statusOf(cr);
    const firstSeen =
      ctx.crFacts.finalizer === 'added' && !status.lastApplied && (status.resources ?? []).length === 0;
    return await reconcileLive(ctx, ctx.current, { firstSeen });
  } catch (err) {
    const permanent = asPermanentError(err);
    if (!permanent) throw err;
    return reportPermanentFailure(ctx, ctx.current, cleanup ? cleanupBlocked(permanent, err) : permanent);
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
  const reads: LiveReads = new Map();
  if (matchesLastApply(statusOf(cr), desired, cr.metadata.generation)) {
    const live = await findUpToDateLive(ctx, cr, desired, reads);
    if (live) return reportReconciled(ctx, cr, desired, live, 'unchanged');
  }
  const searchOrphans = orphansPossible(statusOf(cr), opts);
  // While orphans are possible they stay so until this apply's status write, which follows the search: no
  // write-ahead needed. Once not, objects new to the inventory are recorded before they are applied.
  if (!searchOrphans && !opts.firstSeen) {
    ctx.current = await recordPending(ctx, cr, desired.objects.map(refOf));
    cr = ctx.current;
  }
  ctx.inventoryComplete = !searchOrphans;
  const live = await applyObjects(ctx, cr, desired.objects, reads);
  await pruneStale(ctx, cr, desired, { searchOrphans });
  ctx.inventoryComplete = true;
  await recordChangeEvents(ctx, cr);
  ctx.log.info(
    {
      cr: ctx.keyText,
      applied: ctx.applied.length,
      created: ctx.created.length,
      updated: ctx.updated.length,
      pruned: ctx.pruned.length,
    },
    'reconciled',
  );
  return reportReconciled(ctx, cr, desired, live, 'applied');
}

/**
 * One Event per kind of change, and only for real changes (an unchanged re-apply emits nothing). The message
 * names the CR generation, so the Events of successive spec changes are distinct ones (one create each) rather
 * than repeats of one Event (a read and a patch each, from another worker a refused create as well).
 */
async function recordChangeEvents(ctx: ReconcileContext, cr: KubeObject): Promise<void> {
  const changes = [
    { reason: 'Created', action: 'Apply', refs: ctx.created },
    { reason: 'Updated', action: 'Apply', refs: ctx.updated },
    { reason: 'Pruned', action: 'Prune', refs: ctx.pruned },
  ];
  const generation = cr.metadata.generation ?? 0;
  for (const { reason, action, refs } of changes) {
    if (refs.length === 0) continue;
    const message = truncate(
      `${reason} ${refs.length} object${refs.length === 1 ? '' : 's'} for generation ${generation}: ${describeRefs(refs)}`,
    );
    await ctx.event(cr, { type: 'Normal', reason, action, message });
  }
}

// "Is this CR ours?", and the pause annotation.

/**
 * Whether a CR is ours to reconcile — decided here, once, for the watcher's predicates and the reconcile:
 * - `managed`: no opt-in annotation is configured, or the CR carries it;
 * - `opted-out`: the CR lacks the annotation but still holds our finalizer (it opted out after we applied its
 *   objects): its objects are deleted and the finalizer released, as if the CR were deleted;
 * - `ignored`: never opted in: not ours, left alone.
 */
export type CrMembership = 'managed' | 'opted-out' | 'ignored';

export function crMembership(cr: KubeObject, filterAnnotation: string | undefined): CrMembership {
  if (!filterAnnotation || cr.metadata.annotations?.[filterAnnotation] !== undefined) return 'managed';
  return (cr.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER) ? 'opted-out' : 'ignored';
}

/**
 * The `lostromos.io/paused` annotation: "true"/"false" in any letter case (absent or "" = not paused).
 * Anything else is a mistake the user must hear about, not a silent "not paused".
 */
export function pausedValue(cr: KubeObject, annotation: string): { paused: boolean; invalid?: string } {
  const raw = cr.metadata.annotations?.[annotation];
  if (raw === undefined || raw.trim() === '') return { paused: false };
  const v = raw.trim().toLowerCase();
  if (v === 'true') return { paused: true };
  if (v === 'false') return { paused: false };
  return { paused: false, invalid: raw };
}
