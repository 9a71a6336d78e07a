/**
 * Phase 1, the desired state: render the CR, resolve each rendered kind's scope by discovery, decorate the
 * objects (namespace, our labels, owner reference), enforce the resource's allow policy, sort them into apply
 * order and hash them (the skip rule's record). The rendered objects come validated by @lostromos/render; this
 * phase validates nothing twice.
 */
import { createHash } from 'node:crypto';
import { duplicateFinder, duplicateObjectError, isRenderError } from '@lostromos/render';
import type { ReconcileContext } from './context.js';
import {
  errorMessageOf,
  InvalidObjectError,
  isRetryableError,
  PolicyViolationError,
  ReconcileError,
  RenderFailedError,
} from './errors.js';
import {
  canonicalJson,
  describeRef,
  groupOf,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  OWNER_UID_LABEL,
  refKey,
  refOf,
  RESOURCE_LABEL,
  type KubeObject,
  type OwnerReference,
} from './model.js';
import type { AllowPolicy } from './ports.js';

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

// Decorating the rendered objects.

/** Scope lookup: true/false when known (discovery), undefined to fall back to the well-known table. */
export type ScopeLookup = (apiVersion: string, kind: string) => boolean | undefined;

export interface BuildDesiredOptions {
  /** The CR the objects were rendered from. */
  cr: KubeObject;
  /** Config resource name (`resources[].name`), the `lostromos.io/resource` label value. */
  resourceName: string;
  isNamespaced?: ScopeLookup;
}

/**
 * Decorates rendered objects into the objects to apply: namespace defaulted (cluster-scoped objects lose
 * theirs), our labels set (template labels kept, ours win) and an owner reference to the CR where Kubernetes
 * allows one. Pure; the input is not modified. Without a CR uid (offline render of a CR file) the owner-uid
 * label and owner reference are left out.
 *
 * The objects are the renderer's, already validated by @lostromos/render's validateObjects (shape, names,
 * labels, duplicates): nothing is validated twice here. What only decorating can reveal throws: two objects
 * that become one once namespaces are set (render's duplicate rule and error, LZ_RENDER_DUPLICATE_OBJECT),
 * and {@link InvalidObjectError} for what cannot be owned by this CR (a namespaced object under a
 * cluster-scoped CR without a namespace, a foreign controller owner reference).
 */
export function buildDesiredObjects(
  rendered: readonly KubeObject[],
  options: BuildDesiredOptions,
): KubeObject[] {
  const earlier = duplicateFinder();
  return rendered.map((input, index) => {
    const obj = decorate(input, options);
    const first = earlier(obj, index);
    if (first !== undefined) {
      throw duplicateObjectError(
        obj,
        `as rendered object #${first + 1} of ${rendered.length}: an object without metadata.namespace goes to the CR's namespace and a cluster-scoped one has none, so both name one object; make their names differ in the templates`,
      );
    }
    return obj;
  });
}

function decorate(input: KubeObject, options: BuildDesiredOptions): KubeObject {
  const obj = structuredClone(input);
  const namespaced =
    options.isNamespaced?.(obj.apiVersion, obj.kind) ?? !isWellKnownClusterScoped(obj.apiVersion, obj.kind);
  setNamespace(obj, namespaced, options.cr);
  obj.metadata.labels = { ...obj.metadata.labels, ...ourLabels(options) };
  if (obj.metadata.labels[OWNER_UID_LABEL] === undefined) delete obj.metadata.labels[OWNER_UID_LABEL];
  if (mayOwn(options.cr, obj, namespaced)) setOwnerReference(obj, options.cr);
  return obj;
}

function setNamespace(obj: KubeObject, namespaced: boolean, cr: KubeObject): void {
  if (!namespaced) {
    delete obj.metadata.namespace;
    return;
  }
  if (obj.metadata.namespace) return;
  if (!cr.metadata.namespace) {
    throw new InvalidObjectError(
      `${obj.kind} ${obj.metadata.name ?? ''} is namespaced but has no metadata.namespace and the CR is cluster-scoped: set metadata.namespace in the template`,
    );
  }
  obj.metadata.namespace = cr.metadata.namespace;
}

function ourLabels(options: BuildDesiredOptions): Record<string, string> {
  const labels: Record<string, string> = {
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [RESOURCE_LABEL]: options.resourceName,
  };
  if (options.cr.metadata.uid) labels[OWNER_UID_LABEL] = options.cr.metadata.uid;
  return labels;
}

/**
 * Kubernetes garbage collection only honours owner references that point at an owner of compatible scope:
 * a cluster-scoped owner may own anything, a namespaced owner only namespaced objects in its own namespace.
 */
function mayOwn(cr: KubeObject, obj: KubeObject, objNamespaced: boolean): boolean {
  if (!cr.metadata.uid || !cr.metadata.name) return false;
  if (!cr.metadata.namespace) return true;
  return objNamespaced && obj.metadata.namespace === cr.metadata.namespace;
}

function setOwnerReference(obj: KubeObject, cr: KubeObject): void {
  const ours: OwnerReference = {
    apiVersion: cr.apiVersion,
    kind: cr.kind,
    name: cr.metadata.name ?? '',
    uid: cr.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
  const others = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ours.uid);
  const foreign = others.find((r) => r.controller === true);
  if (foreign) {
    throw new InvalidObjectError(
      `${describeRef(refOf(obj))} declares ${foreign.kind} ${foreign.name} as its controller: remove "controller: true" from that owner reference (Lostrómos makes the CR the controller)`,
    );
  }
  obj.metadata.ownerReferences = [...others, ours];
}

/**
 * Well-known cluster-scoped kinds by API group, used when discovery is not available (offline render) or not
 * consulted. Everything else is assumed namespaced.
 */
const CLUSTER_SCOPED: Readonly<Record<string, readonly string[]>> = {
  '': ['Namespace', 'Node', 'PersistentVolume', 'ComponentStatus'],
  'rbac.authorization.k8s.io': ['ClusterRole', 'ClusterRoleBinding'],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'storage.k8s.io': ['StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment'],
  'scheduling.k8s.io': ['PriorityClass'],
  'networking.k8s.io': ['IngressClass'],
  'admissionregistration.k8s.io': [
    'MutatingWebhookConfiguration',
    'ValidatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
  ],
  'apiregistration.k8s.io': ['APIService'],
  'node.k8s.io': ['RuntimeClass'],
  'certificates.k8s.io': ['CertificateSigningRequest'],
  'flowcontrol.apiserver.k8s.io': ['FlowSchema', 'PriorityLevelConfiguration'],
  policy: ['PodSecurityPolicy'],
};

/** True when the kind is one of the well-known cluster-scoped kinds of its API group. */
function isWellKnownClusterScoped(apiVersion: string, kind: string): boolean {
  return CLUSTER_SCOPED[groupOf(apiVersion)]?.includes(kind) ?? false;
}

// The allow policy.

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
const PERMISSION_KINDS = ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'] as const;
const RBAC_GROUP = 'rbac.authorization.k8s.io';
const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';

/**
 * Why `obj` needs an explicit allow.kinds entry even under the default "any kind" policy: RBAC objects
 * grant permissions, and a Secret of type service-account-token mints a token for a ServiceAccount. A
 * template set that renders them must say so in the config (least privilege, and a second line of defence
 * should a CR value ever reach a template's structure). Undefined for every other object.
 */
function sensitiveKind(obj: KubeObject): string | undefined {
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

// Apply order.

/** Helm's install order (pkg/release/util/kind_sorter.go): dependencies before their dependants. */
const INSTALL_ORDER: readonly string[] = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

const rank = new Map(INSTALL_ORDER.map((kind, index) => [kind, index]));

function compareKinds(a: string, b: string): number {
  const ra = rank.get(a);
  const rb = rank.get(b);
  if (ra !== undefined && rb !== undefined) return ra - rb;
  if (ra !== undefined) return -1;
  if (rb !== undefined) return 1;
  // Unknown kinds (custom resources) go last, alphabetically among themselves, like Helm.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy sorted into apply order by kind; objects of the same kind keep their relative order. */
export function sortForApply<T extends { kind: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => compareKinds(a.kind, b.kind));
}

/** A copy sorted into deletion order: the exact reverse of {@link sortForApply}. */
export function sortForDelete<T extends { kind: string }>(items: readonly T[]): T[] {
  return sortForApply(items).reverse();
}

// The render hash.

/**
 * Stable hash of what would be applied: the desired objects (canonical JSON, ordered by identity so template
 * order does not matter) plus the renderer revision. Equal hashes mean an apply cannot change anything.
 */
export function renderHash(objects: readonly KubeObject[], rendererRevision: string): string {
  const ordered = [...objects]
    .map((obj) => ({ key: refKey(refOf(obj)), obj }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((entry) => entry.obj);
  const digest = createHash('sha256')
    .update(canonicalJson({ rendererRevision, objects: ordered }))
    .digest('hex');
  return `sha256:${digest}`;
}

/**
 * Short hash of one desired object (canonical JSON), recorded per object in the inventory: a different one means
 * the object's rendered content changed since its last apply. 64 bits: a collision could only make a changed
 * object look unchanged, and an unchanged object is still read and compared with what is rendered (drift).
 */
export function objectHash(obj: KubeObject): string {
  return createHash('sha256').update(canonicalJson(obj)).digest('hex').slice(0, 16);
}
