/**
 * Phase 3, prune and delete: remove what a CR no longer renders (after a successful apply), and everything a
 * deleted or opted-out CR owns before releasing its finalizer. Only objects carrying this CR's owner-uid label
 * are ever deleted, each with a uid precondition.
 */
import type { ReconcileContext } from './context.js';
import { buildDesiredObjects, scopeKey, sortForDelete, type DesiredState } from './desired.js';
import { errorCodeOf, errorMessageOf } from './errors.js';
import {
  CLEANUP_FINALIZER,
  compareRefs,
  describeRef,
  describeRefs,
  isOwnedBy,
  refKey,
  refOf,
  toRef,
  type KubeObject,
  type ObjectRef,
} from './model.js';
import type { KindRef, ReconcileResult } from './ports.js';
import { statusOf } from './status.js';

/**
 * Deletes, in reverse apply order, what the previous inventory recorded (pending entries included) or the
 * owner-uid label finds and the desired state no longer has. Never touches an object without our owner-uid label.
 *
 * `searchOrphans` (inventory.ts `orphansPossible`: objects of this CR may exist that the inventory does not
 * name, orphans of an apply interrupted before its status write): label-selected LISTs — one per kind, each a
 * scan of every object of the kind — find them. Otherwise only the inventory is checked: every object applied
 * since the first completed apply was recorded (pending) before its apply.
 */
export async function pruneStale(
  ctx: ReconcileContext,
  cr: KubeObject,
  desired: DesiredState,
  opts: { searchOrphans: boolean },
): Promise<void> {
  const previous = statusOf(cr).resources ?? [];
  const desiredRefs = desired.objects.map(refOf);
  const owned = opts.searchOrphans
    ? await listOwnedAcross(ctx, cr, kindsOf([...previous, ...desiredRefs]), desired.scopes)
    : [];
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

function isUnknownKind(err: unknown): boolean {
  return errorCodeOf(err) === 'LZ_UNKNOWN_KIND';
}

/**
 * Every object labelled as owned by the CR, across the given kinds. A kind the API server no longer serves
 * has no objects and is skipped. Lists are namespace-scoped when the policy confines objects to the CR's own
 * namespace (works with namespace-scoped RBAC), cluster-wide otherwise.
 */
async function listOwnedAcross(
  ctx: ReconcileContext,
  cr: KubeObject,
  kinds: readonly KindRef[],
  knownScopes: ReadonlyMap<string, boolean> = new Map(),
): Promise<KubeObject[]> {
  const uid = cr.metadata.uid ?? '';
  const found: KubeObject[] = [];
  for (const kind of kinds) {
    const namespaced = await scopeOf(ctx, kind, knownScopes);
    if (namespaced === undefined) continue;
    const confined =
      namespaced && !!cr.metadata.namespace && (ctx.deps.resource.allow?.namespaces ?? []).length === 0;
    const listed = await ctx.deps.reader.listOwned(kind, uid, confined ? cr.metadata.namespace : undefined);
    found.push(...listed.filter((obj) => isOwnedBy(obj, uid)));
  }
  return found;
}

async function scopeOf(
  ctx: ReconcileContext,
  kind: KindRef,
  known: ReadonlyMap<string, boolean>,
): Promise<boolean | undefined> {
  const cached = known.get(scopeKey(kind.apiVersion, kind.kind));
  if (cached !== undefined) return cached;
  try {
    return await ctx.deps.reader.isNamespaced(kind.apiVersion, kind.kind);
  } catch (err) {
    if (!isUnknownKind(err)) throw err;
    ctx.log.debug({ cr: ctx.keyText, kind }, 'kind no longer served; nothing of it to clean up');
    return undefined;
  }
}

/**
 * Deletes one object if, and only if, it exists and carries our owner-uid label, with a uid precondition so a
 * same-named replacement is never deleted. Returns true when this call deleted it.
 */
async function deleteIfOwned(
  ctx: ReconcileContext,
  cr: KubeObject,
  ref: ObjectRef,
  listed?: KubeObject,
): Promise<boolean> {
  const uid = cr.metadata.uid ?? '';
  const live = listed ?? (await getUnlessUnknownKind(ctx, ref));
  if (!live) return false;
  if (!isOwnedBy(live, uid)) {
    ctx.log.warn(
      { cr: ctx.keyText, object: describeRef(ref) },
      'object is not labelled as owned by this CR; left alone',
    );
    return false;
  }
  const options = {
    propagationPolicy: 'Background' as const,
    ...(live.metadata.uid ? { uid: live.metadata.uid } : {}),
  };
  const result = await ctx.write(() => ctx.deps.writer.deleteObject(ref, options));
  return result === 'deleted';
}

async function getUnlessUnknownKind(ctx: ReconcileContext, ref: ObjectRef): Promise<KubeObject | undefined> {
  try {
    return await ctx.deps.reader.getObject(ref);
  } catch (err) {
    if (isUnknownKind(err)) return undefined;
    throw err;
  }
}

// The prune set, pure.

/** Distinct kinds (apiVersion + kind) of the given refs, in stable order. */
export function kindsOf(refs: readonly ObjectRef[]): KindRef[] {
  const byKey = new Map<string, KindRef>();
  for (const ref of refs)
    byKey.set(`${ref.apiVersion}/${ref.kind}`, { apiVersion: ref.apiVersion, kind: ref.kind });
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, kind]) => kind);
}

export interface PruneSetInput {
  /** Inventory recorded by the previous successful apply. */
  previous: readonly ObjectRef[];
  /** What is rendered now. */
  desired: readonly ObjectRef[];
  /** Live objects found by label (`listOwned`) across the inventory's kinds. */
  owned: readonly KubeObject[];
  ownerUid: string;
}

/**
 * Candidates to prune, in deletion order: the previous inventory minus what is desired now, plus objects
 * labelled as ours that are not desired (orphans of an interrupted apply). Listed objects without our
 * owner-uid label are never included; inventory refs still have to be checked with {@link isOwnedBy} on the
 * live object before deleting.
 */
export function computePruneSet(input: PruneSetInput): ObjectRef[] {
  const desired = new Set(input.desired.map(refKey));
  const candidates = new Map<string, ObjectRef>();
  for (const ref of input.previous) {
    if (!desired.has(refKey(ref))) candidates.set(refKey(ref), toRef(ref));
  }
  for (const obj of input.owned) {
    const ref = refOf(obj);
    if (isOwnedBy(obj, input.ownerUid) && !desired.has(refKey(ref))) candidates.set(refKey(ref), ref);
  }
  return sortForDelete([...candidates.values()].sort(compareRefs));
}
