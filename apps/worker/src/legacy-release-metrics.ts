import type { ReconcileResult } from '@lostromos/reconcile';

/** The original tool's release operations (`releases_{create,update,delete}_total` and their `_error_` twins). */
export type ReleaseOp = 'create' | 'update' | 'delete';

/** What one reconcile amounted to for the CR as a whole, in the original tool's terms. */
export interface ReleaseChange {
  op: ReleaseOp;
  /** false when the attempt ended in a permanent error (retryable errors are retried, not counted). */
  ok: boolean;
}

/**
 * The release operation a reconcile performed or failed, derived from the plain facts of its result; undefined
 * when it changed nothing for the CR as a whole. The meanings are docs/observability.md's:
 * - `create`: the CR's first successful apply (its status had no `lastApplied` when the reconcile read it), or a
 *   permanent failure before that first success;
 * - `update`: a later apply that created, updated (changed) or pruned an object, or a permanent failure after
 *   the first success;
 * - `delete`: the cleanup of a deleted (or opted-out) CR that released our finalizer, or a cleanup refused
 *   permanently.
 * Nothing: the skip rule, a re-apply that changed no object, paused, gone, a deleted CR without our finalizer.
 */
export function releaseChangeOf(result: ReconcileResult): ReleaseChange | undefined {
  if (result.cleanup) {
    if (result.outcome === 'failed-permanent') return { op: 'delete', ok: false };
    return result.finalizer === 'released' ? { op: 'delete', ok: true } : undefined;
  }
  const op: ReleaseOp = result.appliedBefore ? 'update' : 'create';
  if (result.outcome === 'failed-permanent') return { op, ok: false };
  if (result.outcome !== 'applied') return undefined;
  if (op === 'create') return { op, ok: true };
  const changed = result.created.length + result.updated.length + result.pruned.length > 0;
  return changed ? { op, ok: true } : undefined;
}
