import { clone, isObject } from './json-util.js';
import type { JsonValue } from './types.js';

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, everything else replaces. */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return clone(patch);
  const out = isObject(target) ? { ...target } : {};
  for (const k of Object.keys(patch)) {
    const pv = patch[k];
    if (pv === null) delete out[k];
    else if (pv !== undefined) out[k] = applyMergePatch(out[k], pv);
  }
  return out;
}
