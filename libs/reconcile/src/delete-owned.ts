import { sortForDelete } from './apply-order.js';
import { statusOf } from './cr-status.js';
import { buildDesiredObjects } from './desired-objects.js';
import { errorMessageOf } from './errors.js';
import { kindsOf } from './inventory.js';
import type { KubeObject, ObjectRef } from './kube-object.js';
import { CLEANUP_FINALIZER } from './labels.js';
import { compareRefs, refKey, refOf } from './object-ref.js';
import { deleteIfOwned, listOwnedAcross } from './owned-objects.js';
import type { ReconcileResult } from './ports.js';
import type { ReconcileContext } from './reconcile-context.js';
import { describeRefs } from './ref-list.js';

/**
 * The CR is being deleted: delete everything it owns (the inventory's objects plus every object labelled with
 * its uid across the inventory's kinds, in reverse apply order, uid preconditions), then release the
 * `lostromos.io/cleanup` finalizer. Retryable errors propagate before the finalizer is touched, so a retry
 * finishes the job.
 */
export async function deleteOwned(ctx: ReconcileContext, cr: KubeObject): Promise<ReconcileResult> {
  const finalizers = cr.metadata.finalizers ?? [];
  if (!finalizers.includes(CLEANUP_FINALIZER)) return ctx.finish('deleted');
  const inventory = statusOf(cr).resources ?? [];
  const kinds = kindsOf([...inventory, ...(await renderedRefs(ctx, cr))]);
  const owned = await listOwnedAcross(ctx, cr, kinds);
  const listed = new Map(owned.map((obj) => [refKey(refOf(obj)), obj]));
  const candidates = new Map<string, ObjectRef>(inventory.map((ref) => [refKey(ref), ref]));
  for (const obj of owned) candidates.set(refKey(refOf(obj)), refOf(obj));
  for (const ref of sortForDelete([...candidates.values()].sort(compareRefs))) {
    if (await deleteIfOwned(ctx, cr, ref, listed.get(refKey(ref)))) {
      ctx.deleted.push(ref);
      ctx.deps.hooks?.onDelete?.(ref);
    }
  }
  if (ctx.deleted.length > 0) {
    await ctx.event(cr, {
      type: 'Normal',
      reason: 'Deleted',
      action: 'Delete',
      message: `Deleted ${ctx.deleted.length} owned object${ctx.deleted.length === 1 ? '' : 's'}: ${describeRefs(ctx.deleted)}`,
    });
  }
  const remaining = finalizers.filter((f) => f !== CLEANUP_FINALIZER);
  await ctx.write(() => ctx.deps.writer.setFinalizers(cr, remaining));
  ctx.log.info({ cr: ctx.keyText, deleted: ctx.deleted.length }, 'owned objects deleted; finalizer released');
  ctx.crFacts.finalizer = 'released';
  return ctx.finish('deleted');
}

/**
 * Kinds the CR would render now, as a second source besides the inventory (covers objects applied by a run
 * that crashed before writing status). Best effort: a render failure only narrows the search.
 */
async function renderedRefs(ctx: ReconcileContext, cr: KubeObject): Promise<ObjectRef[]> {
  try {
    const rendered = await ctx.deps.renderer.render(cr);
    return buildDesiredObjects(rendered, { cr, resourceName: ctx.deps.resource.name }).map(refOf);
  } catch (err) {
    ctx.log.warn(
      { cr: ctx.keyText, message: errorMessageOf(err) },
      'could not render the deleted CR; cleaning up by inventory only',
    );
    return [];
  }
}
