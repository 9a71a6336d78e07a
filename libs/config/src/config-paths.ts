import path from 'node:path';

export type Raw = Record<string, unknown>;
export type PathKey = readonly (string | number)[];

export function formatPath(p: PathKey): string {
  let out = '';
  for (const seg of p) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

export function setIn(obj: Raw, p: readonly string[], value: unknown): void {
  let cur = obj;
  for (const key of p.slice(0, -1)) {
    const next = cur[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Raw;
  }
  cur[p[p.length - 1]!] = value;
}

export function getIn(obj: unknown, p: PathKey): unknown {
  let cur = obj;
  for (const key of p) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

/** Where a config path came from, for error messages. */
/** Absolute path: `~/` is the home folder, anything else relative to `base`; "" stays "". */
export function resolvePath(p: string, base: string, home: string | undefined): string {
  if (p === '') return p;
  if (p === '~' || p.startsWith('~/')) return home ? path.join(home, p.slice(1)) : p;
  return path.resolve(base, p);
}
