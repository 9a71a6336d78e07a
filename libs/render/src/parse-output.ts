import YAML, { isScalar, LineCounter, type Document, type Scalar, type YAMLMap } from 'yaml';
import type { SourceLine } from './line-markers.js';
import { RenderError } from './render-error.js';
import { LIMITS } from './limits.js';
import { quoteValue } from './quote-text.js';
import type { ValueTable } from './value-tokens.js';

/** Largest number of nodes YAML aliases (`*name`) may expand to in one document: more is a YAML bomb. */
const MAX_ALIAS_COUNT = 50;

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

function tooDeep(at: SourceLine | { file: string; line?: number }): RenderError {
  return new RenderError(
    'LZ_RENDER_TOO_LARGE',
    `the rendered output nests mappings and lists too deeply to read (limit ${LIMITS.maxDepth} levels)`,
    at,
  );
}

/** One YAML document of rendered output, as JSON, with where it started. */
export interface ParsedDocument {
  value: unknown;
  file: string;
  line: number;
  /** Where a field of the document was written (template file and line), for precise errors. */
  locate?: (path: readonly (string | number)[]) => SourceLine | undefined;
}

/** A scalar of the parsed output that holds value tokens. */
interface Hole {
  node: Scalar;
  /** The scalar's text with tokens, as parsed. */
  text: string;
  /** Token index when the scalar is exactly one unquoted token in a value position. */
  exact: number | undefined;
  /** A block scalar's chomping indicator (`|-` strip, `|+` keep, `|` clip). */
  chomp?: 'strip' | 'clip' | 'keep';
}

/**
 * The parsed form of one file's rendered text with tokens still in it. Rendering a CR whose output has
 * the same skeleton (same shape, other values) re-uses it: only the holes are filled, YAML is not parsed
 * again. Built and used synchronously, so mutating its nodes per instantiation is safe.
 */
export interface OutputPlan {
  docs: { doc: Document; at: SourceLine; source: string | undefined }[];
  holes: Hole[];
  /** Mappings with a token in a key: checked for duplicate keys after filling. */
  keyedMaps: YAMLMap[];
  /** Template file and line of an offset in the rendered text. */
  locate(offset: number | undefined): SourceLine;
}

/** A block scalar's value with its final line breaks as its chomping indicator says. */
function chompBlock(value: string, chomp: Hole['chomp']): string {
  if (chomp === 'keep') return value;
  const body = value.replace(/\n+$/, '');
  return chomp === 'strip' || body === '' ? body : `${body}\n`;
}

function kindOf(v: unknown): string {
  return Array.isArray(v) ? 'a list' : 'a mapping';
}

/**
 * Parses rendered text (multi-document YAML with value tokens of `table`) into a plan. Throws
 * RenderError LZ_RENDER_YAML with `file:line` of the rendered output.
 */
export function planRenderedYaml(
  text: string,
  file: string,
  table: Pick<ValueTable, 'pattern' | 'has' | 'exactIndex'> | undefined,
  opts: { sourceComments?: boolean; lineMap?: readonly SourceLine[] } = {},
): OutputPlan {
  const lines = new LineCounter();
  let parsed: ReturnType<typeof YAML.parseAllDocuments>;
  try {
    parsed = YAML.parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    // The parser recurses per nesting level: thousands of `[[[[…` overflow the stack. Valid YAML, but no
    // Kubernetes object nests like that; say so instead of calling it invalid.
    if (isStackOverflow(e)) throw tooDeep(opts.lineMap?.[0] ?? { file });
    throw e;
  }
  const list: Document[] = Array.isArray(parsed) ? parsed : [];
  const lineAt = (offset: number | undefined): number =>
    offset === undefined ? 1 : lines.linePos(offset).line;
  const locate = (offset: number | undefined): SourceLine => {
    const line = lineAt(offset);
    return opts.lineMap?.[line - 1] ?? { file, line };
  };
  // Value tokens are internal: a message shows where a value was as {{…}}.
  const hideTokens = (t: string): string => (table ? t.replace(table.pattern, '{{…}}') : t);
  const excerpt = (line: number): string => quoteValue(hideTokens(text.split('\n')[line - 1] ?? ''), 120);
  const plan: OutputPlan = { docs: [], holes: [], keyedMaps: [], locate };
  for (const doc of list) {
    const err = doc.errors[0];
    if (err && /call stack/i.test(err.message)) throw tooDeep(locate(err.pos[0]));
    if (err) {
      const line = err.linePos?.[0].line ?? lineAt(err.pos[0]);
      const at = opts.lineMap?.[line - 1] ?? { file, line };
      const problem = hideTokens(err.message.split('\n')[0] ?? '');
      // `key: |{{value}}`: the value lands on the header line, where YAML allows none.
      const hint = /^Block scalar header includes extra characters: .*\{\{…\}\}/.test(problem)
        ? '; a value after `|` or `>` belongs on the next lines: write `|{{nindent 4 value}}` (the number: the indentation)'
        : '';
      throw new RenderError(
        'LZ_RENDER_YAML',
        `rendered output is not valid YAML: ${problem} (rendered line: ${excerpt(line)})${hint}`,
        at,
      );
    }
    // helm marks each document with "# Source: chart/templates/x.yaml"; lines in its output mean nothing.
    const comments = `${doc.commentBefore ?? ''}\n${doc.contents?.commentBefore ?? ''}`;
    const source = opts.sourceComments ? /Source: (\S+)/.exec(comments)?.[1] : undefined;
    plan.docs.push({ doc, at: locate(doc.contents?.range?.[0]), source });
    try {
      YAML.visit(doc, {
        Alias(_key, node, path) {
          // `&a [*a]`: an alias inside the node it names is a circular structure JSON cannot hold.
          const target = node.resolve(doc);
          if (target && path.includes(target)) {
            throw new RenderError(
              'LZ_RENDER_YAML',
              `the alias *${node.source} refers to a node that contains it: a circular structure, which Kubernetes objects cannot hold (write the value out instead)`,
              locate(node.range?.[0]),
            );
          }
        },
        Scalar(key, node) {
          if (!table || typeof node.value !== 'string' || !table.has(node.value)) return;
          const exact = key !== 'key' && node.type === 'PLAIN' ? table.exactIndex(node.value) : undefined;
          const header =
            node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED'
              ? /^[|>]([-+1-9]*)/.exec(text.slice(node.range?.[0] ?? 0))?.[1]
              : undefined;
          const chomp =
            header === undefined
              ? undefined
              : header.includes('-')
                ? 'strip'
                : header.includes('+')
                  ? 'keep'
                  : 'clip';
          plan.holes.push({ node, text: node.value, exact, ...(chomp ? { chomp } : {}) });
        },
        Map(_key, map) {
          if (
            table &&
            map.items.some(
              (p) => isScalar(p.key) && typeof p.key.value === 'string' && table.has(p.key.value),
            )
          ) {
            plan.keyedMaps.push(map);
          }
        },
      });
    } catch (e) {
      if (isStackOverflow(e)) throw tooDeep(locate(doc.contents?.range?.[0]));
      throw e;
    }
  }
  return plan;
}

/** The values of one render's tokens (a ValueTable's). */
export type TokenValues = Pick<ValueTable, 'values' | 'pattern'> & Partial<Pick<ValueTable, 'indented'>>;

/**
 * Fills a plan's holes with the token values and converts each document to JSON. A whole unquoted token takes
 * the value's YAML type; anything else is text. A token `indent`/`nindent` wrote at the start of a line of a
 * literal block scalar (`|`) stands for the CR text, each further line indented like the token's line, as if
 * the text had been written there. Replacement text is never scanned again, so a value that looks like a
 * token stays literal.
 */
export function instantiatePlan(plan: OutputPlan, tokens: TokenValues | undefined): ParsedDocument[] {
  const values = tokens?.values ?? [];
  const pattern = tokens?.pattern;
  const indented = tokens?.indented;
  const valueText = (v: unknown, node: Scalar): string => {
    if (typeof v === 'object' && v !== null) {
      throw new RenderError(
        'LZ_RENDER_VALUE_NOT_SCALAR',
        `{{…}} produced ${kindOf(v)}; a value in {{…}} must be a string, number or boolean (write {{toYaml …}} or {{json …}} to insert structure)`,
        plan.locate(node.range?.[0]),
      );
    }
    return String(v);
  };
  for (const h of plan.holes) {
    if (h.exact !== undefined) {
      // A whole unquoted {{x}} keeps the value's own type: a CR string stays a string even when it reads
      // like a number, boolean or null ("1.10", "0x1F", "null"); numbers and booleans stay typed.
      const v = values[h.exact];
      valueText(v, h.node);
      if (typeof v === 'number' && !Number.isFinite(v)) {
        throw new RenderError(
          'LZ_RENDER_VALUE_TYPE',
          `{{…}} produced the number ${v}, which JSON and Kubernetes objects cannot hold`,
          plan.locate(h.node.range?.[0]),
        );
      }
      h.node.value = v;
    } else if (pattern) {
      let linesIn = false;
      const filled = h.text.replace(pattern, (_m, n: string, offset: number) => {
        const raw = h.chomp ? indented?.get(Number(n)) : undefined;
        if (raw === undefined) return valueText(values[Number(n)], h.node);
        const lineStart = h.text.lastIndexOf('\n', offset - 1) + 1;
        const lead = h.text.slice(lineStart, offset);
        // Written after other text on its line: the indented text, as anywhere else.
        if (!/^[ \t]*$/.test(lead)) return valueText(values[Number(n)], h.node);
        if (h.node.type === 'BLOCK_FOLDED' && raw.includes('\n')) {
          throw new RenderError(
            'LZ_RENDER_HELPER',
            '`indent`/`nindent` cannot put a text of several lines into a folded block scalar (`>`), which would fold them into one line: use a literal block scalar (`|`)',
            plan.locate(h.node.range?.[0]),
          );
        }
        linesIn = true;
        return raw.split('\n').join(`\n${lead}`);
      });
      // Lines put into a block scalar end as if they had been written there: the header's chomping applies.
      h.node.value = linesIn ? chompBlock(filled, h.chomp) : filled;
    }
  }
  // Keys filled in from values can collide with each other or with literal keys.
  for (const map of plan.keyedMaps) {
    const seen = new Set<string>();
    for (const pair of map.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(pair.key);
      if (seen.has(k)) {
        const at = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
        throw new RenderError(
          'LZ_RENDER_DUPLICATE_KEY',
          `key ${quoteValue(k)} appears twice in the same mapping`,
          plan.locate(at),
        );
      }
      seen.add(k);
    }
  }
  const out: ParsedDocument[] = [];
  for (const { doc, at, source } of plan.docs) {
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      if (isStackOverflow(e)) throw tooDeep(at);
      const bomb = /alias count/i.test((e as Error).message);
      throw new RenderError(
        'LZ_RENDER_YAML',
        bomb
          ? `the rendered output expands YAML aliases (*name) into too many copies (a "YAML bomb"; at most ${MAX_ALIAS_COUNT} per document): write the repeated values out`
          : `rendered output cannot be converted: ${(e as Error).message}`,
        bomb ? at : { ...at, cause: e },
      );
    }
    if (value === null || value === undefined) continue;
    if (source) {
      out.push({ value, file: source, line: 0 });
      continue;
    }
    out.push({
      value,
      file: at.file,
      line: at.line,
      locate: (path) => {
        for (let n = path.length; n > 0; n--) {
          const node: unknown = doc.getIn(path.slice(0, n), true);
          const range = (node as { range?: [number, number, number] } | undefined)?.range;
          if (range) return plan.locate(range[0]);
        }
        return undefined;
      },
    });
  }
  return out;
}

/**
 * Parses the rendered text of one file as multi-document YAML and substitutes the value tokens into the
 * parsed scalars (see value-tokens.ts). Empty documents are skipped. Errors carry `file:line` of the
 * rendered output.
 */
export function parseRenderedYaml(
  text: string,
  file: string,
  table: ValueTable | undefined,
  opts: { sourceComments?: boolean } = {},
): ParsedDocument[] {
  const plan = planRenderedYaml(text, file, table, opts);
  return instantiatePlan(plan, table);
}
