import { clone, deepEqual, isObject } from './json-util.js';
import type { JsonObject, JsonValue } from './types.js';

export class JsonPatchError extends Error {
  override readonly name = 'JsonPatchError';
  readonly code = 'KSIM_JSON_PATCH';
}

export interface JsonPatchOp {
  op: string;
  path: string;
  value?: JsonValue;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new JsonPatchError(`invalid JSON pointer "${pointer}": must start with /`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = JsonObject | JsonValue[];

function resolveParent(
  doc: JsonValue,
  tokens: string[],
  pointer: string,
): { parent: Container; key: string } {
  let cur: JsonValue | undefined = doc;
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i]!;
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, pointer, false)];
    else if (isObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw new JsonPatchError(`doc is missing path: "${pointer}": missing value`);
  }
  if (!Array.isArray(cur) && !isObject(cur))
    throw new JsonPatchError(`doc is missing path: "${pointer}": missing value`);
  return { parent: cur, key: tokens[tokens.length - 1]! };
}

function arrayIndex(arr: JsonValue[], token: string, pointer: string, forAdd: boolean): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(token))
    throw new JsonPatchError(`invalid array index "${token}" in "${pointer}"`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length))
    throw new JsonPatchError(`unable to access invalid index: ${i} in "${pointer}"`);
  return i;
}

function get(doc: JsonValue, pointer: string): JsonValue {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const { parent, key } = resolveParent(doc, tokens, pointer);
  const v = Array.isArray(parent) ? parent[arrayIndex(parent, key, pointer, false)] : parent[key];
  if (v === undefined) throw new JsonPatchError(`doc is missing path: "${pointer}": missing value`);
  return v;
}

function add(doc: JsonValue, pointer: string, value: JsonValue): JsonValue {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, true), 0, value);
  else parent[key] = value;
  return doc;
}

function remove(doc: JsonValue, pointer: string): JsonValue {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new JsonPatchError('cannot remove the whole document');
  const { parent, key } = resolveParent(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, false), 1);
  else {
    if (!(key in parent)) throw new JsonPatchError(`unable to remove nonexistent key: ${key}: missing value`);
    delete parent[key];
  }
  return doc;
}

/** RFC 6902 JSON patch over a copy of `doc`. */
export function applyJsonPatch(doc: JsonValue, ops: unknown): JsonValue {
  if (!Array.isArray(ops)) throw new JsonPatchError('json patch must be an array of operations');
  let out = clone(doc);
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string')
      throw new JsonPatchError('each json patch operation needs "op" and "path"');
    const op = raw as unknown as JsonPatchOp;
    switch (op.op) {
      case 'add':
        if (!('value' in raw)) throw new JsonPatchError(`add operation at "${op.path}" has no value`);
        out = add(out, op.path, clone(op.value!));
        break;
      case 'remove':
        out = remove(out, op.path);
        break;
      case 'replace':
        if (!('value' in raw)) throw new JsonPatchError(`replace operation at "${op.path}" has no value`);
        if (parsePointer(op.path).length === 0) out = clone(op.value!);
        else {
          get(out, op.path);
          out = add(remove(out, op.path), op.path, clone(op.value!));
        }
        break;
      case 'move': {
        if (typeof op.from !== 'string') throw new JsonPatchError('move operation needs "from"');
        const v = get(out, op.from);
        out = add(remove(out, op.from), op.path, v);
        break;
      }
      case 'copy': {
        if (typeof op.from !== 'string') throw new JsonPatchError('copy operation needs "from"');
        out = add(out, op.path, clone(get(out, op.from)));
        break;
      }
      case 'test':
        if (!deepEqual(get(out, op.path), op.value))
          throw new JsonPatchError(`testing value ${op.path} failed: test failed`);
        break;
      default:
        throw new JsonPatchError(`Unexpected kind: ${op.op}`);
    }
  }
  return out;
}
