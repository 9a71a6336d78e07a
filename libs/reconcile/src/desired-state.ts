import { sortForApply } from './apply-order.js';
import { enforceAllowPolicy } from './allow-policy.js';
import { buildDesiredObjects } from './desired-objects.js';
import { errorMessageOf, isRetryableError, ReconcileError, RenderFailedError } from './errors.js';
import type { KubeObject } from './kube-object.js';
import { describeRef, refOf } from './object-ref.js';
import type { ReconcileContext } from './reconcile-context.js';
import { renderHash } from './render-hash.js';

/** What should exist for a CR: the objects in apply order, their hash, and the scope of each kind. */
export interface DesiredState {
  objects: KubeObject[];
  hash: string;
  /** `apiVersion/kind` → namespaced, from discovery. */
  scopes: Map<string, boolean>;
}

export function scopeKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

/**
 * Renders the CR, resolves every kind's scope by discovery, builds the desired objects and enforces the allow
 * policy. Permanent problems throw a {@link ReconcileError}; retryable port errors propagate unchanged.
 */
export async function prepareDesiredState(ctx: ReconcileContext, cr: KubeObject): Promise<DesiredState> {
  const rendered = await renderCr(ctx, cr);
  const scopes = await resolveScopes(ctx, rendered);
  const objects = buildDesiredObjects(rendered, {
    cr,
    resourceName: ctx.deps.resource.name,
    isNamespaced: (apiVersion, kind) => scopes.get(scopeKey(apiVersion, kind)),
  });
  enforceAllowPolicy(objects, { cr, resourceName: ctx.deps.resource.name, allow: ctx.deps.resource.allow });
  return { objects: sortForApply(objects), hash: renderHash(objects, ctx.deps.renderer.revision), scopes };
}

async function renderCr(ctx: ReconcileContext, cr: KubeObject): Promise<KubeObject[]> {
  let rendered: unknown;
  try {
    rendered = await ctx.deps.renderer.render(cr);
  } catch (err) {
    if (isRetryableError(err) || err instanceof ReconcileError) throw err;
    throw new RenderFailedError(`rendering ${describeRef(refOf(cr))} failed: ${errorMessageOf(err)}`, {
      cause: err,
    });
  }
  if (!Array.isArray(rendered)) {
    throw new RenderFailedError(`rendering ${describeRef(refOf(cr))} returned no list of objects`);
  }
  return rendered as KubeObject[];
}

/** Discovery for each distinct kind that looks like one (malformed objects are rejected by the builder). */
async function resolveScopes(
  ctx: ReconcileContext,
  rendered: readonly KubeObject[],
): Promise<Map<string, boolean>> {
  const scopes = new Map<string, boolean>();
  for (const obj of rendered) {
    const { apiVersion, kind } = (obj ?? {}) as Partial<KubeObject>;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind) continue;
    const key = scopeKey(apiVersion, kind);
    if (!scopes.has(key)) scopes.set(key, await ctx.deps.reader.isNamespaced(apiVersion, kind));
  }
  return scopes;
}
