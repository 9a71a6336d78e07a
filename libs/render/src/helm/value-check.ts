import type { KubeObject } from '../kube-object.js';
import type { ParsedDocument } from '../parse-output.js';
import { RenderError } from '../render-error.js';
import { formatPath } from '../limits.js';
import { quoteValue } from '../quote-text.js';
import { isLossyPlainScalar, plainReading } from '../value-tokens.js';

/**
 * Helm mode's guarantee that a CR value cannot change the structure of a chart's output.
 *
 * Go templates paste values into YAML text, so `key: {{ .Values.resource.spec.x }}` lets a CR value with a
 * newline add keys or whole objects. Lostrómos cannot change how helm writes values, so it checks the
 * result: every CR string that could change the structure or the meaning of YAML when pasted unquoted (it
 * has YAML syntax, or reads as another value: "null", "1.10", "0x1F") is replaced by an inert stand-in
 * (`lzs<nonce><n>z`: letters and digits only) and the chart is rendered a second time. Pasted anywhere, a
 * stand-in stays one plain string, so the second render shows the structure the chart has when no CR
 * value adds any. The real output must have exactly that structure: the same documents, the same keys, the
 * same list lengths; only scalar values may differ. Anything else is refused (LZ_RENDER_INJECTION), as is a
 * CR string that helm's output turns into null, NaN or another number (LZ_RENDER_VALUE_TYPE).
 */

/** Characters a CR string may contain and still be pasted into YAML unquoted without any effect on structure. */
const INERT_FIRST = /^[\p{L}\p{N}_/]/u;
const INERT_REST = /^[\p{L}\p{M}\p{N} _./@%+=$^()~;|<>!?*&:-]*$/u;

/**
 * Whether `text` is one plain YAML string in every position a template can paste it (value, key, list item,
 * flow collection, inside quotes, block scalar, part of a larger scalar) and reads back as itself: letters,
 * digits and a few punctuation characters, not starting with a YAML indicator, no `: `, no `#`, no quotes,
 * no `,[]{}`, no line breaks or tabs, no leading/trailing spaces, and not a number, boolean or null whose
 * text would change ("1.10"). "3" and "true" pass: unquoted they become 3 and true, which loses nothing.
 */
export function isInert(text: string): boolean {
  if (text === '') return true;
  if (!INERT_FIRST.test(text) || !INERT_REST.test(text)) return false;
  if (text.endsWith(' ') || text.endsWith(':') || text.includes(': ') || /:[|>!&*]/.test(text)) return false;
  return !isLossyPlainScalar(text);
}

export interface StandInField {
  /** Where the string is in the CR, e.g. `spec.user` or `metadata.annotations["x"]`. */
  path: string;
  /** A mapping key rather than a value. */
  key: boolean;
  value: string;
}

export interface StandIns {
  /** The CR with stand-ins in place of every non-inert string and key. */
  cr: KubeObject;
  /** By stand-in number. */
  fields: StandInField[];
  /** Matches one stand-in (any case, as charts may `upper` it); group 1 is its number. */
  pattern: RegExp;
}

/** Replaces every non-inert string (and mapping key) of the CR by a numbered stand-in. */
export function standInsFor(cr: KubeObject, nonce: string): StandIns {
  const fields: StandInField[] = [];
  const path: (string | number)[] = [];
  const token = (value: string, key: boolean): string => {
    fields.push({ path: formatPath(path), key, value });
    return `lzs${nonce}${fields.length - 1}z`;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return isInert(v) ? v : token(v, false);
    if (typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) {
      return v.map((x, i) => {
        path.push(i);
        const out = walk(x);
        path.pop();
        return out;
      });
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      path.push(k);
      const name = isInert(k) ? k : token(k, true);
      out[name] = walk(x);
      path.pop();
    }
    return out;
  };
  return { cr: walk(cr) as KubeObject, fields, pattern: new RegExp(`lzs${nonce}(\\d+)z`, 'gi') };
}

/** One difference between the real output and the stand-in output. */
interface Difference {
  kind: 'structure' | 'type';
  /** What differs, in words: "an extra document RoleBinding/x", "key data.b added in ConfigMap/cm". */
  what: string;
  /** Stand-in numbers of the CR fields involved (best effort). */
  fields: number[];
  file?: string;
}

function describe(doc: unknown): string {
  const o = doc as { kind?: unknown; metadata?: { name?: unknown } } | null;
  if (typeof o !== 'object' || o === null) return 'a document';
  return `${typeof o.kind === 'string' ? o.kind : 'object'}/${typeof o.metadata?.name === 'string' ? o.metadata.name : '?'}`;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  return JSON.stringify(v);
}

class Comparer {
  readonly diffs: Difference[] = [];
  constructor(
    private readonly s: StandIns,
    private readonly file: string | undefined,
    private readonly doc: string,
  ) {}

  tokensIn(text: string): number[] {
    return [...text.matchAll(this.s.pattern)].map((m) => Number(m[1]));
  }

  /** Stand-in numbers in the scalars and keys directly inside `node` (where an injected key came from). */
  nearby(node: unknown): number[] {
    const out: number[] = [];
    if (typeof node === 'string') return this.tokensIn(node);
    if (typeof node !== 'object' || node === null) return out;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (!Array.isArray(node)) out.push(...this.tokensIn(k));
      if (typeof v === 'string') out.push(...this.tokensIn(v));
    }
    return out;
  }

  /** The real key a stand-in key became: stand-ins replaced by the CR's strings. */
  expectedKey(key: string): string {
    return key.replace(this.s.pattern, (_m, n: string) => this.s.fields[Number(n)]?.value ?? '');
  }

  add(kind: Difference['kind'], what: string, fields: number[]): void {
    if (this.diffs.length < 5)
      this.diffs.push({ kind, what, fields, ...(this.file ? { file: this.file } : {}) });
  }

  compare(real: unknown, stand: unknown, path: (string | number)[]): void {
    const at = `${formatPath(path) || '(top)'} of ${this.doc}`;
    if (typeof stand === 'string' && this.tokensIn(stand).length > 0) {
      const tokens = this.tokensIn(stand);
      if (typeof real === 'string') return;
      if (typeof real === 'object' && real !== null) {
        this.add('structure', `${at} is ${typeName(real)} instead of one value`, tokens);
        return;
      }
      const whole = new RegExp(`^${this.s.pattern.source}$`, 'i').exec(stand);
      const original = whole ? this.s.fields[Number(whole[1])]?.value : undefined;
      const lossless =
        original !== undefined &&
        ((typeof real === 'number' && Number.isFinite(real)) || typeof real === 'boolean') &&
        String(real) === original;
      if (!lossless) this.add('type', `${at} is ${typeName(real)}`, tokens);
      return;
    }
    const rObj = typeof real === 'object' && real !== null;
    const sObj = typeof stand === 'object' && stand !== null;
    if (!rObj && !sObj) return; // two scalars: values may differ
    if (rObj !== sObj || Array.isArray(real) !== Array.isArray(stand)) {
      this.add(
        'structure',
        `${at} is ${typeName(real)} where the chart writes ${typeName(stand)}`,
        this.nearby(stand),
      );
      return;
    }
    if (Array.isArray(real) && Array.isArray(stand)) {
      if (real.length !== stand.length) {
        this.add(
          'structure',
          `${at} has ${real.length} items instead of ${stand.length}`,
          stand.flatMap((x) => this.nearby(x)),
        );
        return;
      }
      real.forEach((x, i) => this.compare(x, stand[i], [...path, i]));
      return;
    }
    const r = real as Record<string, unknown>;
    const st = stand as Record<string, unknown>;
    const rKeys = new Set(Object.keys(r));
    const pairs: [string, string][] = [];
    const unmatched: string[] = [];
    for (const k of Object.keys(st)) {
      const expected = this.expectedKey(k);
      if (rKeys.has(expected)) {
        pairs.push([expected, k]);
        rKeys.delete(expected);
      } else {
        unmatched.push(k);
      }
    }
    // Keys the chart derived from CR strings through a function (upper, trim…): pair them in order.
    const extra = [...rKeys];
    if (extra.length === unmatched.length && unmatched.every((k) => this.tokensIn(k).length > 0)) {
      unmatched.forEach((k, i) => pairs.push([extra[i]!, k]));
    } else if (extra.length > 0 || unmatched.length > 0) {
      const added = extra.map((k) => formatPath([...path, k]));
      const removed = unmatched.map((k) => formatPath([...path, this.expectedKey(k)]));
      const words = [
        added.length ? `${added.slice(0, 3).join(', ')}${added.length > 3 ? ', …' : ''} added` : '',
        removed.length ? `${removed.slice(0, 3).join(', ')}${removed.length > 3 ? ', …' : ''} missing` : '',
      ]
        .filter(Boolean)
        .join('; ');
      this.add('structure', `in ${this.doc}: ${words}`, this.nearby(stand));
      return;
    }
    for (const [rk, sk] of pairs) this.compare(r[rk], st[sk], [...path, rk]);
  }
}

/** How many real documents ahead a stand-in document is looked for (injected documents in between). */
const MAX_LOOKAHEAD = 50;

/** Documents of a render with the template file each came from (a document without a `# Source:` comment
 * belongs to the file before it: that is where its text was written). */
function withSources(docs: readonly ParsedDocument[]): { value: unknown; file: string | undefined }[] {
  let last: string | undefined;
  return docs.map((d) => {
    const file = d.line === 0 ? d.file : last;
    last = file;
    return { value: d.value, file };
  });
}

/**
 * Compares the real render with the stand-in render; returns the error to refuse the CR with, or undefined
 * when the real output has the stand-in output's structure.
 */
export function checkAgainstStandIns(
  real: readonly ParsedDocument[],
  stand: readonly ParsedDocument[],
  s: StandIns,
  chart: string,
): RenderError | undefined {
  const r = withSources(real);
  const st = withSources(stand);
  const diffs: Difference[] = [];
  // Documents in order (helm sorts by kind, then file order; a stand-in never changes a kind): match each
  // stand-in document with the next real one of the same structure; real documents left over were added.
  let ri = 0;
  for (let si = 0; si < st.length; si++) {
    const sDoc = st[si]!;
    let found = -1;
    let firstDiffs: Difference[] | undefined;
    for (let k = ri; k < Math.min(r.length, ri + MAX_LOOKAHEAD); k++) {
      const c = new Comparer(s, sDoc.file, describe(r[k]!.value));
      c.compare(r[k]!.value, sDoc.value, []);
      if (c.diffs.length === 0 || c.diffs.every((d) => d.kind === 'type')) {
        found = k;
        diffs.push(...c.diffs);
        break;
      }
      if (k === ri) firstDiffs = c.diffs;
    }
    if (found < 0) {
      // No real document matches: report how the one at its place differs (or that it is missing).
      if (firstDiffs) {
        diffs.push(...firstDiffs);
        ri++;
      } else {
        const c = new Comparer(s, sDoc.file, describe(sDoc.value));
        c.add(
          'structure',
          `${describe(sDoc.value)} from ${sDoc.file ?? chart} is missing`,
          c.nearby(sDoc.value),
        );
        diffs.push(...c.diffs);
      }
      continue;
    }
    for (let k = ri; k < found; k++) {
      const prev = st[si - 1]?.value;
      const c = new Comparer(s, r[k]!.file, describe(r[k]!.value));
      const fields = prev === undefined ? [] : (JSON.stringify(prev).match(s.pattern) ?? []);
      c.add(
        'structure',
        `an extra document ${describe(r[k]!.value)} in the output of ${r[k]!.file ?? chart}`,
        fields.map((t) => Number(new RegExp(s.pattern.source, 'i').exec(t)?.[1])),
      );
      diffs.push(...c.diffs);
    }
    ri = found + 1;
  }
  for (let k = ri; k < r.length; k++) {
    const prev = st[st.length - 1]?.value;
    const fields = prev === undefined ? [] : (JSON.stringify(prev).match(s.pattern) ?? []);
    diffs.push({
      kind: 'structure',
      what: `an extra document ${describe(r[k]!.value)} in the output of ${r[k]!.file ?? chart}`,
      fields: fields.map((t) => Number(new RegExp(s.pattern.source, 'i').exec(t)?.[1])),
    });
  }
  if (diffs.length === 0) return undefined;
  return errorFor(diffs, s, chart);
}

function fieldList(numbers: readonly number[], s: StandIns): string {
  const names = [
    ...new Set(
      numbers
        .map((n) => s.fields[n])
        .filter((f): f is StandInField => f !== undefined)
        .map((f) =>
          f.key ? `a key of ${f.path.replace(/(\.[^.[]+|\[[^\]]+\])$/, '') || 'the CR'}` : f.path,
        ),
    ),
  ];
  if (names.length === 0) {
    const all = [...new Set(s.fields.map((f) => f.path))];
    return `one of ${all.slice(0, 5).join(', ')}${all.length > 5 ? ', …' : ''}`;
  }
  return `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`;
}

/** How the chart reaches a CR field: `.Values.resource.spec.x` (or `.Values.cr.metadata.x`). */
function valuesPath(numbers: readonly number[], s: StandIns): string {
  const f = numbers.map((n) => s.fields[n]).find((x) => x && !x.key && /^[A-Za-z_][\w.]*$/.test(x.path));
  if (!f) return '.Values.resource.spec.x';
  return f.path.startsWith('spec.') ? `.Values.resource.${f.path}` : `.Values.cr.${f.path}`;
}

function errorFor(diffs: readonly Difference[], s: StandIns, chart: string): RenderError {
  const structure = diffs.filter((d) => d.kind === 'structure');
  const example = valuesPath(
    (structure.length > 0 ? structure : diffs).flatMap((d) => d.fields),
    s,
  );
  const file = diffs[0]!.file;
  const at = file ? { file } : {};
  if (structure.length > 0) {
    const fields = fieldList(
      structure.flatMap((d) => d.fields),
      s,
    );
    return new RenderError(
      'LZ_RENDER_INJECTION',
      `refused: the CR's ${fields} changes the structure of chart ${chart}'s output (${structure
        .map((d) => d.what)
        .slice(0, 3)
        .join(
          '; ',
        )}). A CR value may only fill in values: the chart writes it into YAML without \`quote\` or \`toYaml\` ` +
        `(or decides what to render from its text). Fix the chart: \`{{ ${example} | quote }}\` for a string, ` +
        `\`{{ toYaml ${example} | nindent 4 }}\` for structure; see docs/helm-mode.md#cr-values-cannot-change-the-structure`,
      at,
    );
  }
  const fields = fieldList(
    diffs.flatMap((d) => d.fields),
    s,
  );
  const examples = [...new Set(diffs.flatMap((d) => d.fields).map((n) => s.fields[n]?.value))].filter(
    (v): v is string => v !== undefined,
  );
  const shown = examples
    .slice(0, 2)
    .map((v) => `${quoteValue(v, 30)} reads as ${typeName(plainReading(v))}`)
    .join(', ');
  return new RenderError(
    'LZ_RENDER_VALUE_TYPE',
    `refused: the CR's ${fields} is a string, but chart ${chart} writes it without \`quote\` and YAML reads it as another value (${diffs
      .map((d) => d.what)
      .slice(0, 3)
      .join(
        '; ',
      )}${shown ? `; ${shown}` : ''}): the key would vanish or change. Quote it in the chart: \`{{ ${example} | quote }}\`; see docs/helm-mode.md#cr-values-cannot-change-the-structure`,
    at,
  );
}
