// Kubernetes label selector syntax (k8s.io/apimachinery/pkg/labels.Parse), checked when the config loads: an
// invalid selector would otherwise only fail at the first list/watch request, as an API error far from the
// config field.

const KEY_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const KEY_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function keyProblem(key: string): string | undefined {
  if (key === '') return 'a requirement has no label key';
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !KEY_PREFIX.test(prefix)))
    return `the key prefix "${prefix}" is not a DNS subdomain (e.g. example.io/team)`;
  if (name.length > 63 || !KEY_NAME.test(name))
    return `"${key}" is not a valid label key (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, optionally after a DNS prefix and '/')`;
  return undefined;
}

function valueProblem(value: string): string | undefined {
  if (value.length > 63 || !VALUE.test(value))
    return `"${value}" is not a valid label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`;
  return undefined;
}

/** Splits at commas that are not inside `( … )`; undefined when parentheses do not balance. */
function splitRequirements(s: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (depth < 0 || depth > 1) return undefined;
    if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) return undefined;
  out.push(s.slice(start));
  return out;
}

/** Why `selector` is not a valid Kubernetes label selector, or undefined when it is one ("" selects everything). */
export function labelSelectorProblem(selector: string): string | undefined {
  if (selector.trim() === '') return undefined;
  const parts = splitRequirements(selector);
  if (!parts) return 'its parentheses do not balance (a set is written key in (a,b))';
  for (const raw of parts) {
    const r = raw.trim();
    if (r === '') return 'it has an empty requirement (two commas in a row, or a comma at an end)';
    let m = /^!\s*(\S+)$/.exec(r);
    if (m) {
      const p = keyProblem(m[1]!);
      if (p) return p;
      continue;
    }
    m = /^([^\s=!<>()]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(r);
    if (m) {
      const p = keyProblem(m[1]!);
      if (p) return p;
      const values = m[3]!.split(',').map((v) => v.trim());
      if (values.length === 1 && values[0] === '')
        return `the set of "${m[1]!} ${m[2]!} ()" is empty: list at least one value`;
      for (const v of values) {
        const vp = valueProblem(v);
        if (vp) return vp;
      }
      continue;
    }
    m = /^([^\s=!<>()]+)\s*(==|=|!=)\s*([^\s=!<>(),]*)$/.exec(r);
    if (m) {
      const p = keyProblem(m[1]!) ?? valueProblem(m[3]!);
      if (p) return p;
      continue;
    }
    m = /^([^\s=!<>()]+)\s*(<|>)\s*(\S*)$/.exec(r);
    if (m) {
      const p = keyProblem(m[1]!);
      if (p) return p;
      if (!/^-?[0-9]+$/.test(m[3]!)) return `"${r}" compares with a value that is not a whole number`;
      continue;
    }
    m = /^([^\s=!<>(),]+)$/.exec(r);
    if (m) {
      const p = keyProblem(m[1]!);
      if (p) return p;
      continue;
    }
    return `"${r}" is not a requirement (key, !key, key=value, key!=value, key in (a,b), key notin (a,b))`;
  }
  return undefined;
}
