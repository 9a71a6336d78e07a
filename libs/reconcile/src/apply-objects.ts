import {
  ApplyRejectedError,
  errorMessageOf,
  isPermanentError,
  OwnershipConflictError,
  ReconcileError,
} from './errors.js';
import type { KubeObject, ObjectRef } from './kube-object.js';
import { OWNER_UID_LABEL } from './labels.js';
import { describeRef, refOf } from './object-ref.js';
import type { ReconcileContext } from './reconcile-context.js';

export interface ApplyReport {
  /** Live objects as returned by the server-side apply, in apply order. */
  live: KubeObject[];
  created: ObjectRef[];
  updated: ObjectRef[];
}

/**
 * True when an existing object is already this CR's: our owner-uid label, or (if someone stripped the label)
 * our owner reference. Anything else is never adopted.
 */
export function claimedBy(obj: KubeObject, crUid: string): boolean {
  if (obj.metadata.labels?.[OWNER_UID_LABEL] === crUid) return true;
  return (obj.metadata.ownerReferences ?? []).some((r) => r.uid === crUid);
}

/**
 * Server-side applies each object in the given (apply) order. Before each apply the live object is read: an
 * existing object that is not ours stops the reconcile with an OwnershipConflict instead of being taken over,
 * and comparing resourceVersions tells created, updated and unchanged apart (Events only for real changes).
 */
export async function applyObjects(
  ctx: ReconcileContext,
  cr: KubeObject,
  objects: readonly KubeObject[],
): Promise<ApplyReport> {
  const report: ApplyReport = { live: [], created: [], updated: [] };
  const uid = cr.metadata.uid ?? '';
  for (const obj of objects) {
    const ref = refOf(obj);
    const before = await ctx.deps.reader.getObject(ref);
    if (before && !claimedBy(before, uid)) throw ownershipConflict(ref, before, uid);
    const live = await applyOne(ctx, obj, ref);
    ctx.applied.push(ref);
    ctx.deps.hooks?.onApply?.(ref);
    report.live.push(live);
    if (!before) {
      report.created.push(ref);
      ctx.created.push(ref);
    } else if (before.metadata.resourceVersion !== live.metadata.resourceVersion) {
      report.updated.push(ref);
      ctx.updated.push(ref);
    }
  }
  return report;
}

async function applyOne(ctx: ReconcileContext, obj: KubeObject, ref: ObjectRef): Promise<KubeObject> {
  try {
    return await ctx.write(() => ctx.deps.writer.apply(obj));
  } catch (err) {
    if (err instanceof ReconcileError || !isPermanentError(err)) throw err;
    throw new ApplyRejectedError(ref, `the API server rejected ${describeRef(ref)}: ${errorMessageOf(err)}`, {
      cause: err,
    });
  }
}

function ownershipConflict(ref: ObjectRef, live: KubeObject, uid: string): OwnershipConflictError {
  const owner = live.metadata.labels?.[OWNER_UID_LABEL];
  const held = owner
    ? `is owned by another CR (${OWNER_UID_LABEL}=${owner})`
    : `is not managed by Lostrómos (no ${OWNER_UID_LABEL} label)`;
  return new OwnershipConflictError(
    ref,
    `${describeRef(ref)} already exists and ${held}; Lostrómos never takes over objects it did not create: ` +
      `rename the object in the template, delete the existing one, or label it ${OWNER_UID_LABEL}=${uid} to hand it to this CR`,
  );
}
