import type { ReconcileResult } from '@lostromos/reconcile';
import type { ReconcileResultLabel } from '@lostromos/observability';
import type { CrJobResult } from '@lostromos/queue';

/** The job's return value: a compact summary of the reconcile (Bull Board shows it). */
export function toJobResult(result: ReconcileResult): CrJobResult {
  return {
    outcome: result.outcome,
    writes: result.writes,
    applied: result.applied.length,
    pruned: result.pruned.length,
    deleted: result.deleted.length,
    ...(result.requeueAfterMs !== undefined ? { requeueAfterMs: result.requeueAfterMs } : {}),
    ...(result.error ? { error: result.error } : {}),
  };
}

/** controller_runtime_reconcile_total's `result` label for a finished reconcile. */
export function resultLabel(result: ReconcileResult): ReconcileResultLabel {
  if (result.outcome === 'failed-permanent') return 'error';
  if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) return 'requeue_after';
  return 'success';
}

/** Which of the original tool's release operations a reconcile amounts to (undefined = none). */
export function releaseOp(
  result: ReconcileResult,
  eventReasons: ReadonlySet<string>,
): { op: 'create' | 'update' | 'delete'; ok: boolean } | undefined {
  if (result.outcome === 'deleted') return { op: 'delete', ok: true };
  if (result.outcome === 'failed-permanent')
    return { op: eventReasons.has('Created') ? 'create' : 'update', ok: false };
  if (eventReasons.has('Created')) return { op: 'create', ok: true };
  if (result.outcome === 'applied') return { op: 'update', ok: true };
  return undefined;
}
