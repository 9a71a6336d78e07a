/**
 * Characters the API server would not keep if sent raw in an apply body. A server-side apply is sent as
 * `application/apply-patch+yaml` and read as YAML, where U+0085 (NEXT LINE), U+2028 and U+2029 are line breaks
 * (folded into a space inside a quoted string) and DEL, the other C1 controls, U+FFFE and U+FFFF are not allowed.
 * JSON.stringify leaves them raw; written as `\uXXXX` they mean the same character in JSON and in YAML's
 * double-quoted strings. They can only occur inside strings of the JSON text, so replacing them anywhere is safe.
 */
const YAML_UNSAFE = /[\u007f-\u009f\u2028\u2029\ufffe\uffff]/g;

/**
 * The body of a server-side apply: the object as JSON (JSON is YAML) with the characters YAML would fold or
 * reject escaped, so the live object holds exactly the rendered strings.
 */
export function applyBody(obj: unknown): string {
  return JSON.stringify(obj).replace(
    YAML_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
