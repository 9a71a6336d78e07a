import { isObject } from './json-util.js';
import type { JsonObject, JsonValue } from './types.js';

/**
 * How a list merges, in server-side apply (x-kubernetes-list-type) and strategic merge patch (patchStrategy):
 * atomic lists are replaced whole, sets are unions of scalars, maps are keyed by one or more fields.
 */
export type ListSemantics = { type: 'atomic' } | { type: 'set' } | { type: 'map'; keys: string[] };

/** A path through an object: field names, with '[]' for "an element of this list". */
export type SchemaPath = readonly string[];

export type ListSemanticsFn = (path: SchemaPath) => ListSemantics;

/**
 * Defaults of list-map key fields: the apiserver defaults `protocol` to TCP, and structured-merge-diff uses
 * the default when an element (e.g. an applied port) leaves the key field out, so such elements still match.
 */
const KEY_DEFAULTS: Record<string, JsonValue> = { protocol: 'TCP' };

/** A list-map key field's value, or its default when absent. */
export function keyValue(e: JsonObject, key: string): JsonValue | undefined {
  return e[key] ?? KEY_DEFAULTS[key];
}

const ATOMIC: ListSemantics = { type: 'atomic' };
const SET: ListSemantics = { type: 'set' };
const map = (...keys: string[]): ListSemantics => ({ type: 'map', keys });

/** ObjectMeta lists, the same for every kind. */
function metadataList(path: SchemaPath): ListSemantics | undefined {
  if (path.length === 2 && path[0] === 'metadata') {
    if (path[1] === 'finalizers') return SET;
    if (path[1] === 'ownerReferences') return map('uid');
    if (path[1] === 'managedFields') return ATOMIC;
  }
  return undefined;
}

/** The associative lists of the built-in kinds (their Go struct tags), keyed by the list's field name. */
function builtinList(path: SchemaPath): ListSemantics {
  const name = path[path.length - 1];
  const parent = path[path.length - 3];
  switch (name) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'imagePullSecrets':
    case 'volumes':
    case 'env':
    case 'resourceClaims':
    case 'secrets':
      return map('name');
    case 'volumeMounts':
      return map('mountPath');
    case 'volumeDevices':
      return map('devicePath');
    case 'hostAliases':
      return map('ip');
    case 'conditions':
      return path[0] === 'status' ? map('type') : ATOMIC;
    case 'ports':
      if (parent === 'containers' || parent === 'initContainers' || parent === 'ephemeralContainers')
        return map('containerPort', 'protocol');
      return path[0] === 'spec' && path.length === 2 ? map('port', 'protocol') : ATOMIC;
    case 'topologySpreadConstraints':
      return map('topologyKey', 'whenUnsatisfiable');
    default:
      return ATOMIC;
  }
}

function schemaAt(schema: JsonObject | undefined, path: SchemaPath): JsonObject | undefined {
  let cur = schema;
  for (const seg of path) {
    if (!cur) return undefined;
    if (seg === '[]') cur = isObject(cur.items) ? cur.items : undefined;
    else {
      const props = isObject(cur.properties) ? cur.properties : undefined;
      const p = props?.[seg];
      cur = isObject(p) ? p : isObject(cur.additionalProperties) ? cur.additionalProperties : undefined;
    }
  }
  return cur;
}

/** List semantics for a built-in kind. */
export const builtinListSemantics: ListSemanticsFn = (path) => metadataList(path) ?? builtinList(path);

/** List semantics from a CRD's structural schema (`x-kubernetes-list-type`), atomic when it says nothing. */
export function crdListSemantics(schema: JsonObject | undefined): ListSemanticsFn {
  return (path) => {
    const meta = metadataList(path);
    if (meta) return meta;
    const s = schemaAt(schema, path);
    const t = s?.['x-kubernetes-list-type'];
    if (t === 'set') return SET;
    if (t === 'map') {
      const keys = s?.['x-kubernetes-list-map-keys'];
      if (Array.isArray(keys) && keys.length > 0)
        return map(...keys.filter((k): k is string => typeof k === 'string'));
    }
    return ATOMIC;
  };
}

/**
 * Which objects of a custom resource are map entries (the key is not a declared property: `additionalProperties`
 * or preserved unknown fields) rather than struct fields: structured-merge-diff owns the former themselves.
 * apiVersion, kind and metadata (ObjectMeta) are declared, at the top and in embedded resources.
 */
export function crdMapEntry(schema: JsonObject | undefined): (path: SchemaPath) => boolean {
  return (path) => {
    const key = path[path.length - 1];
    if (key === undefined || key === '[]') return false;
    if (path[0] === 'metadata') return false;
    if (path.length === 1 && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) return false;
    const parent = schemaAt(schema, path.slice(0, -1));
    if (
      parent?.['x-kubernetes-embedded-resource'] === true &&
      ['apiVersion', 'kind', 'metadata'].includes(key)
    )
      return false;
    if (path.length >= 2 && path[path.length - 2] === 'metadata') {
      const grand = schemaAt(schema, path.slice(0, -2));
      if (path.length === 2 || grand?.['x-kubernetes-embedded-resource'] === true) return false;
    }
    const props = isObject(parent?.properties) ? parent.properties : undefined;
    return !isObject(props?.[key]);
  };
}
