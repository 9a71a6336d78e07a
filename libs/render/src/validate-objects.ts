import { refKey, refOf } from '@lostromos/model';
import type { KubeObject } from './kube-object.js';
import type { ParsedDocument } from './parse-output.js';
import { formatPath, LIMITS, tooDeep } from './limits.js';
import { quoteValue } from './quote-text.js';
import { RenderError } from './render-error.js';

export { LIMITS, tooDeep, formatPath } from './limits.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const API_VERSION =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?v[0-9]+((alpha|beta)[0-9]+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function checkStringMap(
  what: string,
  m: unknown,
  validValue: RegExp | undefined,
  fail: (msg: string, code?: undefined, path?: readonly (string | number)[]) => never,
): void {
  if (m === undefined || m === null) return;
  if (typeof m !== 'object' || Array.isArray(m))
    fail(`metadata.${what} must be a mapping`, undefined, ['metadata', what]);
  for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
    const name = k.includes('/') ? k.slice(k.indexOf('/') + 1) : k;
    if (!QUALIFIED_KEY.test(k) || name.length > 63 || k.length > 317)
      fail(
        `metadata.${what} key ${quoteValue(k)} is not a valid key (prefix/name, name ≤ 63 characters)`,
        undefined,
        ['metadata', what, k],
      );
    if (typeof v !== 'string')
      fail(
        `metadata.${what}.${k} must be a string, got ${quoteValue(v)}${typeof v === 'object' || v === undefined ? '' : ` (quote it: "${JSON.stringify(v)}")`}`,
        undefined,
        ['metadata', what, k],
      );
    if (validValue && (v.length > 63 || !validValue.test(v))) {
      fail(
        `metadata.${what}.${k} value ${quoteValue(v)} is not a valid label value (≤ 63 of A-Z a-z 0-9 - _ ., starting and ending alphanumeric)`,
        undefined,
        ['metadata', what, k],
      );
    }
  }
}

/** Checks one rendered document is a Kubernetes object we can apply; throws RenderError with file:line. */
export function validateObject(doc: ParsedDocument): KubeObject {
  const fail = (
    msg: string,
    code:
      | 'LZ_RENDER_INVALID_OBJECT'
      | 'LZ_RENDER_NOT_OBJECT'
      | 'LZ_RENDER_TOO_LARGE' = 'LZ_RENDER_INVALID_OBJECT',
    path?: readonly (string | number)[],
  ): never => {
    // Point at the offending field's template line when we know it, else at the document.
    const at = (path && doc.locate?.(path)) ?? { file: doc.file, line: doc.line };
    throw new RenderError(code ?? 'LZ_RENDER_INVALID_OBJECT', msg, at);
  };
  const o = doc.value;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    return fail(
      `a document is ${Array.isArray(o) ? 'a list' : `the scalar ${quoteValue(o)}`}, not a Kubernetes object (apiVersion, kind, metadata)`,
      'LZ_RENDER_NOT_OBJECT',
    );
  }
  const obj = o as Record<string, unknown>;
  if (typeof obj.apiVersion !== 'string' || !API_VERSION.test(obj.apiVersion)) {
    fail(
      obj.apiVersion === undefined
        ? 'apiVersion: required (e.g. v1 or apps/v1)'
        : `apiVersion ${quoteValue(obj.apiVersion)} is not valid (e.g. v1 or apps/v1)`,
      undefined,
      ['apiVersion'],
    );
  }
  if (typeof obj.kind !== 'string' || !KIND.test(obj.kind)) {
    fail(
      obj.kind === undefined
        ? 'kind: required (e.g. ConfigMap)'
        : `kind ${quoteValue(obj.kind)} is not valid (PascalCase, e.g. ConfigMap)`,
      undefined,
      ['kind'],
    );
  }
  const meta = obj.metadata;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
    return fail('metadata: required (a mapping with at least name)');
  const m = meta as Record<string, unknown>;
  if (m.name === undefined || m.name === null || m.name === '') {
    fail(
      `metadata.name: required (${String(obj.kind)} objects are applied by name; generateName is not supported)`,
      undefined,
      ['metadata'],
    );
  }
  if (typeof m.name !== 'string' || m.name.length > 253 || !DNS_SUBDOMAIN.test(m.name)) {
    fail(
      `metadata.name ${quoteValue(m.name)} is not a valid name (lower-case letters, digits, '-' and '.', ≤ 253 characters)`,
      undefined,
      ['metadata', 'name'],
    );
  }
  if (
    m.namespace !== undefined &&
    m.namespace !== null &&
    (typeof m.namespace !== 'string' || m.namespace.length > 63 || !DNS_LABEL.test(m.namespace))
  ) {
    fail(`metadata.namespace ${quoteValue(m.namespace)} is not a valid namespace`, undefined, [
      'metadata',
      'namespace',
    ]);
  }
  if (m.namespace === null) delete m.namespace;
  checkStringMap('labels', m.labels, LABEL_VALUE, fail);
  checkStringMap('annotations', m.annotations, undefined, fail);
  const deep = tooDeep(obj, LIMITS.maxDepth);
  if (deep) {
    fail(
      `${String(obj.kind)} ${String(m.name)}: ${formatPath(deep)} nests deeper than ${LIMITS.maxDepth} levels of mappings and lists (limit)`,
      'LZ_RENDER_TOO_LARGE',
      deep,
    );
  }
  const size = JSON.stringify(obj).length;
  if (size > LIMITS.maxObjectBytes)
    fail(
      `${String(obj.kind)} ${String(m.name)} is ${size} bytes as JSON (limit ${LIMITS.maxObjectBytes})`,
      'LZ_RENDER_TOO_LARGE',
    );
  return obj as KubeObject;
}

/**
 * The one duplicate rule: two objects are the same object when their API group (not version), kind, namespace
 * and name match (refKey of @lostromos/model). Returns a function that takes the objects in order and returns
 * the index of an earlier object with the same identity, if any.
 */
export function duplicateFinder(): (obj: KubeObject, index: number) => number | undefined {
  const seen = new Map<string, number>();
  return (obj, index) => {
    const id = refKey(refOf(obj));
    const first = seen.get(id);
    if (first === undefined) seen.set(id, index);
    return first;
  };
}

/**
 * LZ_RENDER_DUPLICATE_OBJECT for the second of two objects with one identity (see duplicateFinder); `also`
 * says where the first one is, `at` places the second when known.
 */
export function duplicateObjectError(
  obj: KubeObject,
  also: string,
  at: { file?: string; line?: number } = {},
): RenderError {
  const ns = obj.metadata.namespace ? ` in namespace ${obj.metadata.namespace}` : '';
  return new RenderError(
    'LZ_RENDER_DUPLICATE_OBJECT',
    `${obj.kind} ${obj.metadata.name ?? ''}${ns} is rendered twice (also ${also})`,
    at,
  );
}

/**
 * The validator of rendered objects, the only one: every document must be an applicable Kubernetes object
 * (validateObject) and no two may be the same object (duplicateFinder). Every renderer goes through it; the
 * reconcile only decorates what it returns.
 */
export function validateObjects(docs: readonly ParsedDocument[]): KubeObject[] {
  if (docs.length > LIMITS.maxObjects) {
    const last = docs[docs.length - 1]!;
    throw new RenderError(
      'LZ_RENDER_TOO_LARGE',
      `rendered ${docs.length} objects (limit ${LIMITS.maxObjects})`,
      { file: last.file, line: last.line },
    );
  }
  const earlier = duplicateFinder();
  return docs.map((doc, index) => {
    const obj = validateObject(doc);
    const first = earlier(obj, index);
    if (first !== undefined) {
      const prev = docs[first]!;
      throw duplicateObjectError(obj, `at ${prev.file}:${prev.line}`, { file: doc.file, line: doc.line });
    }
    return obj;
  });
}
