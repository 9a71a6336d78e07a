/**
 * Characters that make a message display something other than what it says: C0 controls but tab and line feed,
 * DEL and the C1 controls (U+0085 NEXT LINE among them), the soft hyphen, bidi controls (U+061C, U+200E/F,
 * U+202A–U+202E, U+2066–U+2069), zero-width and invisible characters (U+180E, U+200B–U+200D, U+2060–U+2064,
 * U+206A–U+206F, U+FEFF, U+FFF9–U+FFFB), the line/paragraph separators U+2028/U+2029, and lone UTF-16 surrogates.
 */
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- control characters are what it finds
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeOne(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * `text` with every character a reader cannot see, or that reorders what they see (bidi overrides, zero-width
 * characters, controls), written as `\uXXXX`, so a message quoting user text shows exactly what is there.
 * Line feeds and tabs stay: messages may span lines. Used wherever text a user controls reaches a message: error
 * messages, CR status conditions, Kubernetes Events.
 */
export function escapeInvisible(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/**
 * A value as it is shown inside a message: JSON-quoted (so quotes, backslashes and line breaks are escaped and the
 * value's bounds are plain), invisible characters escaped as `\uXXXX`, a string longer than `max` characters cut
 * with "…".
 */
export function quoteValue(value: unknown, max = 60): string {
  // A string is cut before quoting, so the cut never splits an escape (a lone surrogate left by it is escaped).
  if (typeof value === 'string')
    return escapeInvisible(JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value));
  const json = JSON.stringify(value) ?? String(value);
  return escapeInvisible(json.length > max ? `${json.slice(0, max)}…` : json);
}
