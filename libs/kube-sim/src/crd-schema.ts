import { clone, deepEqual, isObject } from './json-util.js';
import type { StatusCause } from './status-error.js';
import type { JsonObject, JsonValue } from './types.js';

/**
 * What the apiserver does with a custom resource and its CRD's structural schema: prune fields the schema
 * does not declare (unless x-kubernetes-preserve-unknown-fields), apply `default`s, and validate types,
 * required, enum, numeric bounds, lengths, item counts and patterns. anyOf/oneOf/allOf/not, formats and CEL
 * rules (x-kubernetes-validations) are not evaluated.
 */
export function conformToSchema(
  obj: JsonObject,
  schema: JsonObject | undefined,
): { object: JsonObject; causes: StatusCause[] } {
  if (!schema) return { object: obj, causes: [] };
  const out = pruneToSchema(obj, schema);
  applyDefaults(out, schema, true);
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries(out)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata' || v === undefined) continue;
    const s = propertySchema(schema, k);
    if (s) validate(v, s, k, causes);
  }
  for (const r of requiredOf(schema))
    if (out[r] === undefined && r !== 'apiVersion' && r !== 'kind' && r !== 'metadata')
      causes.push(required(r));
  return { object: out, causes };
}

/** Paths of the fields pruning would drop (`spec.bogus`, `spec.ports[0].x`), for fieldValidation. */
export function unknownFields(obj: JsonObject, schema: JsonObject | undefined): string[] {
  if (!schema) return [];
  const out: string[] = [];
  const walk = (v: JsonValue, s: JsonObject | true, path: string): void => {
    if (s === true) return;
    if (isObject(v)) {
      if (
        s['x-kubernetes-embedded-resource'] === true ||
        (!isObject(s.properties) &&
          !isObject(s.additionalProperties) &&
          s['x-kubernetes-preserve-unknown-fields'] === true)
      )
        return;
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined) continue;
        const p = path ? `${path}.${k}` : k;
        const ps =
          path === '' && (k === 'apiVersion' || k === 'kind' || k === 'metadata')
            ? true
            : propertySchema(s, k);
        if (ps === undefined) out.push(p);
        else walk(x, ps, p);
      }
    } else if (Array.isArray(v) && isObject(s.items)) {
      const items = s.items;
      v.forEach((e, i) => walk(e, items, `${path}[${i}]`));
    }
  };
  walk(obj, schema, '');
  return out;
}

/** Only the pruning step (for apply configurations, which must not pick up defaults). */
export function pruneToSchema(obj: JsonObject, schema: JsonObject | undefined): JsonObject {
  if (!schema) return obj;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    // apiVersion, kind and metadata are never pruned; metadata is validated as ObjectMeta elsewhere.
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata') out[k] = v;
    else {
      const s = propertySchema(schema, k);
      if (s !== undefined) out[k] = prune(v, s);
    }
  }
  return out;
}

function requiredOf(s: JsonObject): string[] {
  return Array.isArray(s.required) ? s.required.filter((x): x is string => typeof x === 'string') : [];
}

/** The schema of property `k`, `true` for "anything" (preserved), undefined when it is pruned. */
function propertySchema(s: JsonObject, k: string): JsonObject | true | undefined {
  const props = isObject(s.properties) ? s.properties : undefined;
  const p = props?.[k];
  if (isObject(p)) return p;
  if (isObject(s.additionalProperties)) return s.additionalProperties;
  if (s.additionalProperties === true || s['x-kubernetes-preserve-unknown-fields'] === true) return true;
  return undefined;
}

function prune(v: JsonValue, s: JsonObject | true): JsonValue {
  if (s === true) return v;
  if (isObject(v)) {
    if (
      s['x-kubernetes-embedded-resource'] === true ||
      (!isObject(s.properties) &&
        !isObject(s.additionalProperties) &&
        s['x-kubernetes-preserve-unknown-fields'] === true)
    )
      return v;
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      const ps = propertySchema(s, k);
      if (ps !== undefined) out[k] = prune(x, ps);
    }
    return out;
  }
  if (Array.isArray(v)) {
    const items = isObject(s.items) ? s.items : undefined;
    return items ? v.map((e) => prune(e, items)) : v;
  }
  return v;
}

function applyDefaults(v: JsonValue, s: JsonObject | true, root = false): void {
  if (s === true) return;
  if (isObject(v)) {
    const props = isObject(s.properties) ? s.properties : {};
    for (const [k, ps] of Object.entries(props)) {
      if (!isObject(ps)) continue;
      if (root && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
      if (v[k] === undefined && ps.default !== undefined) v[k] = clone(ps.default);
      const child = v[k];
      if (child !== undefined) applyDefaults(child, ps);
    }
    if (isObject(s.additionalProperties))
      for (const k of Object.keys(v)) if (!(k in props)) applyDefaults(v[k]!, s.additionalProperties);
  } else if (Array.isArray(v) && isObject(s.items)) {
    for (const e of v) applyDefaults(e, s.items);
  }
}

function required(field: string): StatusCause {
  return { reason: 'FieldValueRequired', field, message: 'Required value' };
}

function show(v: JsonValue): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v);
}

function typeOf(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function validate(v: JsonValue, s: JsonObject | true, path: string, causes: StatusCause[]): void {
  if (s === true) return;
  const invalid = (message: string): void => {
    causes.push({
      reason: 'FieldValueInvalid',
      field: path,
      message: `Invalid value: ${show(v)}: ${message}`,
    });
  };
  if (v === null) {
    if (s.nullable !== true && s.type !== undefined)
      invalid(`${path} in body must be of type ${typeof s.type === 'string' ? s.type : 'object'}: "null"`);
    return;
  }
  const t = typeof s.type === 'string' ? s.type : undefined;
  const actual = typeOf(v);
  if (s['x-kubernetes-int-or-string'] === true) {
    if (actual !== 'integer' && actual !== 'string')
      invalid(`${path} in body must be of type integer or string: "${actual}"`);
  } else if (t && !(t === actual || (t === 'number' && actual === 'integer'))) {
    invalid(`${path} in body must be of type ${t}: "${actual}"`);
    return;
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, v)))
    causes.push({
      reason: 'FieldValueNotSupported',
      field: path,
      message: `Unsupported value: ${show(v)}: supported values: ${s.enum.map((e) => show(e)).join(', ')}`,
    });
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && (s.exclusiveMinimum === true ? v <= s.minimum : v < s.minimum))
      invalid(
        `${path} in body should be greater than ${s.exclusiveMinimum === true ? '' : 'or equal to '}${s.minimum}`,
      );
    if (typeof s.maximum === 'number' && (s.exclusiveMaximum === true ? v >= s.maximum : v > s.maximum))
      invalid(
        `${path} in body should be less than ${s.exclusiveMaximum === true ? '' : 'or equal to '}${s.maximum}`,
      );
    if (typeof s.multipleOf === 'number' && s.multipleOf > 0 && v % s.multipleOf !== 0)
      invalid(`${path} in body should be a multiple of ${s.multipleOf}`);
  }
  if (typeof v === 'string') {
    if (typeof s.maxLength === 'number' && [...v].length > s.maxLength)
      causes.push({
        reason: 'FieldValueTooLong',
        field: path,
        message: `Too long: may not be more than ${s.maxLength} bytes`,
      });
    if (typeof s.minLength === 'number' && [...v].length < s.minLength)
      invalid(`${path} in body should be at least ${s.minLength} chars long`);
    if (typeof s.pattern === 'string') {
      let re: RegExp | undefined;
      try {
        re = new RegExp(s.pattern, 'u');
      } catch {
        re = undefined;
      }
      if (re && !re.test(v)) invalid(`${path} in body should match '${s.pattern}'`);
    }
  }
  if (Array.isArray(v)) {
    if (typeof s.maxItems === 'number' && v.length > s.maxItems)
      causes.push({
        reason: 'FieldValueTooMany',
        field: path,
        message: `Too many: ${v.length}: must have at most ${s.maxItems} items`,
      });
    if (typeof s.minItems === 'number' && v.length < s.minItems)
      invalid(`${path} in body should have at least ${s.minItems} items`);
    const items = isObject(s.items) ? s.items : undefined;
    if (items) v.forEach((e, i) => validate(e, items, `${path}[${i}]`, causes));
    return;
  }
  if (isObject(v)) {
    if (s['x-kubernetes-embedded-resource'] === true) return;
    for (const r of requiredOf(s)) if (v[r] === undefined) causes.push(required(`${path}.${r}`));
    if (typeof s.maxProperties === 'number' && Object.keys(v).length > s.maxProperties)
      causes.push({
        reason: 'FieldValueTooMany',
        field: path,
        message: `Too many: ${Object.keys(v).length}: must have at most ${s.maxProperties} items`,
      });
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      const ps = propertySchema(s, k);
      if (ps !== undefined) validate(x, ps, `${path}.${k}`, causes);
    }
  }
}
