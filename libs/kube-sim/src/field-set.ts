import { deepEqual, isObject } from './json-util.js';
import { keyValue, type ListSemanticsFn } from './list-semantics.js';
import type { JsonObject, JsonValue } from './types.js';

/**
 * Sets of field paths as server-side apply tracks them (structured-merge-diff's FieldsV1). A path is a list of
 * elements: `f:<field>`, `k:{"key":value}` (element of an associative list), `v:<json>` (element of a set).
 * Paths are stored joined by '\n' so sets are plain `Set<string>`.
 */
export type FieldSet = Set<string>;

export const SEP = '\n';

export interface FieldWalkOptions {
  listSemantics: ListSemanticsFn;
  /** Paths (as field-name lists) that are not tracked, e.g. metadata.uid or status on the main resource. */
  ignore?: (names: readonly string[]) => boolean;
  /**
   * Whether the object at this path is an entry of a map-typed field (`additionalProperties`, or a schema that
   * preserves unknown fields) rather than a field the schema declares. Default: never (built-in kinds).
   */
  mapEntry?: (names: readonly string[]) => boolean;
}

export interface FieldSets {
  /** Every path present: leaves, every nested object (top-level ones too) and every list element. */
  all: FieldSet;
  /** Scalars, atomic lists, empty objects and set elements. */
  leaves: FieldSet;
  /**
   * What an applied configuration owns (structured-merge-diff's ToFieldSet): the leaves, every element of an
   * associative list, and non-empty objects only when they are map entries; declared struct fields and maps
   * with children are implied by their contents and not owned themselves (no `.` in FieldsV1).
   */
  applied: FieldSet;
}

/** The field paths of `obj` (see {@link FieldSets}). */
export function fieldSetOf(obj: JsonObject, opts: FieldWalkOptions): FieldSets {
  const sets: FieldSets = { all: new Set(), leaves: new Set(), applied: new Set() };
  walkMap(obj, '', [], opts, sets);
  return sets;
}

/** Whether any value in the tree is null (an apply that removes fields). */
export function hasNull(v: JsonValue | undefined): boolean {
  if (v === null) return true;
  if (Array.isArray(v)) return v.some(hasNull);
  if (isObject(v)) {
    for (const k in v) if (hasNull(v[k])) return true;
  }
  return false;
}

function walkMap(
  obj: JsonObject,
  prefix: string,
  names: string[],
  opts: FieldWalkOptions,
  sets: FieldSets,
): void {
  for (const k in obj) {
    const v = obj[k];
    if (v === undefined) continue;
    names.push(k);
    if (!opts.ignore?.(names)) {
      const p = prefix === '' ? `f:${k}` : `${prefix}${SEP}f:${k}`;
      walkValue(v, p, names, opts, sets, false);
    }
    names.pop();
  }
}

function leaf(p: string, sets: FieldSets): void {
  sets.all.add(p);
  sets.leaves.add(p);
  sets.applied.add(p);
}

function walkValue(
  v: JsonValue,
  p: string,
  names: string[],
  opts: FieldWalkOptions,
  sets: FieldSets,
  element: boolean,
): void {
  if (isObject(v)) {
    let empty = true;
    for (const k in v)
      if (v[k] !== undefined) {
        empty = false;
        break;
      }
    if (empty) leaf(p, sets);
    else {
      sets.all.add(p);
      if (element || opts.mapEntry?.(names)) sets.applied.add(p);
      walkMap(v, p, names, opts, sets);
    }
    return;
  }
  if (Array.isArray(v)) {
    const sem = opts.listSemantics(names);
    if (sem.type === 'atomic' || v.length === 0) {
      leaf(p, sets);
      return;
    }
    sets.all.add(p);
    if (sem.type === 'set') {
      for (const e of v) leaf(`${p}${SEP}v:${JSON.stringify(e)}`, sets);
      return;
    }
    names.push('[]');
    for (const e of v) {
      if (!isObject(e)) continue;
      walkValue(e, `${p}${SEP}${keyElement(e, sem.keys)}`, names, opts, sets, true);
    }
    names.pop();
    return;
  }
  leaf(p, sets);
}

/** `k:{"name":"x"}` with keys in sorted order, as structured-merge-diff serialises it. */
export function keyElement(e: JsonObject, keys: readonly string[]): string {
  const sorted = [...keys].sort();
  const parts: string[] = [];
  for (const k of sorted) {
    const v = keyValue(e, k);
    if (v !== undefined) parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
  }
  return `k:{${parts.join(',')}}`;
}

function matchKey(e: JsonValue, spec: JsonObject): boolean {
  if (!isObject(e)) return false;
  for (const k in spec) if (!deepEqual(keyValue(e, k), spec[k])) return false;
  return true;
}

/** The value at an encoded path, or undefined. */
export function valueAt(obj: JsonValue | undefined, path: string): JsonValue | undefined {
  let cur: JsonValue | undefined = obj;
  for (const el of path.split(SEP)) {
    if (cur === undefined) return undefined;
    if (el.startsWith('f:')) cur = isObject(cur) ? cur[el.slice(2)] : undefined;
    else if (el.startsWith('k:')) {
      const spec = JSON.parse(el.slice(2)) as JsonObject;
      cur = Array.isArray(cur) ? cur.find((e) => matchKey(e, spec)) : undefined;
    } else if (el.startsWith('v:')) {
      const want = JSON.parse(el.slice(2)) as JsonValue;
      cur = Array.isArray(cur) ? cur.find((e) => deepEqual(e, want)) : undefined;
    } else return undefined;
  }
  return cur;
}

/**
 * Removes the value at an encoded path. Containers along the path are copied, never mutated, so `obj` may
 * share subtrees with stored objects; `obj` itself (the root) is modified. True if something was removed.
 */
export function deleteAt(obj: JsonObject, path: string): boolean {
  const els = path.split(SEP);
  return removeIn(obj, els, 0) !== undefined;
}

/** Returns a copy of `container` without the value at els[i..], or undefined when nothing was removed. */
function removeIn(container: JsonValue, els: string[], i: number, root = true): JsonValue | undefined {
  const el = els[i]!;
  const last = i === els.length - 1;
  if (el.startsWith('f:')) {
    if (!isObject(container)) return undefined;
    const key = el.slice(2);
    if (!(key in container)) return undefined;
    const target: JsonObject = root ? container : { ...container };
    if (last) delete target[key];
    else {
      const child = removeIn(container[key]!, els, i + 1, false);
      if (child === undefined) return undefined;
      target[key] = child;
    }
    return target;
  }
  if (!Array.isArray(container)) return undefined;
  const idx = el.startsWith('k:')
    ? container.findIndex((e) => matchKey(e, JSON.parse(el.slice(2)) as JsonObject))
    : container.findIndex((e) => deepEqual(e, JSON.parse(el.slice(2)) as JsonValue));
  if (idx < 0) return undefined;
  const copy = [...container];
  if (last) copy.splice(idx, 1);
  else {
    const child = removeIn(container[idx]!, els, i + 1, false);
    if (child === undefined) return undefined;
    copy[idx] = child;
  }
  return copy;
}

/** `.spec.containers[name="app"].image`, the form apply conflict messages use. */
export function describePath(path: string): string {
  let out = '';
  for (const el of path.split(SEP)) {
    if (el.startsWith('f:')) out += `.${el.slice(2)}`;
    else if (el.startsWith('k:')) {
      const spec = JSON.parse(el.slice(2)) as JsonObject;
      out += `[${Object.entries(spec)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else if (el.startsWith('v:')) out += `[=${el.slice(2)}]`;
  }
  return out;
}

/** FieldsV1 JSON for a set: nested objects keyed by path elements, `.` marking a node that is itself owned. */
export function toFieldsV1(set: FieldSet): JsonObject {
  const root: JsonObject = {};
  const paths = [...set].sort();
  for (const p of paths) {
    let node = root;
    for (const el of p.split(SEP)) {
      let child = node[el] as JsonObject | undefined;
      if (!child) node[el] = child = {};
      node = child;
    }
  }
  // A node with children whose own path is in the set gets '.'.
  const mark = (node: JsonObject, prefix: string): void => {
    for (const el of Object.keys(node)) {
      if (el === '.') continue;
      const child = node[el] as JsonObject;
      const p = prefix === '' ? el : `${prefix}${SEP}${el}`;
      const keys = Object.keys(child);
      if (keys.length > 0) {
        let target = child;
        if (set.has(p)) {
          target = { '.': {} };
          for (const k of keys) target[k] = child[k];
          node[el] = target;
        }
        mark(target, p);
      }
    }
  };
  mark(root, '');
  return root;
}

export function fromFieldsV1(json: JsonValue | undefined): FieldSet {
  const set: FieldSet = new Set();
  const walk = (node: JsonObject, prefix: string): void => {
    for (const el of Object.keys(node)) {
      if (el === '.') continue;
      const child = node[el];
      const p = prefix === '' ? el : `${prefix}${SEP}${el}`;
      if (!isObject(child)) {
        set.add(p);
        continue;
      }
      const keys = Object.keys(child);
      if (keys.length === 0 || '.' in child) set.add(p);
      walk(child, p);
    }
  };
  if (isObject(json)) walk(json, '');
  return set;
}

/** True when `set` holds `path` or a path below it. */
export function ownsAtOrBelow(set: FieldSet, path: string): boolean {
  if (set.has(path)) return true;
  const prefix = path + SEP;
  for (const p of set) if (p.startsWith(prefix)) return true;
  return false;
}
