/**
 * `lostromos dev`'s default log format (`--log-format short`): the roles log JSON lines, and each record is
 * printed as one short line for a person watching the terminal, e.g.
 *
 *   reconciled trigger=event cr=stable.nicolerenee.io/characters/default/ripley applied=2 created=2 updated=0 pruned=0
 *   WARN reconcile failed permanently cr=… code=LZ_RENDER_TEMPLATE: configmap.yaml:9: unclosed {{ …
 *
 * The level only when it is not info; no time, pid, hostname, role or component (the `[label]` prefix names
 * the process); the error text (err.message, error.message or message) last, its lines joined by " | ", and
 * never a stack. Anything that is not a JSON record (a crash trace on stderr) is passed through unchanged.
 */

/** Fields every record carries that say nothing in dev: the process label already names the role. */
const HIDDEN = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'role',
  'component',
  'identity',
  'msg',
  'v',
  'jobId',
  'reconcileId',
]);

/** pino's numeric levels, for records that carry a number. */
const LEVEL_NAMES: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

const MAX_VALUE = 160;

function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' | ');
}

function clip(text: string): string {
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function valueText(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(clip(oneLine(v)));
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number'))
    return v.length > 0 ? clip(v.join(',')) : '[]';
  return clip(JSON.stringify(v) ?? typeof v);
}

/** The text of an error-like field: a string, or an object's message (and code). */
function errorText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string')
    return (v as { message: string }).message;
  return undefined;
}

/** One short line for a JSON log line, or the line unchanged when it is not a log record. */
export function formatShortLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let rec: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return line;
    rec = parsed as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof rec.msg !== 'string' || !('level' in rec)) return line;
  const level =
    typeof rec.level === 'number' ? (LEVEL_NAMES[rec.level] ?? String(rec.level)) : String(rec.level);
  const hidden = new Set(HIDDEN);
  // `cr` is group/plural/namespace/name already.
  if (typeof rec.cr === 'string') for (const k of ['resource', 'namespace', 'name']) hidden.add(k);
  // The error text goes last, once: err, else error, else message.
  const errorKey = ['err', 'error', 'message'].find((k) => errorText(rec[k]) !== undefined);
  const error = errorKey ? errorText(rec[errorKey]) : undefined;
  if (errorKey) hidden.add(errorKey);
  const parts: string[] = [];
  if (level !== 'info') parts.push(level.toUpperCase());
  parts.push(oneLine(rec.msg));
  for (const [k, v] of Object.entries(rec)) {
    if (hidden.has(k) || v === undefined) continue;
    if (typeof v === 'object' && errorText(v) !== undefined && errorText(v) === error) continue; // the same text
    parts.push(`${k}=${valueText(v)}`);
  }
  const errCode = errorKey ? (rec[errorKey] as { code?: unknown } | undefined)?.code : undefined;
  if (typeof errCode === 'string' && rec.code === undefined) parts.push(`code=${errCode}`);
  const head = parts.filter(Boolean).join(' ');
  return error === undefined ? head : `${head}: ${oneLine(error)}`;
}
