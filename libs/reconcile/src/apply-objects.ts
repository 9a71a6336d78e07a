import {
  ApplyRejectedError,
  errorMessageOf,
  isPermanentError,
  OwnershipConflictError,
  ReconcileError,
} from './errors.js';
import { jsonEqual } from './canonical-json.js';
import { statusOf } from './cr-status.js';
import type { KubeObject, ObjectRef } from './kube-object.js';
import { OWNER_UID_LABEL } from './labels.js';
import { describeRef, refKey, refOf } from './object-ref.js';
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
 * Server-side applies each object in the given (apply) order, never taking over an existing object that is
 * not ours (OwnershipConflict instead):
 *
 * - an object the previous inventory (`status.resources`) does not name is most likely new: a create-only
 *   apply creates it in one request. If the API server refuses (it exists — an orphan of an interrupted
 *   apply, or someone else's), the checked path below decides;
 * - an object the inventory names, or one the create-only apply could not create, is read first: someone
 *   else's stops the reconcile, ours is applied, and comparing the two tells updated from unchanged (Events
 *   only for real changes).
 */
export async function applyObjects(
  ctx: ReconcileContext,
  cr: KubeObject,
  objects: readonly KubeObject[],
): Promise<ApplyReport> {
  const report: ApplyReport = { live: [], created: [], updated: [] };
  const uid = cr.metadata.uid ?? '';
  const inventory = new Set((statusOf(cr).resources ?? []).map(refKey));
  for (const obj of objects) {
    const ref = refOf(obj);
    const { live, change } = inventory.has(refKey(ref))
      ? await applyChecked(ctx, obj, ref, uid)
      : await applyNew(ctx, obj, ref, uid);
    ctx.applied.push(ref);
    ctx.deps.hooks?.onApply?.(ref);
    report.live.push(live);
    if (change === 'created') {
      report.created.push(ref);
      ctx.created.push(ref);
    } else if (change === 'updated') {
      report.updated.push(ref);
      ctx.updated.push(ref);
    }
  }
  return report;
}

interface Applied {
  live: KubeObject;
  change: 'created' | 'updated' | 'unchanged';
}

async function applyNew(
  ctx: ReconcileContext,
  obj: KubeObject,
  ref: ObjectRef,
  uid: string,
): Promise<Applied> {
  const created = await guarded(ref, () => ctx.write(() => ctx.deps.writer.applyIfAbsent(obj)));
  if (created !== 'refused') return { live: created, change: 'created' };
  return applyChecked(ctx, obj, ref, uid);
}

async function applyChecked(
  ctx: ReconcileContext,
  obj: KubeObject,
  ref: ObjectRef,
  uid: string,
): Promise<Applied> {
  const before = await ctx.deps.reader.getObject(ref);
  if (before && !claimedBy(before, uid)) throw ownershipConflict(ref, before, uid);
  const live = await applyOne(ctx, obj, ref);
  if (!before) return { live, change: 'created' };
  return { live, change: contentChanged(before, live) ? 'updated' : 'unchanged' };
}

/**
 * Whether an apply changed the object itself, not only its bookkeeping: a resourceVersion that moved because
 * our managedFields entry changed (e.g. it dropped the create-only precondition a create-only apply left in
 * it) is no update anyone would want an Event for.
 */
export function contentChanged(before: KubeObject, after: KubeObject): boolean {
  if (before.metadata.resourceVersion === after.metadata.resourceVersion) return false;
  const strip = (o: KubeObject): KubeObject => {
    const metadata = { ...o.metadata };
    delete metadata.resourceVersion;
    delete metadata.managedFields;
    return { ...o, metadata };
  };
  return !jsonEqual(strip(before), strip(after));
}

async function applyOne(ctx: ReconcileContext, obj: KubeObject, ref: ObjectRef): Promise<KubeObject> {
  return guarded(ref, () => ctx.write(() => ctx.deps.writer.apply(obj)));
}

/** A permanent refusal of an apply becomes ApplyRejected naming the object; retryable errors pass unchanged. */
async function guarded<T>(ref: ObjectRef, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
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
