import type { CrStatus } from './cr-status.js';
import type { DesiredState } from './desired-state.js';
import { inventoryOf, isOwnedBy } from './inventory.js';
import type { KubeObject } from './kube-object.js';
import { liveMatchesDesired } from './live-matches.js';
import { refKey, refOf } from './object-ref.js';
import type { ReconcileContext } from './reconcile-context.js';

/**
 * First half of the skip rule, pure: the render hash and CR generation equal those of the last successful
 * apply recorded in status, and the recorded inventory is exactly the desired set.
 */
export function matchesLastApply(
  status: CrStatus,
  desired: DesiredState,
  generation: number | undefined,
): boolean {
  const last = status.lastApplied;
  if (!last || last.renderHash !== desired.hash || last.generation !== (generation ?? 0)) return false;
  const recorded = (status.resources ?? []).map(refKey).join('\n');
  return recorded === inventoryOf(desired.objects).map(refKey).join('\n');
}

/**
 * Second half, reads only: every desired object still exists, is ours, and still holds every field we render
 * (drift by someone else forces an apply). Returns the live objects (for readiness) or undefined when an
 * apply is needed.
 */
export async function findUpToDateLive(
  ctx: ReconcileContext,
  cr: KubeObject,
  desired: DesiredState,
): Promise<KubeObject[] | undefined> {
  const uid = cr.metadata.uid ?? '';
  const live: KubeObject[] = [];
  for (const obj of desired.objects) {
    const current = await ctx.deps.reader.getObject(refOf(obj));
    if (!current || !isOwnedBy(current, uid) || !liveMatchesDesired(obj, current)) {
      ctx.log.debug(
        { cr: ctx.keyText, object: refKey(refOf(obj)), exists: !!current },
        'object missing or drifted; applying',
      );
      return undefined;
    }
    live.push(current);
  }
  return live;
}
