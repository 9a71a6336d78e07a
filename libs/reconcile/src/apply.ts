/**
 * Phase 2, apply: the skip rule (nothing can have changed → only re-read the objects), then the server-side
 * apply of each desired object in order, never taking over an object that is not this CR's, reading an object
 * first only when the inventory cannot vouch for it.
 */
import type { ReconcileContext } from './context.js';
import { objectHash, type DesiredState } from './desired.js';
import {
  ApplyRejectedError,
  errorMessageOf,
  isPermanentError,
  OwnershipConflictError,
  ReconcileError,
} from './errors.js';
import { trustedUid } from './inventory.js';
import {
  describeRef,
  isOwnedBy,
  jsonEqual,
  OWNER_UID_LABEL,
  refKey,
  refOf,
  type CrStatus,
  type InventoryEntry,
  type KubeObject,
  type ObjectRef,
} from './model.js';
import { readinessFixedByContent } from './readiness.js';
import { statusOf } from './status.js';

/** Objects read in this reconcile before any write, by refKey (undefined: read, and absent). */
export type LiveReads = Map<string, KubeObject | undefined>;

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
  const entries = status.resources ?? [];
  // A pending entry is an apply that began after the recorded one and did not complete.
  if (entries.some((entry) => entry.pending)) return false;
  const recorded = new Set(entries.map(refKey));
  const wanted = new Set(desired.objects.map((obj) => refKey(refOf(obj))));
  return recorded.size === wanted.size && [...wanted].every((key) => recorded.has(key));
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
  reads: LiveReads,
): Promise<KubeObject[] | undefined> {
  const uid = cr.metadata.uid ?? '';
  const live: KubeObject[] = [];
  const inventory = new Map((statusOf(cr).resources ?? []).map((entry) => [refKey(entry), entry]));
  for (const obj of desired.objects) {
    const trusted = await trustedAsApplied(ctx, obj, inventory.get(refKey(refOf(obj))), uid);
    if (trusted) {
      live.push(trusted);
      continue;
    }
    const current = await ctx.deps.reader.getObject(refOf(obj));
    // The apply that follows a failed check reuses what was read (no second GET of the same object).
    reads.set(refKey(refOf(obj)), current);
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
 * An object whose readiness follows from its rendered content (status-less kinds, a Service that is no
 * LoadBalancer: readinessFixedByContent) that a previous reconcile applied or verified with this very content,
 * as that reconcile left it — when the inventory's seal vouches for its uid and the worker says
 * nothing reported a possible drift of it since (deps.appliedObjectsUnchanged): then it need not be read, and
 * the desired object with its recorded uid stands for it. Undefined: read it.
 */
async function trustedAsApplied(
  ctx: ReconcileContext,
  obj: KubeObject,
  entry: InventoryEntry | undefined,
  crUid: string,
): Promise<KubeObject | undefined> {
  if (!entry || entry.pending || entry.hash !== objectHash(obj)) return undefined;
  if (!readinessFixedByContent(obj)) return undefined;
  const uid = trustedUid(entry, ctx.deps.inventoryKey, crUid);
  if (uid === undefined || !(await ctx.appliedObjectsUnchanged())) return undefined;
  return { ...obj, metadata: { ...obj.metadata, uid } };
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
 * How one desired object is applied, from its inventory entry (pure):
 * - `create`: the inventory does not name it (or only as pending): most likely new, one create-only apply;
 * - `apply-to-uid`: its rendered content changed since its recorded apply and the entry's seal vouches for its
 *   uid: one apply carrying that uid, which the API server refuses for any other object (replaced) or none;
 * - `verify`: its rendered content did not change: read it, and apply only when it is missing or drifted (a
 *   drift event may have been coalesced into this job);
 * - `read-then-apply`: anything else (a bare ref from an earlier version, an unsealed or forged entry): read it,
 *   check it is ours, apply.
 */
export type ApplyRoute = 'create' | 'apply-to-uid' | 'verify' | 'read-then-apply';

export function applyRouteOf(
  entry: InventoryEntry | undefined,
  hash: string,
  uidTrusted: boolean,
): ApplyRoute {
  if (!entry || entry.pending) return 'create';
  if (entry.uid === undefined || entry.hash === undefined) return 'read-then-apply';
  if (entry.hash === hash) return 'verify';
  return uidTrusted ? 'apply-to-uid' : 'read-then-apply';
}

/**
 * Server-side applies each object in the given (apply) order, never taking over an existing object that is
 * not ours (OwnershipConflict instead), each by its {@link ApplyRoute}. Whatever refuses a one-request route
 * (a create-only apply finding an object, a uid apply finding another object or none) falls back to reading
 * the object: someone else's stops the reconcile, ours is applied, and comparing the two tells updated from
 * unchanged (Events only for real changes).
 *
 * Returns the live objects in apply order (for readiness); what was applied, created and updated, and the
 * facts the inventory records, are recorded once, on the context.
 */
export async function applyObjects(
  ctx: ReconcileContext,
  cr: KubeObject,
  objects: readonly KubeObject[],
  reads: LiveReads = new Map(),
): Promise<KubeObject[]> {
  const live: KubeObject[] = [];
  const crUid = cr.metadata.uid ?? '';
  const inventory = new Map((statusOf(cr).resources ?? []).map((entry) => [refKey(entry), entry]));
  for (const obj of objects) {
    const ref = refOf(obj);
    const key = refKey(ref);
    const hash = objectHash(obj);
    const entry = inventory.get(key);
    const recordedUid = entry ? trustedUid(entry, ctx.deps.inventoryKey, crUid) : undefined;
    const route = applyRouteOf(entry, hash, recordedUid !== undefined);
    const target = { ctx, obj, ref, crUid };
    let applied: Applied;
    if (route === 'create') applied = await applyNew(target);
    else if (route === 'apply-to-uid') applied = await applyToUid(target, recordedUid ?? '');
    else if (route === 'verify') {
      const trusted = await trustedAsApplied(ctx, obj, entry, crUid);
      applied = trusted ? { live: trusted, change: 'verified' } : await verifyOrApply(target, reads);
    } else applied = await applyChecked(target, reads);
    ctx.facts.set(key, { hash, ...(applied.live.metadata.uid ? { uid: applied.live.metadata.uid } : {}) });
    live.push(applied.live);
    if (applied.change === 'verified') continue;
    ctx.applied.push(ref);
    ctx.deps.hooks?.onApply?.(ref);
    if (applied.change === 'created') ctx.created.push(ref);
    else if (applied.change === 'updated') ctx.updated.push(ref);
  }
  return live;
}

interface Applied {
  live: KubeObject;
  /** `verified`: read, found up to date, not applied. */
  change: 'created' | 'updated' | 'unchanged' | 'verified';
}

interface Target {
  ctx: ReconcileContext;
  obj: KubeObject;
  ref: ObjectRef;
  crUid: string;
}

async function applyNew(t: Target): Promise<Applied> {
  const created = await guarded(t.ref, () => t.ctx.write(() => t.ctx.deps.writer.applyIfAbsent(t.obj)));
  if (created !== 'refused') return { live: created, change: 'created' };
  return applyChecked(t, new Map());
}

/** Its rendered content changed, so the apply is an update: no read to tell updated from unchanged. */
async function applyToUid(t: Target, uid: string): Promise<Applied> {
  const live = await guarded(t.ref, () => t.ctx.write(() => t.ctx.deps.writer.applyIfUid(t.obj, uid)));
  if (live !== 'refused') return { live, change: 'updated' };
  t.ctx.log.debug(
    { cr: t.ctx.keyText, object: refKey(t.ref) },
    'recorded object replaced or gone; reading it',
  );
  return applyChecked(t, new Map());
}

async function verifyOrApply(t: Target, reads: LiveReads): Promise<Applied> {
  const before = await readOnce(t, reads);
  if (!before) return applyNew(t);
  if (!claimedBy(before, t.crUid)) throw ownershipConflict(t.ref, before, t.crUid);
  if (isOwnedBy(before, t.crUid) && liveMatchesDesired(t.obj, before))
    return { live: before, change: 'verified' };
  return applyRead(t, before);
}

async function applyChecked(t: Target, reads: LiveReads): Promise<Applied> {
  const before = await readOnce(t, reads);
  if (before && !claimedBy(before, t.crUid)) throw ownershipConflict(t.ref, before, t.crUid);
  return applyRead(t, before);
}

async function applyRead(t: Target, before: KubeObject | undefined): Promise<Applied> {
  const live = await guarded(t.ref, () => t.ctx.write(() => t.ctx.deps.writer.apply(t.obj)));
  if (!before) return { live, change: 'created' };
  return { live, change: contentChanged(before, live) ? 'updated' : 'unchanged' };
}

/** The object as read earlier in this reconcile (before any write), or a fresh read. */
async function readOnce(t: Target, reads: LiveReads): Promise<KubeObject | undefined> {
  const key = refKey(t.ref);
  if (reads.has(key)) {
    const earlier = reads.get(key);
    reads.delete(key);
    return earlier;
  }
  return t.ctx.deps.reader.getObject(t.ref);
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
