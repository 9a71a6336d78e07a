/**
 * Phase 2, apply: the skip rule (nothing can have changed → only re-read the objects), then the server-side
 * apply of each desired object in order, never taking over an object that is not this CR's.
 */
import type { ReconcileContext } from './context.js';
import type { DesiredState } from './desired.js';
import {
  ApplyRejectedError,
  errorMessageOf,
  isPermanentError,
  OwnershipConflictError,
  ReconcileError,
} from './errors.js';
import {
  describeRef,
  isOwnedBy,
  jsonEqual,
  OWNER_UID_LABEL,
  refKey,
  refOf,
  type CrStatus,
  type KubeObject,
  type ObjectRef,
} from './model.js';
import { inventoryOf, statusOf } from './status.js';

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

/**
 * True when every field of `desired` is present with an equal value in `live` (arrays compared element by
 * element, same length). Fields others added (defaults, status, other managers) are ignored, so this says
 * "applying `desired` again would change nothing we own". Server-side normalisation of a value (e.g. `0.5` →
 * `500m`) reads as a difference and costs one redundant, harmless apply. A `null` we render means "unset" in
 * server-side apply, so it matches an absent field.
 */
export function liveMatchesDesired(desired: unknown, live: unknown): boolean {
  if (desired === null) return live === null || live === undefined;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((d, i) => liveMatchesDesired(d, live[i]))
    );
  }
  if (desired !== null && typeof desired === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
    const liveRecord = live as Record<string, unknown>;
    return Object.entries(desired).every(
      ([key, value]) => value === undefined || liveMatchesDesired(value, liveRecord[key]),
    );
  }
  return desired === live;
}

/**
 * True when an existing object is already this CR's: our owner-uid label, or (if someone stripped the label)
 * our owner reference. Anything else is never adopted.
 */
function claimedBy(obj: KubeObject, crUid: string): boolean {
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
 *
 * Returns the live objects in apply order (for readiness); what was applied, created and updated is recorded
 * once, on the context.
 */
export async function applyObjects(
  ctx: ReconcileContext,
  cr: KubeObject,
  objects: readonly KubeObject[],
): Promise<KubeObject[]> {
  const live: KubeObject[] = [];
  const uid = cr.metadata.uid ?? '';
  const inventory = new Set((statusOf(cr).resources ?? []).map(refKey));
  for (const obj of objects) {
    const ref = refOf(obj);
    const applied = inventory.has(refKey(ref))
      ? await applyChecked(ctx, obj, ref, uid)
      : await applyNew(ctx, obj, ref, uid);
    ctx.applied.push(ref);
    ctx.deps.hooks?.onApply?.(ref);
    live.push(applied.live);
    if (applied.change === 'created') ctx.created.push(ref);
    else if (applied.change === 'updated') ctx.updated.push(ref);
  }
  return live;
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
