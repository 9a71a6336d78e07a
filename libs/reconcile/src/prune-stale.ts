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
 */
export async function pruneStale(
  ctx: ReconcileContext,
  cr: KubeObject,
  desired: DesiredState,
): Promise<void> {
  const previous = statusOf(cr).resources ?? [];
  const desiredRefs = desired.objects.map(refOf);
  const owned = await listOwnedAcross(ctx, cr, kindsOf([...previous, ...desiredRefs]), desired.scopes);
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
