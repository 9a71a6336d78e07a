import { errorCodeOf } from '@lostromos/model';
import { errorMessageOf, ReconcileErrorCodes, type ReconcileResult } from '@lostromos/reconcile';
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

/** A permanent failure as a job carries it (and the worker logs it): code, condition reason, message. */
export type JobFailure = NonNullable<CrJobResult['error']>;

/**
 * The failure of a CR that cannot be read (getCr refused permanently, e.g. 403 from RBAC): the one permanent
 * failure reconcile() lets escape, since there is no CR to put a status or an Event on.
 */
export function unreadableCrFailure(err: unknown): JobFailure {
  const code = errorCodeOf(err) ?? 'UNKNOWN';
  const reason = (err as { reason?: unknown } | null)?.reason;
  return {
    code,
    reason: typeof reason === 'string' && reason !== '' ? reason : conditionReasonOf(code),
    message: errorMessageOf(err),
    retryable: false,
  };
}

/**
 * The fields of the worker's one log line per permanent failure ("reconcile failed permanently"), the same
 * whether reconcile() reported it on the CR or could not read the CR. The failure's text goes in `message`
 * (`err` is reserved for Error objects), next to its code and condition reason.
 */
export function permanentFailureFields(
  cr: string,
  failure: JobFailure | undefined,
  seconds: number,
): Record<string, unknown> {
  return {
    cr,
    code: failure?.code,
    reason: failure?.reason ?? (failure ? conditionReasonOf(failure.code) : undefined),
    message: failure?.message,
    durationMs: Math.round(seconds * 1000),
  };
}
