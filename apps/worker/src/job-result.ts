import { ReconcileErrorCodes, type ReconcileResult } from '@lostromos/reconcile';
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
    // `reason` is what the CR's Ready condition says (RenderFailed, …): the dashboard lists failing CRs by it.
    ...(result.error
      ? { error: { ...result.error, reason: result.error.reason ?? conditionReasonOf(result.error.code) } }
      : {}),
  };
}

/** The condition reason reconcile() writes for an error code (RenderFailed, …); the code itself when unknown. */
export function conditionReasonOf(code: string): string {
  return (
    (ReconcileErrorCodes as Readonly<Record<string, { reason: string } | undefined>>)[code]?.reason ?? code
  );
}

/** controller_runtime_reconcile_total's `result` label for a finished reconcile. */
export function resultLabel(result: ReconcileResult): ReconcileResultLabel {
  if (result.outcome === 'failed-permanent') return 'error';
  if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) return 'requeue_after';
  return 'success';
}
