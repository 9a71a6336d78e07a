import { findCondition } from './conditions.js';
import { computeStatus, ConditionReasons, readyCondition, statusOf } from './cr-status.js';
import type { DesiredState } from './desired-state.js';
import { asPermanentError, type ReconcileError } from './errors.js';
import { inventoryOf } from './inventory.js';
import type { KubeObject } from './kube-object.js';
import { PAUSED_ANNOTATION } from './labels.js';
import type { ReconcileResult } from './ports.js';
import type { ReconcileContext } from './reconcile-context.js';
import { summarizeReadiness } from './readiness.js';

const DEFAULT_READINESS_POLL_MS = 10_000;
/** events.k8s.io/v1 limits `note` to 1 kB. */
const EVENT_MESSAGE_MAX = 1000;
/** Keeps conditions readable and well under metav1.Condition's 32 kB message limit. */
const CONDITION_MESSAGE_MAX = 4000;

export function truncate(text: string, max = EVENT_MESSAGE_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Status after an apply or a verified no-op: Reconciled=True, Ready from the live objects, inventory, last apply. */
export async function reportReconciled(
  ctx: ReconcileContext,
  cr: KubeObject,
  desired: DesiredState,
  live: readonly KubeObject[],
  outcome: 'applied' | 'unchanged',
): Promise<ReconcileResult> {
  const previous = statusOf(cr);
  const generation = cr.metadata.generation;
  const summary = summarizeReadiness(live);
  const next = computeStatus({
    previous,
    generation,
    now: ctx.now,
    reconciled: {
      status: 'True',
      reason: ConditionReasons.Applied,
      message: `Applied ${desired.objects.length} ${desired.objects.length === 1 ? 'object' : 'objects'} for generation ${generation ?? 0}`,
    },
    ready: readyCondition(summary),
    resources: inventoryOf(desired.objects),
    lastApplied: { renderHash: desired.hash, generation: generation ?? 0 },
    templateRevision: ctx.deps.renderer.revision,
  });
  await ctx.writeStatusIfChanged(cr, previous, next);
  const seen = { readiness: summary.state, templateRevision: ctx.deps.renderer.revision };
  if (summary.state !== 'in-progress') return ctx.finish(outcome, seen);
  return ctx.finish(outcome, {
    ...seen,
    requeueAfterMs: ctx.deps.readinessPollMs ?? DEFAULT_READINESS_POLL_MS,
  });
}

/** The CR is paused: Reconciled=False/Paused; observedGeneration, Ready and the inventory stay as they were. */
export async function reportPaused(ctx: ReconcileContext, cr: KubeObject): Promise<ReconcileResult> {
  const previous = statusOf(cr);
  const next = computeStatus({
    previous,
    generation: cr.metadata.generation,
    now: ctx.now,
    observe: false,
    reconciled: {
      status: 'False',
      reason: ConditionReasons.Paused,
      message: `Reconciliation is paused by the annotation ${PAUSED_ANNOTATION}="true"; remove it to resume`,
    },
  });
  await ctx.writeStatusIfChanged(cr, previous, next);
  return ctx.finish('paused');
}

/**
 * A permanent error: Reconciled=False and Ready=False with the error's reason and message, a Warning Event
 * when that reason/message is new (not on every resync), objects applied before the failure added to the
 * inventory so they stay tracked. No retry: the next CR or template change (or resync) tries again.
 * When the status cannot be written either (refused permanently), the Warning Event still tells the failure,
 * and the result's message says the status write failed too; a retryable status error propagates.
 */
export async function reportPermanentFailure(
  ctx: ReconcileContext,
  cr: KubeObject,
  error: ReconcileError,
): Promise<ReconcileResult> {
  const previous = statusOf(cr);
  const failure = {
    status: 'False' as const,
    reason: error.reason,
    message: truncate(error.message, CONDITION_MESSAGE_MAX),
  };
  const next = computeStatus({
    previous,
    generation: cr.metadata.generation,
    now: ctx.now,
    reconciled: failure,
    ready: failure,
    ...(ctx.applied.length > 0
      ? { resources: inventoryOf([...(previous.resources ?? []), ...ctx.applied]) }
      : {}),
  });
  const last = findCondition(previous.conditions, 'Reconciled');
  const isNew =
    last?.status !== 'False' || last.reason !== failure.reason || last.message !== failure.message;
  let message = error.message;
  try {
    await ctx.writeStatusIfChanged(cr, previous, next);
  } catch (err) {
    const statusRefused = asPermanentError(err);
    if (!statusRefused) throw err;
    // The failure being reported may be this very refusal (a status write after an apply): say it once.
    if (statusRefused.message !== error.message) message = `${error.message} (and ${statusRefused.message})`;
  }
  if (isNew) {
    await ctx.event(cr, {
      type: 'Warning',
      reason: error.reason,
      action: 'Reconcile',
      message: truncate(message),
    });
  }
  // No log line here: the caller that owns the job logs its outcome once (the worker: "reconcile failed
  // permanently", with code, reason and message), so one failure is one warning line.
  return ctx.finish('failed-permanent', {
    error: { code: error.code, reason: error.reason, message, retryable: false },
  });
}
