import { randomUUID } from 'node:crypto';
import { isObject } from './json-util.js';
import type { StatusCause } from './status-error.js';
import type { KubeObject, ObjectMeta } from './types.js';

/** RFC 3339 with second precision, as metav1.Time serialises. */
let lastSecond = -1;
let lastStamp = '';

export function timestamp(now: Date = new Date()): string {
  const second = Math.floor(now.getTime() / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastStamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return lastStamp;
}

export function newUid(): string {
  return randomUUID();
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** generateName + 5 random characters from the apiserver's alphabet. */
export function generateName(prefix: string, random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_ALPHABET[Math.floor(random() * SUFFIX_ALPHABET.length)];
  return `${prefix.slice(0, 58)}${s}`;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function validateQualifiedKey(key: string, field: string, causes: StatusCause[]): void {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (slash >= 0 && (!DNS1123_SUBDOMAIN.test(prefix) || prefix.length > 253))
    causes.push({
      reason: 'FieldValueInvalid',
      field,
      message: `Invalid value: "${key}": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    });
  if (!QUALIFIED_NAME.test(name) || name.length > 63)
    causes.push({
      reason: 'FieldValueInvalid',
      field,
      message: `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') and must be no more than 63 characters`,
    });
}

/** ObjectMeta validation the apiserver applies to every kind (names, labels, annotations, finalizers). */
export function validateMetadata(meta: ObjectMeta, opts: { dnsLabelName: boolean }): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = meta.name ?? '';
  if (!name)
    causes.push({
      reason: 'FieldValueRequired',
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
    });
  else if (
    opts.dnsLabelName
      ? !DNS1123_LABEL.test(name) || name.length > 63
      : !DNS1123_SUBDOMAIN.test(name) || name.length > 253
  )
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: opts.dnsLabelName
        ? `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`
        : `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    });
  if (meta.labels !== undefined) {
    if (!isObject(meta.labels))
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.labels',
        message: 'Invalid value: must be a map of strings',
      });
    else
      for (const [k, v] of Object.entries(meta.labels)) {
        validateQualifiedKey(k, 'metadata.labels', causes);
        if (typeof v !== 'string' || !LABEL_VALUE.test(v) || v.length > 63)
          causes.push({
            reason: 'FieldValueInvalid',
            field: 'metadata.labels',
            message: `Invalid value: "${String(v)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
          });
      }
  }
  if (meta.annotations !== undefined) {
    if (!isObject(meta.annotations))
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.annotations',
        message: 'Invalid value: must be a map of strings',
      });
    else
      for (const [k, v] of Object.entries(meta.annotations)) {
        validateQualifiedKey(k, 'metadata.annotations', causes);
        if (typeof v !== 'string')
          causes.push({
            reason: 'FieldValueInvalid',
            field: `metadata.annotations.${k}`,
            message: 'Invalid value: annotation values must be strings',
          });
      }
  }
  if (meta.finalizers !== undefined) {
    if (!Array.isArray(meta.finalizers))
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.finalizers',
        message: 'Invalid value: must be a list of strings',
      });
    else
      meta.finalizers.forEach((f, i) => {
        if (typeof f !== 'string' || !/^([a-z0-9.-]+\/)?[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(f))
          causes.push({
            reason: 'FieldValueInvalid',
            field: `metadata.finalizers[${i}]`,
            message: `Invalid value: "${String(f)}": a finalizer must be a qualified name`,
          });
      });
  }
  if (meta.ownerReferences !== undefined) {
    if (!Array.isArray(meta.ownerReferences))
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.ownerReferences',
        message: 'Invalid value: must be a list',
      });
    else
      meta.ownerReferences.forEach((r, i) => {
        for (const f of ['apiVersion', 'kind', 'name', 'uid'] as const)
          if (!isObject(r) || typeof r[f] !== 'string' || r[f] === '')
            causes.push({
              reason: 'FieldValueRequired',
              field: `metadata.ownerReferences[${i}].${f}`,
              message: 'Required value',
            });
      });
  }
  return causes;
}

/** Whether an object is still held by finalizers (namespaces are also held by spec.finalizers). */
export function hasFinalizers(obj: KubeObject): boolean {
  if ((obj.metadata.finalizers?.length ?? 0) > 0) return true;
  const spec = obj.spec;
  return (
    obj.kind === 'Namespace' && isObject(spec) && Array.isArray(spec.finalizers) && spec.finalizers.length > 0
  );
}
