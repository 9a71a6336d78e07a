import { errorCodeOf } from './errors.js';
import { isOwnedBy } from './inventory.js';
import type { KubeObject, ObjectRef } from './kube-object.js';
import { describeRef } from './object-ref.js';
import type { KindRef } from './ports.js';
import type { ReconcileContext } from './reconcile-context.js';
import { scopeKey } from './desired-state.js';

function isUnknownKind(err: unknown): boolean {
  return errorCodeOf(err) === 'LOSTROMOS_UNKNOWN_KIND';
}

/**
 * Every object labelled as owned by the CR, across the given kinds. A kind the API server no longer serves
 * has no objects and is skipped. Lists are namespace-scoped when the policy confines objects to the CR's own
 * namespace (works with namespace-scoped RBAC), cluster-wide otherwise.
 */
export async function listOwnedAcross(
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
export async function deleteIfOwned(
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
