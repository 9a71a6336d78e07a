import { PolicyViolationError } from './errors.js';
import type { KubeObject } from './kube-object.js';
import { describeRef, groupOf, refOf } from './object-ref.js';
import type { AllowPolicy } from './reconcile-resource.js';

export interface AllowPolicyContext {
  /** The CR the objects belong to (its namespace is always allowed for namespaced objects). */
  cr: KubeObject;
  /** Config resource name, used to point at the config field to change. */
  resourceName: string;
  allow?: AllowPolicy;
}

/**
 * Violations of the resource's `allow` policy, one message per offending object, each naming the object and
 * the config field that would permit it. Expects objects from {@link buildDesiredObjects} (cluster-scoped
 * objects carry no namespace). Empty when everything is allowed.
 */
export function findPolicyViolations(objects: readonly KubeObject[], ctx: AllowPolicyContext): string[] {
  const violations: string[] = [];
  for (const obj of objects) {
    const message = kindViolation(obj, ctx) ?? scopeViolation(obj, ctx);
    if (message) violations.push(message);
  }
  return violations;
}

/** Throws a {@link PolicyViolationError} listing every violation. */
export function enforceAllowPolicy(objects: readonly KubeObject[], ctx: AllowPolicyContext): void {
  const violations = findPolicyViolations(objects, ctx);
  if (violations.length > 0) throw new PolicyViolationError(violations);
}

/** True when `kind` (in `apiVersion`) matches one allow.kinds entry: `Kind` or `group/Kind` (`core/Kind`). */
export function kindAllowed(apiVersion: string, kind: string, allowed: readonly string[]): boolean {
  const group = groupOf(apiVersion) || 'core';
  return allowed.some((entry) => entry === kind || entry === `${group}/${kind}`);
}

function kindViolation(obj: KubeObject, ctx: AllowPolicyContext): string | undefined {
  const kinds = ctx.allow?.kinds ?? [];
  if (kinds.length === 0 || kindAllowed(obj.apiVersion, obj.kind, kinds)) return undefined;
  const group = groupOf(obj.apiVersion) || 'core';
  return (
    `${describeRef(refOf(obj))}: kind ${group}/${obj.kind} is not in allow.kinds [${kinds.join(', ')}] of resource "${ctx.resourceName}"; ` +
    `add "${obj.kind}" or "${group}/${obj.kind}" to resources[name=${ctx.resourceName}].allow.kinds to permit it`
  );
}

function scopeViolation(obj: KubeObject, ctx: AllowPolicyContext): string | undefined {
  const namespace = obj.metadata.namespace;
  if (!namespace) {
    if (ctx.allow?.clusterScoped) return undefined;
    return (
      `${describeRef(refOf(obj))}: ${obj.kind} is cluster-scoped and resource "${ctx.resourceName}" does not allow cluster-scoped objects; ` +
      `set resources[name=${ctx.resourceName}].allow.clusterScoped: true to permit it`
    );
  }
  const extra = ctx.allow?.namespaces ?? [];
  if (namespace === ctx.cr.metadata.namespace || extra.includes('*') || extra.includes(namespace))
    return undefined;
  const permitted = [
    ctx.cr.metadata.namespace ? `the CR's namespace "${ctx.cr.metadata.namespace}"` : undefined,
    ...extra.map((n) => `"${n}"`),
  ]
    .filter(Boolean)
    .join(', ');
  return (
    `${describeRef(refOf(obj))}: namespace "${namespace}" is not allowed for resource "${ctx.resourceName}" (allowed: ${permitted || 'none'}); ` +
    `add "${namespace}" to resources[name=${ctx.resourceName}].allow.namespaces to permit it`
  );
}
