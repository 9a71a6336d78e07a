import { duplicateFinder, duplicateObjectError } from '@lostromos/render';
import { isWellKnownClusterScoped } from './cluster-scoped-kinds.js';
import { InvalidObjectError } from './errors.js';
import type { KubeObject, OwnerReference } from './kube-object.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, OWNER_UID_LABEL, RESOURCE_LABEL } from './labels.js';
import { describeRef, refOf } from './object-ref.js';

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
export function mayOwn(cr: KubeObject, obj: KubeObject, objNamespaced: boolean): boolean {
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
