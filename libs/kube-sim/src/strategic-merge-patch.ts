import { clone, deepEqual, isObject } from './json-util.js';
import type { ListSemanticsFn, SchemaPath } from './list-semantics.js';
import type { JsonObject, JsonValue } from './types.js';

export class StrategicMergePatchError extends Error {
  override readonly name = 'StrategicMergePatchError';
  readonly code = 'KSIM_STRATEGIC_MERGE_PATCH';
}

/**
 * Strategic merge patch as kubectl sends it for built-in kinds: maps merge, `null` deletes, lists merge by
 * their patch merge key (or as sets for primitive merge lists) and are replaced when atomic. Directives:
 * `$patch: replace|delete|merge`, `$retainKeys`, `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`.
 */
export function applyStrategicMergePatch(
  target: JsonObject,
  patch: JsonValue,
  listSemantics: ListSemanticsFn,
): JsonObject {
  if (!isObject(patch)) throw new StrategicMergePatchError('strategic merge patch must be a JSON object');
  const out = mergeMap(target, patch, [], listSemantics);
  if (out === undefined)
    throw new StrategicMergePatchError('a strategic merge patch cannot delete the whole object');
  return out;
}

function mergeMap(
  original: JsonObject | undefined,
  patch: JsonObject,
  path: SchemaPath,
  ls: ListSemanticsFn,
): JsonObject | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const copy = clone(patch);
    delete copy.$patch;
    return stripDirectives(copy) as JsonObject;
  }
  const out: JsonObject = isObject(original) ? { ...original } : {};
  for (const key of Object.keys(patch)) {
    const pv = patch[key];
    if (key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(pv))
        out[field] = cur.filter((x) => !pv.some((d) => deepEqual(d, x)));
      continue;
    }
    if (pv === null) {
      delete out[key];
      continue;
    }
    if (pv === undefined) continue;
    const childPath = [...path, key];
    const cur = out[key];
    if (isObject(pv)) {
      const merged = mergeMap(isObject(cur) ? cur : undefined, pv, childPath, ls);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else if (Array.isArray(pv)) {
      out[key] = mergeList(Array.isArray(cur) ? cur : undefined, pv, childPath, ls);
    } else out[key] = pv;
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function stripDirectives(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$') || x === undefined) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}

function mergeList(
  original: JsonValue[] | undefined,
  patch: JsonValue[],
  path: SchemaPath,
  ls: ListSemanticsFn,
): JsonValue[] {
  if (patch.some((e) => isObject(e) && e.$patch === 'replace')) {
    return patch
      .filter((e) => !(isObject(e) && e.$patch === 'replace'))
      .map((e) => stripDirectives(clone(e)));
  }
  const sem = ls(path);
  if (sem.type === 'atomic' || original === undefined) {
    return patch.filter((e) => !(isObject(e) && e.$patch === 'delete')).map((e) => stripDirectives(clone(e)));
  }
  if (sem.type === 'set') {
    const out = [...original];
    for (const e of patch) if (!out.some((x) => deepEqual(x, e))) out.push(clone(e));
    return out;
  }
  // Strategic merge patch merges on the single patchMergeKey (the first SSA key).
  const key = sem.keys[0]!;
  const out = [...original];
  for (const e of patch) {
    if (!isObject(e))
      throw new StrategicMergePatchError(
        `list at ${path.join('.')} merges by "${key}" but has a non-object element`,
      );
    const idx = out.findIndex((x) => isObject(x) && deepEqual(x[key], e[key]));
    if (e.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    const merged = mergeMap(idx >= 0 ? (out[idx] as JsonObject) : undefined, e, [...path, '[]'], ls);
    if (merged === undefined) {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) out[idx] = merged;
    else out.push(merged);
  }
  return out;
}
