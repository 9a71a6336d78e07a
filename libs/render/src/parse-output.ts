import YAML, { isScalar, LineCounter, type Document, type Scalar } from 'yaml';
import { RenderError } from './render-error.js';
import { plainScalarValue, type ValueTable } from './value-tokens.js';

/** One YAML document of rendered output, as JSON, with where it started. */
export interface ParsedDocument {
  value: unknown;
  file: string;
  line: number;
}

function kindOf(v: unknown): string {
  return Array.isArray(v) ? 'a list' : 'a mapping';
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
  const lines = new LineCounter();
  const docs = YAML.parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const list: Document[] = Array.isArray(docs) ? docs : [];
  const lineAt = (offset: number | undefined): number =>
    offset === undefined ? 1 : lines.linePos(offset).line;
  const excerpt = (line: number): string => {
    const raw = text.split('\n')[line - 1] ?? '';
    const shown = table ? raw.replace(table.pattern, '{{…}}') : raw;
    return shown.length > 120 ? `${shown.slice(0, 120)}…` : shown;
  };
  const out: ParsedDocument[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0].line ?? lineAt(err.pos[0]);
      throw new RenderError(
        'LZ_RENDER_YAML',
        `rendered output is not valid YAML: ${err.message.split('\n')[0]} (rendered line: ${JSON.stringify(excerpt(line))})`,
        {
          file,
          line,
        },
      );
    }
    if (table) substituteTokens(doc, table, file, lineAt);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 50 });
    } catch (e) {
      throw new RenderError(
        'LZ_RENDER_YAML',
        `rendered output cannot be converted: ${(e as Error).message}`,
        {
          file,
          line: lineAt(doc.contents?.range?.[0]),
          cause: e,
        },
      );
    }
    if (value === null || value === undefined) continue;
    // helm marks each document with "# Source: chart/templates/x.yaml"; lines in its output mean nothing.
    const comments = `${doc.commentBefore ?? ''}\n${doc.contents?.commentBefore ?? ''}`;
    const source = opts.sourceComments ? /Source: (\S+)/.exec(comments)?.[1] : undefined;
    out.push(
      source ? { value, file: source, line: 0 } : { value, file, line: lineAt(doc.contents?.range?.[0]) },
    );
  }
  return out;
}

function substituteTokens(
  doc: Document,
  table: ValueTable,
  file: string,
  lineAt: (o: number | undefined) => number,
): void {
  const valueText = (v: unknown, node: Scalar): string => {
    if (typeof v === 'object' && v !== null) {
      throw new RenderError(
        'LZ_RENDER_VALUE_NOT_SCALAR',
        `{{…}} produced ${kindOf(v)}; a value in {{…}} must be a string, number or boolean (write {{toYaml …}} or {{json …}} to insert structure)`,
        { file, line: lineAt(node.range?.[0]) },
      );
    }
    return String(v);
  };
  YAML.visit(doc, {
    Scalar(key, node) {
      if (typeof node.value !== 'string' || !table.has(node.value)) return;
      const text = node.value;
      const idx = table.exactIndex(text);
      if (idx !== undefined && key !== 'key' && node.type === 'PLAIN') {
        const v = table.values[idx];
        valueText(v, node);
        node.value = plainScalarValue(v as string | number | boolean);
        return;
      }
      // Inside a larger scalar, a quoted or block scalar, or a key: always a string. The replacement text
      // is never scanned again, so a value that looks like a token stays literal.
      node.value = text.replace(table.pattern, (_m, n: string) => valueText(table.values[Number(n)], node));
    },
  });
  // Keys filled in from values can collide with each other or with literal keys.
  YAML.visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(pair.key);
        if (seen.has(k)) {
          const at = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
          throw new RenderError(
            'LZ_RENDER_DUPLICATE_KEY',
            `key ${JSON.stringify(k)} appears twice in the same mapping`,
            {
              file,
              line: lineAt(at),
            },
          );
        }
        seen.add(k);
      }
    },
  });
}
