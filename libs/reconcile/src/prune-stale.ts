import { statusOf } from './cr-status.js';
import type { DesiredState } from './desired-state.js';
import { computePruneSet, kindsOf } from './inventory.js';
import type { KubeObject } from './kube-object.js';
import { refKey, refOf } from './object-ref.js';
import { deleteIfOwned, listOwnedAcross } from './owned-objects.js';
import type { ReconcileContext } from './reconcile-context.js';

/**
 * Deletes, in reverse apply order, what the previous inventory recorded or the owner-uid label finds and the
 * desired state no longer has. Never touches an object without our owner-uid label.
 *
 * `nothingAppliedBefore` (the CR got our finalizer in this reconcile, and the finalizer always comes before any
 * apply): no object labelled as this CR's can exist beyond what this reconcile applied, so the label-selected
 * LISTs — one per kind, each a scan of every object of the kind — are skipped and only the inventory is
 * checked. Otherwise they find the orphans of an apply interrupted before its status write.
 */
export async function pruneStale(
  ctx: ReconcileContext,
  cr: KubeObject,
  desired: DesiredState,
  opts: { nothingAppliedBefore?: boolean } = {},
): Promise<void> {
  const previous = statusOf(cr).resources ?? [];
  const desiredRefs = desired.objects.map(refOf);
  const owned = opts.nothingAppliedBefore
    ? []
    : await listOwnedAcross(ctx, cr, kindsOf([...previous, ...desiredRefs]), desired.scopes);
  const listed = new Map(owned.map((obj) => [refKey(refOf(obj)), obj]));
  const candidates = computePruneSet({
    previous,
    desired: desiredRefs,
    owned,
    ownerUid: cr.metadata.uid ?? '',
  });
  for (const ref of candidates) {
    if (await deleteIfOwned(ctx, cr, ref, listed.get(refKey(ref)))) {
      ctx.pruned.push(ref);
      ctx.deps.hooks?.onPrune?.(ref);
    }
  }
}
