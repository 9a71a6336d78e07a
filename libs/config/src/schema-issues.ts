import type { z } from 'zod';
import type { ConfigIssue } from './config-error.js';
import { closest } from './closest.js';
import { formatPath, getIn, type PathKey, type Raw } from './config-paths.js';
import type { Sources } from './config-sources.js';
import { configSchema, REQUIRED_HINTS } from './schema.js';

/** A URL's password is never echoed back (error output ends up in logs and CI output). */
function redactUrl(s: string): string {
  return s.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@');
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') v = redactUrl(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  if (typeof v === 'number' && Number.isNaN(v)) return '.nan (not a number)';
  if (typeof v === 'number' && !Number.isFinite(v))
    return `${v > 0 ? '' : '-'}infinity (.inf, or a number too large such as 1e309)`;
  return `${typeof v} ${JSON.stringify(v) ?? String(typeof v)}`;
}

/** Turns one zod issue into config issues with the fix and where the value came from. */
export function toIssues(issue: z.core.$ZodIssue, raw: Raw, sources: Sources): ConfigIssue[] {
  const p = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  const shape = formatPath(p.map((s) => (typeof s === 'number' ? -1 : s))).replace(/\[-1\]/g, '[]');
  if (issue.code === 'unrecognized_keys') {
    const parentValue = getIn(raw, p);
    const known = knownKeys(p);
    return issue.keys.map((key) => {
      const hint = closest(
        key,
        known.filter((k) => !(parentValue && typeof parentValue === 'object' && k in parentValue)),
      );
      return {
        path: formatPath([...p, key]),
        message: hint
          ? `unknown field (did you mean ${hint}?)`
          : `unknown field${known.length ? ` (valid fields here: ${known.join(', ')})` : ''}`,
        where: sources.whereKey(p, key),
      };
    });
  }
  const value = getIn(raw, p);
  let message: string;
  if (issue.code === 'invalid_type' && value === undefined) {
    const hint = REQUIRED_HINTS[shape];
    message = `required${hint ? ` (${hint})` : ''}`;
  } else if (issue.code === 'invalid_type' && issue.expected === 'int') {
    message = `must be a whole number; got ${describe(value)}`;
  } else if (issue.code === 'too_small' && issue.message.startsWith('Too small')) {
    message =
      issue.origin === 'string'
        ? 'must not be empty'
        : `must be at least ${String(issue.minimum)}; got ${describe(value)}`;
  } else if (issue.code === 'too_big' && issue.message.startsWith('Too big')) {
    message = `must be at most ${String(issue.maximum)}; got ${describe(value)}`;
  } else if (issue.code === 'invalid_type') {
    message = `expected ${issue.expected}, got ${describe(value)}`;
  } else if (issue.code === 'invalid_value') {
    message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}; got ${describe(value)}`;
  } else if (issue.code === 'invalid_union') {
    // Our unions are "" or a pattern: report the pattern's message.
    const inner = issue.errors.flat().find((e) => e.code !== 'invalid_value');
    message = `${inner?.message ?? issue.message}; got ${describe(value)}`;
  } else {
    message = `${issue.message}; got ${describe(value)}`;
  }
  return [{ path: formatPath(p), message, where: sources.where(p) }];
}

/** Field names valid at a path of the config, for "did you mean" hints. */
function knownKeys(p: PathKey): string[] {
  let schema: unknown = configSchema;
  for (const seg of p) {
    schema = unwrap(schema);
    if (typeof seg === 'number') schema = (schema as { element?: unknown }).element;
    else schema = (schema as { shape?: Record<string, unknown> }).shape?.[seg];
  }
  const shape = (unwrap(schema) as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

function unwrap(schema: unknown): unknown {
  let s = schema as { def?: { innerType?: unknown } } | undefined;
  for (let n = 0; n < 5 && s; n++) {
    const inner = s.def?.innerType as { def?: { innerType?: unknown } } | undefined;
    if (!inner) break;
    s = inner;
  }
  return s;
}
