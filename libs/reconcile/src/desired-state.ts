import { isRenderError } from '@lostromos/render';
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
 * Renders the CR, resolves every kind's scope by discovery, decorates the rendered objects and enforces the
 * allow policy. Permanent problems throw a {@link ReconcileError}; retryable port errors propagate unchanged.
 */
export async function prepareDesiredState(ctx: ReconcileContext, cr: KubeObject): Promise<DesiredState> {
  const rendered = await renderCr(ctx, cr);
  const scopes = await resolveScopes(ctx, rendered);
  let objects: KubeObject[];
  try {
    objects = buildDesiredObjects(rendered, {
      cr,
      resourceName: ctx.deps.resource.name,
      isNamespaced: (apiVersion, kind) => scopes.get(scopeKey(apiVersion, kind)),
    });
  } catch (err) {
    // Render's own rule, met only once namespaces are set (two objects that become one): a render failure
    // like any other the renderer reports.
    if (isRenderError(err)) throw renderFailed(cr, err);
    throw err;
  }
  enforceAllowPolicy(objects, { cr, resourceName: ctx.deps.resource.name, allow: ctx.deps.resource.allow });
  return { objects: sortForApply(objects), hash: renderHash(objects, ctx.deps.renderer.revision), scopes };
}

async function renderCr(ctx: ReconcileContext, cr: KubeObject): Promise<KubeObject[]> {
  let rendered: unknown;
  try {
    rendered = await ctx.deps.renderer.render(cr);
  } catch (err) {
    if (isRetryableError(err) || err instanceof ReconcileError) throw err;
    throw renderFailed(cr, err);
  }
  if (!Array.isArray(rendered)) {
    throw new RenderFailedError(`rendering ${describeRef(refOf(cr))} returned no list of objects`);
  }
  return rendered as KubeObject[];
}

function renderFailed(cr: KubeObject, err: unknown): RenderFailedError {
  return new RenderFailedError(`rendering ${describeRef(refOf(cr))} failed: ${errorMessageOf(err)}`, {
    cause: err,
  });
}

/** Discovery for each distinct kind rendered. */
async function resolveScopes(
  ctx: ReconcileContext,
  rendered: readonly KubeObject[],
): Promise<Map<string, boolean>> {
  const scopes = new Map<string, boolean>();
  for (const { apiVersion, kind } of rendered) {
    const key = scopeKey(apiVersion, kind);
    if (!scopes.has(key)) scopes.set(key, await ctx.deps.reader.isNamespaced(apiVersion, kind));
  }
  return scopes;
}
