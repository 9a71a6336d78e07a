import { fromFieldsV1, toFieldsV1, type FieldSet } from './field-set.js';
import { isObject } from './json-util.js';
import type { KubeObject, ManagedFieldsEntry } from './types.js';

/** One managedFields entry with its field set decoded. */
export interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource: string;
  fields: FieldSet;
}

export function managerId(m: { manager: string; operation: string; subresource: string }): string {
  return `${m.manager}\u0000${m.operation}\u0000${m.subresource}`;
}

// Stored objects are never mutated (copy-on-write), so their decoded managers can be cached by identity.
const cache = new WeakMap<object, Manager[]>();

export function decodeManagers(obj: KubeObject | undefined): Manager[] {
  if (!obj) return [];
  const cached = cache.get(obj);
  if (cached) return cached;
  const entries = obj.metadata.managedFields;
  const out: Manager[] = [];
  if (Array.isArray(entries)) {
    for (const e of entries) {
      if (!isObject(e) || typeof e.manager !== 'string') continue;
      out.push({
        manager: e.manager,
        operation: e.operation === 'Apply' ? 'Apply' : 'Update',
        apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
        time: typeof e.time === 'string' ? e.time : '',
        subresource: typeof e.subresource === 'string' ? e.subresource : '',
        fields: fromFieldsV1(e.fieldsV1),
      });
    }
  }
  cache.set(obj, out);
  return out;
}

// Managers are immutable once built, so an entry encodes once however many writes carry it along.
const encoded = new WeakMap<Manager, ManagedFieldsEntry>();

export function encodeManagers(managers: readonly Manager[]): ManagedFieldsEntry[] {
  return managers
    .filter((m) => m.fields.size > 0)
    .map((m) => {
      const cached = encoded.get(m);
      if (cached) return cached;
      const e: ManagedFieldsEntry = {
        manager: m.manager,
        operation: m.operation,
        apiVersion: m.apiVersion,
        time: m.time,
        fieldsType: 'FieldsV1',
        fieldsV1: toFieldsV1(m.fields),
      };
      if (m.subresource) e.subresource = m.subresource;
      encoded.set(m, e);
      return e;
    });
}

/** Attaches managers to a freshly built object and primes the decode cache. */
export function setManagers(obj: KubeObject, managers: Manager[]): void {
  const kept = managers.filter((m) => m.fields.size > 0);
  if (kept.length > 0) obj.metadata.managedFields = encodeManagers(kept);
  else delete obj.metadata.managedFields;
  cache.set(obj, kept);
}
