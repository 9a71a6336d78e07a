import { createHash } from 'node:crypto';
import type Handlebars from 'handlebars';
import YAML from 'yaml';

type Env = typeof Handlebars;
type SafeString = Handlebars.SafeString;

/** Thrown by helpers for bad arguments; the renderer turns it into RenderError LZ_RENDER_HELPER. */
export class HelperError extends Error {
  override readonly name = 'HelperError';
}

/** Helpers callable from templates, beyond Handlebars' built-ins (if, unless, each, with, lookup). */
export const HELPER_NAMES = [
  'getField',
  'json',
  'toYaml',
  'indent',
  'nindent',
  'quote',
  'default',
  'required',
  'b64enc',
  'b64dec',
  'sha256',
  'lower',
  'upper',
  'trunc',
  'replace',
  'join',
  'trim',
  'eq',
  'ne',
  'lt',
  'gt',
  'and',
  'or',
  'not',
] as const;

export const BUILTIN_HELPERS = ['if', 'unless', 'each', 'with', 'lookup'] as const;

export function isSafeString(v: unknown): v is SafeString {
  return typeof v === 'object' && v !== null && typeof (v as { toHTML?: unknown }).toHTML === 'function';
}

/** Handlebars passes an options object as the last argument; this drops it. */
function args(all: unknown[]): unknown[] {
  return all.slice(0, -1);
}

function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (isSafeString(v)) return v.toString();
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? '';
}

// JSON leaves DEL, the C1 controls and U+2028/U+2029 raw; YAML forbids raw C1 controls in scalars and
// YAML 1.1 readers treat NEL/LS/PS as line breaks, so escape them all: the text stays one YAML scalar.
function jsonText(v: unknown): string {
  return (JSON.stringify(v) ?? 'null').replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === '' || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object' && !isSafeString(v)) return Object.keys(v).length === 0;
  return false;
}

function toInt(v: unknown, helper: string): number {
  const n = typeof v === 'number' ? v : Number(str(v));
  if (!Number.isInteger(n)) throw new HelperError(`${helper}: expected a whole number, got ${jsonText(v)}`);
  return n;
}

function indentText(n: number, text: string): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((l) => (l === '' ? l : pad + l))
    .join('\n');
}

/**
 * What `{{indent N v}}` / `{{nindent N v}}` written on its own (a template line of its own, or `nindent` right
 * after a block scalar header `|`) produces: raw YAML text when `v` is raw (a SafeString, e.g. from toYaml),
 * otherwise the CR text and the indentation, which the renderer writes as the indentation followed by one
 * value token, so the text stays one value and a block scalar holds it line by line (see value-tokens.ts).
 */
export function indentParts(
  name: 'indent' | 'nindent',
  n: unknown,
  v: unknown,
): { raw: string } | { text: string; n: number; newline: boolean } {
  const width = toInt(n, name);
  const newline = name === 'nindent';
  if (isSafeString(v)) return { raw: (newline ? '\n' : '') + indentText(width, v.toString()) };
  return { text: str(v), n: width, newline };
}

/** The text `indent`/`nindent` give for a value: each non-empty line indented, after a newline for nindent. */
export function indentedText(text: string, n: number, newline: boolean): string {
  return (newline ? '\n' : '') + indentText(n, text);
}

/**
 * Registers every helper on an isolated Handlebars environment. Helpers that produce YAML syntax (`json`,
 * `toYaml`, `quote`) return SafeStrings, which the renderer emits raw; `indent`/`nindent` stay raw only
 * when their input was (so `nindent 4 (toYaml spec.x)` works while `nindent 4 spec.x` is still a value).
 */
export function registerHelpers(hb: Env): void {
  const safe = (s: string): SafeString => new hb.SafeString(s);
  // Templates get no side channels: `log` would write to the operator's stdout.
  hb.unregisterHelper('log');

  hb.registerHelper('getField', function (this: unknown, ...all: unknown[]) {
    const keys = args(all).map((k) => str(k));
    const root = (all[all.length - 1] as { data?: { root?: { cr?: unknown } } }).data?.root?.cr;
    let cur: unknown = root;
    for (const k of keys) {
      if (typeof cur !== 'object' || cur === null || !Object.prototype.hasOwnProperty.call(cur, k))
        return undefined;
      cur = (cur as Record<string, unknown>)[k];
    }
    return cur;
  });
  hb.registerHelper('json', (...all: unknown[]) => {
    const [v] = args(all);
    return safe(jsonText(isSafeString(v) ? v.toString() : v));
  });
  hb.registerHelper('toYaml', (...all: unknown[]) => {
    const [v] = args(all);
    if (v === undefined || v === null) return safe('');
    return safe(YAML.stringify(isSafeString(v) ? v.toString() : v, { lineWidth: 0 }).replace(/\n$/, ''));
  });
  for (const [name, nl] of [
    ['indent', false],
    ['nindent', true],
  ] as const) {
    hb.registerHelper(name, (...all: unknown[]) => {
      const [n, v] = args(all);
      const out = indentedText(str(v), toInt(n, name), nl);
      return isSafeString(v) ? safe(out) : out;
    });
  }
  hb.registerHelper('quote', (...all: unknown[]) => safe(jsonText(str(args(all)[0]))));
  hb.registerHelper('default', (...all: unknown[]) => {
    const [d, v] = args(all);
    return isEmpty(v) ? d : v;
  });
  hb.registerHelper('required', (...all: unknown[]) => {
    const [msg, v] = args(all);
    if (v === undefined || v === null || v === '')
      throw new HelperError(str(msg) || 'a required value is missing');
    return v;
  });
  hb.registerHelper('b64enc', (...all: unknown[]) =>
    Buffer.from(str(args(all)[0]), 'utf8').toString('base64'),
  );
  hb.registerHelper('b64dec', (...all: unknown[]) => {
    const s = str(args(all)[0]).trim();
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) {
      throw new HelperError(`b64dec: not base64: ${jsonText(s.length > 40 ? `${s.slice(0, 40)}…` : s)}`);
    }
    return Buffer.from(s, 'base64').toString('utf8');
  });
  hb.registerHelper('sha256', (...all: unknown[]) =>
    createHash('sha256')
      .update(str(args(all)[0]))
      .digest('hex'),
  );
  hb.registerHelper('lower', (...all: unknown[]) => str(args(all)[0]).toLowerCase());
  hb.registerHelper('upper', (...all: unknown[]) => str(args(all)[0]).toUpperCase());
  hb.registerHelper('trim', (...all: unknown[]) => str(args(all)[0]).trim());
  hb.registerHelper('trunc', (...all: unknown[]) => {
    const [n, v] = args(all);
    const len = toInt(n, 'trunc');
    const s = str(v);
    return len >= 0 ? s.slice(0, len) : s.slice(len);
  });
  hb.registerHelper('replace', (...all: unknown[]) => {
    const [from, to, v] = args(all);
    return str(v).split(str(from)).join(str(to));
  });
  hb.registerHelper('join', (...all: unknown[]) => {
    const [sep, list] = args(all);
    if (!Array.isArray(list)) throw new HelperError(`join: expected a list, got ${jsonText(list)}`);
    return list.map(str).join(str(sep));
  });
  hb.registerHelper('eq', (...all: unknown[]) => {
    const [a, b] = args(all);
    return a === b;
  });
  hb.registerHelper('ne', (...all: unknown[]) => {
    const [a, b] = args(all);
    return a !== b;
  });
  hb.registerHelper('lt', (...all: unknown[]) => {
    const [a, b] = args(all);
    return (a as number) < (b as number);
  });
  hb.registerHelper('gt', (...all: unknown[]) => {
    const [a, b] = args(all);
    return (a as number) > (b as number);
  });
  hb.registerHelper('and', (...all: unknown[]) => args(all).every((v) => !isEmpty(v)));
  hb.registerHelper('or', (...all: unknown[]) => args(all).some((v) => !isEmpty(v)));
  hb.registerHelper('not', (...all: unknown[]) => isEmpty(args(all)[0]));
}
