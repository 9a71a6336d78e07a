/**
 * Secret scrubbing for everything that reaches a log line. Pure functions, so they are tested on their own and
 * reused by anything else that prints user-supplied data (status pages, error messages).
 */

/** What replaces a secret value. */
export const REDACTED = '[REDACTED]';

// Keys whose values are credentials wherever they appear (matched case-insensitively, whole key).
// `passwordFile` is deliberately not here: a path is not a secret and operators need it to debug.
const SECRET_KEY =
  /^(password|passwd|pwd|secret|token|authorization|proxy-authorization|cookie|set-cookie|api[-_]?key|x-api-key|private[-_]?key|client[-_]?secret|client[-_]?key[-_]?data|access[-_]?token|refresh[-_]?token|id[-_]?token|bearer[-_]?token|auth[-_]?token)$/i;

// scheme://user:password@host → scheme://user:[REDACTED]@host (user may be empty: redis://:pw@host).
const URL_USER_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/?#]*):([^\s@/?#]*)@/gi;
// redis://password@host: ioredis may treat a bare userinfo as the password, so hide it all.
const REDIS_BARE_USERINFO = /\b(rediss?:\/\/)([^\s:@/?#]+)@/gi;
// "Bearer abc", "Basic dXNlcjpwdw==" inside free text (e.g. a header dumped into a message).
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g;

/** Is this object key one whose value must never be logged? */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Removes credentials from free text: passwords in URLs, bearer/basic tokens. */
export function redactString(text: string): string {
  if (!text.includes('://') && !/Bearer|Basic/.test(text)) return text;
  return text
    .replace(URL_USER_PASSWORD, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
    .replace(REDIS_BARE_USERINFO, (_m, scheme: string) => `${scheme}${REDACTED}@`)
    .replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const MAX_DEPTH = 10;

/**
 * Returns a copy of `value` with secrets replaced by {@link REDACTED}: values under secret-looking keys,
 * credentials inside strings, and the `data`/`stringData` of a Kubernetes Secret (the keys stay visible).
 * Only plain objects and arrays are copied; class instances (Errors, Dates, Buffers) are returned as they are,
 * Errors are handled by the logger's error serializer. Cycles become "[Circular]".
 */
export function redactSecrets<T>(value: T): T {
  return walk(value, 0, new WeakSet()) as T;
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return value;
  if (seen.has(value)) return '[Circular]';
  if (Array.isArray(value)) {
    seen.add(value);
    const out = value.map((v) => walk(v, depth + 1, seen));
    seen.delete(value);
    return out;
  }
  if (!isPlainObject(value)) return value;
  seen.add(value);
  const isK8sSecret = value.kind === 'Secret' && typeof value.apiVersion === 'string';
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (isSecretKey(key) && v !== undefined && v !== null && v !== '') {
      out[key] = REDACTED;
    } else if (isK8sSecret && (key === 'data' || key === 'stringData') && v && typeof v === 'object') {
      out[key] = Object.fromEntries(Object.keys(v).map((k) => [k, REDACTED]));
    } else {
      out[key] = walk(v, depth + 1, seen);
    }
  }
  seen.delete(value);
  return out;
}
