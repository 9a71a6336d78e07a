import {
  SEP,
  deleteAt,
  describePath,
  fieldSetOf,
  hasNull,
  valueAt,
  type FieldSet,
  type FieldWalkOptions,
} from './field-set.js';
import { clone, deepEqual, isObject } from './json-util.js';
import { keyValue, type ListSemanticsFn } from './list-semantics.js';
import { managerId, type Manager } from './managed-fields.js';
import type { JsonObject, JsonValue, KubeObject } from './types.js';

/** Metadata the apiserver sets itself; never owned by a field manager. */
const SYSTEM_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'generateName',
]);

/**
 * Which paths field management ignores: apiVersion/kind, system metadata, and status on the main resource
 * (when status is a subresource) or everything but status on `/status`.
 */
export function ignoredPaths(opts: {
  statusSubresource: boolean;
  subresource: string;
}): (names: readonly string[]) => boolean {
  return (names) => {
    const top = names[0];
    if (names.length === 1 && (top === 'apiVersion' || top === 'kind')) return true;
    if (top === 'metadata' && names.length === 2 && SYSTEM_METADATA.has(names[1]!)) return true;
    if (opts.subresource === 'status') return top !== 'status';
    if (opts.statusSubresource && top === 'status') return true;
    return false;
  };
}

export interface FieldManagementOptions {
  listSemantics: ListSemanticsFn;
  ignore: (names: readonly string[]) => boolean;
  /** Which objects are map entries rather than declared struct fields (see FieldWalkOptions). */
  mapEntry?: (names: readonly string[]) => boolean;
  /**
   * What a create is compared with to tell which objects it added: the kind's empty object. The apiserver
   * compares with the Go zero value, which for built-in kinds already has metadata, spec and status (the
   * default); for custom resources only metadata.
   */
  zero?: JsonObject;
  apiVersion: string;
  subresource: string;
  now: string;
}

const BUILTIN_ZERO: JsonObject = { metadata: {}, spec: {}, status: {} };

export interface ApplyConflict {
  manager: string;
  apiVersion: string;
  field: string;
}

export type ApplyOutcome =
  { ok: true; object: KubeObject; managers: Manager[] } | { ok: false; conflicts: ApplyConflict[] };

/** Merges an applied configuration onto the live object following list semantics; `null` removes a field. */
export function mergeApplied(
  live: JsonValue | undefined,
  applied: JsonValue,
  names: string[],
  opts: Pick<FieldManagementOptions, 'listSemantics' | 'ignore'>,
): JsonValue {
  if (isObject(applied)) {
    const out: JsonObject = isObject(live) ? { ...live } : {};
    for (const k in applied) {
      const av = applied[k];
      if (av === undefined) continue;
      names.push(k);
      if (!opts.ignore(names)) {
        if (av === null) delete out[k];
        else out[k] = mergeApplied(out[k], av, names, opts);
      }
      names.pop();
    }
    return out;
  }
  if (Array.isArray(applied)) {
    const sem = opts.listSemantics(names);
    if (sem.type === 'atomic' || !Array.isArray(live)) return clone(applied);
    if (sem.type === 'set') {
      const out = [...live];
      for (const e of applied) if (!out.some((x) => deepEqual(x, e))) out.push(clone(e));
      return out;
    }
    const out = [...live];
    names.push('[]');
    for (const e of applied) {
      if (!isObject(e)) continue;
      const idx = out.findIndex(
        (x) => isObject(x) && sem.keys.every((k) => deepEqual(keyValue(x, k), keyValue(e, k))),
      );
      if (idx >= 0) out[idx] = mergeApplied(out[idx], e, names, opts);
      else out.push(mergeApplied(undefined, e, names, opts));
    }
    names.pop();
    return out;
  }
  return applied;
}

function isEmptyContainer(v: JsonValue | undefined): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (!isObject(v)) return false;
  for (const k in v) if (v[k] !== undefined) return false;
  return true;
}

/** Every ancestor path of every path in the sets, plus the paths themselves. */
function closure(sets: Iterable<FieldSet>): Set<string> {
  const out = new Set<string>();
  for (const s of sets)
    for (const p of s) {
      out.add(p);
      let i = p.lastIndexOf(SEP);
      while (i > 0) {
        const anc = p.slice(0, i);
        if (out.has(anc)) break;
        out.add(anc);
        i = anc.lastIndexOf(SEP);
      }
    }
  return out;
}

function depth(p: string): number {
  let n = 0;
  for (let i = 0; i < p.length; i++) if (p.charCodeAt(i) === 10) n++;
  return n;
}

function setsEqual(a: FieldSet, b: FieldSet): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** Replaces (or adds) one manager's entry, keeping the old timestamp when its fields did not change. */
function upsert(managers: Manager[], next: Manager): Manager[] {
  const id = managerId(next);
  const out: Manager[] = [];
  let placed = false;
  for (const m of managers) {
    if (managerId(m) === id) {
      placed = true;
      out.push(setsEqual(m.fields, next.fields) && m.apiVersion === next.apiVersion ? m : next);
    } else out.push(m);
  }
  if (!placed) out.push(next);
  return out;
}

/**
 * Server-side apply of `applied` by `manager` onto `live` (undefined when creating): detects conflicts with
 * other managers, merges, removes fields this manager applied before but no longer does (unless someone else
 * owns them) and returns the new object and managers. The caller attaches managers and system metadata.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  applied: KubeObject,
  liveManagers: readonly Manager[],
  input: FieldManagementOptions & { manager: string; force: boolean },
): ApplyOutcome {
  const walk = { listSemantics: input.listSemantics, ignore: input.ignore };
  const appliedSet = fieldSetOf(applied, { ...walk, mapEntry: input.mapEntry });
  const self = (m: Manager): boolean => m.manager === input.manager;
  let managers: Manager[] = [...liveManagers];

  // mergeApplied and deleteAt copy what they change, so the live object is never mutated.
  const base: JsonObject = live ?? { metadata: {} };
  const merged = mergeApplied(base, applied, [], walk) as KubeObject;

  // Conflicts: a field this apply changes (merged differs from live) that another manager owns.
  if (live) {
    const conflicts: ApplyConflict[] = [];
    const stolen: string[] = [];
    const others = managers.filter((m) => !self(m));
    for (const p of appliedSet.leaves) {
      // Cheap set lookups first: only fields someone else owns can conflict.
      if (!others.some((m) => m.fields.has(p))) continue;
      const liveV = valueAt(live, p);
      if (liveV === undefined || deepEqual(liveV, valueAt(merged, p))) continue;
      for (const m of others) {
        if (!m.fields.has(p)) continue;
        conflicts.push({ manager: m.manager, apiVersion: m.apiVersion, field: describePath(p) });
        stolen.push(p);
      }
    }
    if (conflicts.length > 0 && !input.force) return { ok: false, conflicts };
    if (stolen.length > 0)
      managers = managers.map((m) => {
        if (self(m) || !stolen.some((p) => m.fields.has(p))) return m;
        const fields = new Set(m.fields);
        for (const p of stolen) fields.delete(p);
        return { ...m, fields };
      });
  }

  // Fields this manager applied last time and no longer does: removed unless another manager owns them.
  const previous = managers.find(
    (m) => self(m) && m.operation === 'Apply' && m.subresource === input.subresource,
  );
  let removed = false;
  if (previous) {
    // Still implied by what is applied (an object whose contents are applied) is not dropped.
    const kept = closure([appliedSet.applied]);
    const dropped = [...previous.fields].filter((p) => !kept.has(p));
    if (dropped.length > 0) {
      removed = true;
      const others = closure(managers.filter((m) => m !== previous).map((m) => m.fields));
      dropped.sort((a, b) => depth(b) - depth(a));
      for (const p of dropped) {
        if (others.has(p) || !deleteAt(merged, p)) continue;
        // Objects and lists the removal emptied go too (the apiserver does not keep `{}` or `[]` behind),
        // unless something applied or owned still needs them.
        let i = p.lastIndexOf(SEP);
        while (i > 0) {
          const anc = p.slice(0, i);
          if (kept.has(anc) || others.has(anc) || !isEmptyContainer(valueAt(merged, anc))) break;
          deleteAt(merged, anc);
          i = anc.lastIndexOf(SEP);
        }
      }
    }
  }

  // Fields nobody set any more leave every manager.
  managers = managers.filter((m) => m.fields.size > 0);
  managers = upsert(managers, {
    manager: input.manager,
    operation: 'Apply',
    apiVersion: input.apiVersion,
    time: input.now,
    subresource: input.subresource,
    fields: appliedSet.applied,
  });
  // Other managers' fields may vanish when this apply replaced or removed them; a lone manager's cannot.
  const onlySelf = managers.every(
    (m) => self(m) && m.operation === 'Apply' && m.subresource === input.subresource,
  );
  if (onlySelf && !removed && !hasNull(applied)) return { ok: true, object: merged, managers };
  return { ok: true, object: merged, managers: pruneMissing(managers, merged, presenceWalk(input)) };
}

/** Every field of an object regardless of the subresource written, to tell which owned fields still exist. */
const PRESENCE_IGNORE = ignoredPaths({ statusSubresource: false, subresource: '' });
function presenceWalk(input: { listSemantics: ListSemanticsFn }): FieldWalkOptions {
  return { listSemantics: input.listSemantics, ignore: PRESENCE_IGNORE };
}

/** Drops paths that no longer exist in `obj` from every manager. */
function pruneMissing(managers: Manager[], obj: KubeObject, walk: FieldWalkOptions): Manager[] {
  const present = fieldSetOf(obj, walk).all;
  return managers
    .map((m) => {
      let changed = false;
      for (const p of m.fields)
        if (!present.has(p)) {
          changed = true;
          break;
        }
      if (!changed) return m;
      return { ...m, fields: new Set([...m.fields].filter((p) => present.has(p))) };
    })
    .filter((m) => m.fields.size > 0);
}

/**
 * Field ownership after a non-apply write (create, update, patch) by `manager`: it takes the fields whose
 * values it changed (from whoever owned them) and fields that disappeared leave every manager.
 */
export function trackUpdate(
  old: KubeObject | undefined,
  next: KubeObject,
  liveManagers: readonly Manager[],
  input: FieldManagementOptions & { manager: string },
): Manager[] {
  const walk: FieldWalkOptions = { listSemantics: input.listSemantics, ignore: input.ignore };
  const nextSet = fieldSetOf(next, walk);
  // A write tracks only its part of the object (e.g. status on /status), but other managers' fields
  // elsewhere still exist.
  const present = fieldSetOf(next, presenceWalk(input)).all;
  // Like the apiserver's comparison of old and new: leaves whose value changed (Modified or Added), and the
  // objects and list elements that were not there before (Added; they are owned themselves: `.`).
  const before: JsonObject = old ?? input.zero ?? BUILTIN_ZERO;
  const changed = new Set<string>();
  for (const p of nextSet.leaves) {
    if (old === undefined || !deepEqual(valueAt(old, p), valueAt(next, p))) {
      changed.add(p);
      let i = p.lastIndexOf(SEP);
      while (i > 0) {
        const anc = p.slice(0, i);
        if (changed.has(anc) || valueAt(before, anc) !== undefined) break;
        changed.add(anc);
        i = anc.lastIndexOf(SEP);
      }
    }
  }
  let managers: Manager[] = liveManagers.map((m) => {
    let fields = m.fields;
    let copied = false;
    for (const p of fields) {
      const keep =
        present.has(p) && !(changed.has(p) && nextSet.leaves.has(p) && m.manager !== input.manager);
      if (!keep) {
        if (!copied) {
          fields = new Set(fields);
          copied = true;
        }
        fields.delete(p);
      }
    }
    return copied ? { ...m, fields } : m;
  });
  if (changed.size === 0) return managers.filter((m) => m.fields.size > 0);
  const id = managerId({ manager: input.manager, operation: 'Update', subresource: input.subresource });
  const mine = managers.find((m) => managerId(m) === id);
  const fields = new Set(mine?.fields ?? []);
  for (const p of changed) fields.add(p);
  managers = upsert(managers, {
    manager: input.manager,
    operation: 'Update',
    apiVersion: input.apiVersion,
    time: input.now,
    subresource: input.subresource,
    fields,
  });
  return managers.filter((m) => m.fields.size > 0);
}
