import { quoteValue } from './quote-text.js';

/** Bounds on one render; docs/templates.md "Limits" lists them. */
export const LIMITS = {
  /** Objects one CR may render to. */
  maxObjects: 500,
  /** JSON size of one object: etcd's default request limit is 1.5 MiB; keep clear of it. */
  maxObjectBytes: 1024 * 1024,
  /**
   * YAML text one render produces and parses (all files): also bounds the raw text of toYaml/json/quote and
   * of loops while they run. Parsing YAML runs at a few MB/s, so this bounds the time of a render too.
   */
  maxRenderedBytes: 2 * 1024 * 1024,
  /** CR strings inserted with {{…}} in one render (filled in after parsing: memory, not parse time). */
  maxValueBytes: 8 * 1024 * 1024,
  /** Loop iterations ({{#each}}) in one render, all loops together. */
  maxLoopIterations: 10_000,
  /** Nesting of a rendered object (mappings and lists), as of the CR given to render. */
  maxDepth: 100,
  /** The CR as JSON: the API server stores at most ~1.5 MiB per object. */
  maxInputBytes: 1536 * 1024,
  /** One string (or mapping key) in the CR. */
  maxInputStringBytes: 1024 * 1024,
  /** `helm template` output (including the chart's CRDs). */
  maxHelmOutputBytes: 16 * 1024 * 1024,
} as const;

/** The path of the first node nested deeper than `max` levels, or undefined. Recursion stops at `max`. */
export function tooDeep(
  v: unknown,
  max: number,
  path: (string | number)[] = [],
): (string | number)[] | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  if (path.length >= max) return path;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x !== 'object' || x === null) continue;
      path.push(i);
      if (tooDeep(x, max, path)) return path;
      path.pop();
    }
    return undefined;
  }
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (typeof x !== 'object' || x === null) continue;
    path.push(k);
    if (tooDeep(x, max, path)) return path;
    path.pop();
  }
  return undefined;
}

/** `spec.items[3].name`, with odd keys quoted: `metadata.annotations["a.b/c"]`. */
export function formatPath(path: readonly (string | number)[]): string {
  // A path 100 levels deep is unreadable: its start and end say where it is.
  if (path.length > 12)
    return `${formatPath(path.slice(0, 6))}…${formatPath(path.slice(-3)).replace(/^(?=[^[])/, '.')}`;
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${quoteValue(p, 40)}]`;
  }
  return out;
}
