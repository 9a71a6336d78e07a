import { applyJsonPatch, JsonPatchError } from './json-patch.js';
import { deepEqual } from './json-util.js';
import type { ListSemanticsFn } from './list-semantics.js';
import { applyMergePatch } from './merge-patch.js';
import type { PatchType } from './request-scope.js';
import { errors, type Qualified } from './status-error.js';
import { applyStrategicMergePatch, StrategicMergePatchError } from './strategic-merge-patch.js';
import type { JsonValue, KubeObject } from './types.js';

/** Whether anything but metadata (and status, when status is a subresource) differs. */
export function specChanged(old: KubeObject, next: KubeObject, statusSubresource: boolean): boolean {
  const keys = new Set([...Object.keys(old), ...Object.keys(next)]);
  for (const k of keys) {
    if (k === 'metadata' || k === 'apiVersion' || k === 'kind') continue;
    if (k === 'status' && statusSubresource) continue;
    if (!deepEqual(old[k], next[k])) return true;
  }
  return false;
}

/** Applies a JSON, merge or strategic merge patch; malformed patches become 422 Invalid. */
export function applyPatchOrThrow(
  type: Exclude<PatchType, 'apply'>,
  current: KubeObject,
  patch: JsonValue,
  ls: ListSemanticsFn,
  who: Qualified & { kind: string },
  name: string,
): JsonValue {
  try {
    if (type === 'json') return applyJsonPatch(current, patch);
    if (type === 'merge') return applyMergePatch(current, patch);
    return applyStrategicMergePatch(current, patch, ls);
  } catch (err) {
    if (err instanceof JsonPatchError || err instanceof StrategicMergePatchError)
      throw errors.invalid(who, name, [{ reason: 'FieldValueInvalid', message: err.message }]);
    throw err;
  }
}
