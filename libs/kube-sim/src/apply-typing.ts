import { keyElement } from './field-set.js';
import { isObject } from './json-util.js';
import type { ListSemanticsFn } from './list-semantics.js';
import type { ResourceInfo } from './resource-info.js';
import type { JsonObject, JsonValue } from './types.js';

/**
 * Server-side apply turns the applied configuration into a typed value first (structured-merge-diff), and a
 * field the schema does not declare fails the whole request with 500, whatever `fieldValidation` says:
 *
 *   failed to create typed patch object (NS/NAME; GROUP/VERSION, Kind=KIND): .spec.bogus: field not declared in schema
 *
 * Nothing is pruned or stored. (Create, update and the other patches prune or warn instead.) Objects with
 * declared `properties` are structs and reject other keys unless they preserve unknown fields or have
 * `additionalProperties`; an object schema without properties is a map and takes any key.
 *
 * The sim has the schemas of custom resources and of ObjectMeta; for built-in kinds it knows only their
 * top-level fields (nested fields of built-in kinds are not checked).
 */

const OBJECT_META = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);
const OWNER_REFERENCE = new Set(['apiVersion', 'kind', 'name', 'uid', 'controller', 'blockOwnerDeletion']);
const TYPE_META = new Set(['apiVersion', 'kind', 'metadata']);

const SPEC_STATUS = ['spec', 'status'];
/** Top-level fields (besides apiVersion, kind, metadata) of the built-in kinds the sim serves. */
const BUILTIN_TOP_LEVEL: Record<string, readonly string[]> = {
  '/Namespace': SPEC_STATUS,
  '/ConfigMap': ['data', 'binaryData', 'immutable'],
  '/Secret': ['data', 'stringData', 'type', 'immutable'],
  '/Service': SPEC_STATUS,
  '/ServiceAccount': ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  '/Pod': SPEC_STATUS,
  '/Event': [
    'involvedObject',
    'reason',
    'message',
    'source',
    'firstTimestamp',
    'lastTimestamp',
    'count',
    'type',
    'eventTime',
    'series',
    'action',
    'related',
    'reportingComponent',
    'reportingInstance',
  ],
  '/PersistentVolumeClaim': SPEC_STATUS,
  '/Endpoints': ['subsets'],
  '/Node': SPEC_STATUS,
  'events.k8s.io/Event': [
    'eventTime',
    'series',
    'reportingController',
    'reportingInstance',
    'action',
    'reason',
    'regarding',
    'related',
    'note',
    'type',
    'deprecatedSource',
    'deprecatedFirstTimestamp',
    'deprecatedLastTimestamp',
    'deprecatedCount',
  ],
  'apps/Deployment': SPEC_STATUS,
  'apps/StatefulSet': SPEC_STATUS,
  'apps/DaemonSet': SPEC_STATUS,
  'apps/ReplicaSet': SPEC_STATUS,
  'batch/Job': SPEC_STATUS,
  'batch/CronJob': SPEC_STATUS,
  'networking.k8s.io/Ingress': SPEC_STATUS,
  'networking.k8s.io/NetworkPolicy': SPEC_STATUS,
  'autoscaling/HorizontalPodAutoscaler': SPEC_STATUS,
  'policy/PodDisruptionBudget': SPEC_STATUS,
  'coordination.k8s.io/Lease': ['spec'],
  'rbac.authorization.k8s.io/Role': ['rules'],
  'rbac.authorization.k8s.io/ClusterRole': ['rules', 'aggregationRule'],
  'rbac.authorization.k8s.io/RoleBinding': ['subjects', 'roleRef'],
  'rbac.authorization.k8s.io/ClusterRoleBinding': ['subjects', 'roleRef'],
  'apiextensions.k8s.io/CustomResourceDefinition': SPEC_STATUS,
};

/** `.spec.bogus`, `.spec.ports[0].x`, `.spec.containers[name="c"].x`: the paths structured-merge-diff prints. */
function elementPath(
  path: string,
  names: string[],
  e: JsonValue,
  i: number,
  listSemantics: ListSemanticsFn,
): string {
  const sem = listSemantics(names);
  if (sem.type === 'map' && isObject(e)) {
    const spec = JSON.parse(keyElement(e, sem.keys).slice(2)) as JsonObject;
    return `${path}[${Object.entries(spec)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',')}]`;
  }
  return `${path}[${i}]`;
}

function checkMeta(meta: JsonValue, path: string, out: string[]): void {
  if (!isObject(meta)) return;
  for (const [k, v] of Object.entries(meta)) {
    if (v === undefined) continue;
    if (!OBJECT_META.has(k)) out.push(`${path}.${k}`);
    else if (k === 'ownerReferences' && Array.isArray(v))
      v.forEach((r) => {
        if (!isObject(r)) return;
        for (const rk of Object.keys(r))
          if (!OWNER_REFERENCE.has(rk))
            out.push(`${path}.ownerReferences[uid=${JSON.stringify(r.uid)}].${rk}`);
      });
  }
}

/** Walks a value against a CRD schema node; `undefined` schema: untyped (anything goes). */
function walk(
  v: JsonValue,
  s: JsonObject | undefined,
  path: string,
  names: string[],
  listSemantics: ListSemanticsFn,
  out: string[],
): void {
  if (!s) return;
  if (isObject(v)) {
    const embedded = s['x-kubernetes-embedded-resource'] === true;
    const props = isObject(s.properties) ? s.properties : undefined;
    const additional = s.additionalProperties;
    const open = additional === true || s['x-kubernetes-preserve-unknown-fields'] === true;
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      const p = `${path}.${k}`;
      names.push(k);
      if (embedded && k === 'metadata') checkMeta(x, p, out);
      else if (embedded && (k === 'apiVersion' || k === 'kind')) {
        // declared by the embedded resource
      } else if (props && isObject(props[k])) walk(x, props[k], p, names, listSemantics, out);
      else if (isObject(additional)) walk(x, additional, p, names, listSemantics, out);
      else if (props && !open) out.push(p);
      names.pop();
    }
    return;
  }
  if (Array.isArray(v) && isObject(s.items)) {
    const items = s.items;
    names.push('[]');
    v.forEach((e, i) =>
      walk(e, items, elementPath(path, names.slice(0, -1), e, i, listSemantics), names, listSemantics, out),
    );
    names.pop();
  }
}

/** The fields of an apply configuration the kind's schema does not declare, as `.a.b` paths. */
export function undeclaredApplyFields(
  obj: JsonObject,
  info: ResourceInfo,
  schema: JsonObject | undefined,
  listSemantics: ListSemanticsFn,
): string[] {
  const out: string[] = [];
  const builtinFields = info.crd ? undefined : BUILTIN_TOP_LEVEL[`${info.group}/${info.kind}`];
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (k === 'metadata') checkMeta(v, '.metadata', out);
    else if (TYPE_META.has(k)) continue;
    else if (info.crd) {
      if (!schema) continue;
      const props = isObject(schema.properties) ? schema.properties : undefined;
      const ps = props?.[k];
      if (isObject(ps)) walk(v, ps, `.${k}`, [k], listSemantics, out);
      else if (isObject(schema.additionalProperties))
        walk(v, schema.additionalProperties, `.${k}`, [k], listSemantics, out);
      else if (props && schema['x-kubernetes-preserve-unknown-fields'] !== true) out.push(`.${k}`);
    } else if (builtinFields && !builtinFields.includes(k)) out.push(`.${k}`);
  }
  return out;
}

/** The apiserver's message for those fields (one, or a list after `errors:`). */
export function undeclaredFieldsMessage(
  fields: readonly string[],
  obj: JsonObject,
  apiVersion: string,
  kind: string,
): string {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const ns = typeof meta.namespace === 'string' ? meta.namespace : '';
  const name = typeof meta.name === 'string' ? meta.name : '';
  const gv = apiVersion.includes('/') ? apiVersion : `/${apiVersion}`;
  const errs = fields.map((f) => `${f}: field not declared in schema`);
  const detail = errs.length === 1 ? errs[0]! : `errors:\n${errs.map((e) => `  ${e}`).join('\n')}`;
  return `failed to create typed patch object (${ns}/${name}; ${gv}, Kind=${kind}): ${detail}`;
}
