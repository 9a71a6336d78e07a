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
    const kind = kindViolation(obj, ctx);
    const scope = scopeViolation(obj, ctx);
    // Both at once (e.g. a ClusterRole): one message with both fixes.
    const message =
      kind && scope ? `${kind}; and ${scope.slice(describeRef(refOf(obj)).length + 2)}` : (kind ?? scope);
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

/** Kinds that grant permissions: rendered only when allow.kinds names them (an empty list is not enough). */
export const PERMISSION_KINDS = ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'] as const;
const RBAC_GROUP = 'rbac.authorization.k8s.io';
const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';

/**
 * Why `obj` needs an explicit allow.kinds entry even under the default "any kind" policy: RBAC objects
 * grant permissions, and a Secret of type service-account-token mints a token for a ServiceAccount. A
 * template set that renders them must say so in the config (least privilege, and a second line of defence
 * should a CR value ever reach a template's structure). Undefined for every other object.
 */
export function sensitiveKind(obj: KubeObject): string | undefined {
  const group = groupOf(obj.apiVersion) || 'core';
  if (group === RBAC_GROUP && (PERMISSION_KINDS as readonly string[]).includes(obj.kind))
    return 'grants permissions';
  if (group === 'core' && obj.kind === 'Secret' && (obj as { type?: unknown }).type === SA_TOKEN_TYPE)
    return 'holds a ServiceAccount token';
  return undefined;
}

function kindViolation(obj: KubeObject, ctx: AllowPolicyContext): string | undefined {
  const kinds = ctx.allow?.kinds ?? [];
  const group = groupOf(obj.apiVersion) || 'core';
  if (kinds.length === 0) {
    const sensitive = sensitiveKind(obj);
    if (!sensitive) return undefined;
    return (
      `${describeRef(refOf(obj))}: a ${obj.kind} ${sensitive}, so resource "${ctx.resourceName}" must allow it by name: ` +
      `list "${obj.kind}" (or "${group}/${obj.kind}") in resources[name=${ctx.resourceName}].allow.kinds, together with every other kind its templates render ` +
      `(an empty allow.kinds admits every kind except RBAC objects and ServiceAccount token Secrets)`
    );
  }
  if (kindAllowed(obj.apiVersion, obj.kind, kinds)) return undefined;
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
