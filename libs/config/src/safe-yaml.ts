import YAML, { isAlias, type Document, type LineCounter } from 'yaml';

/** More alias expansions than any hand-written file needs: beyond it a file is a "YAML bomb". */
export const MAX_ALIAS_COUNT = 100;

/** Why YAML text a user gave cannot be used, in words, and where (an offset in the text) when known. */
export interface YamlProblem {
  message: string;
  offset?: number;
}

/**
 * Parses YAML text a user gave (a config file, a CR file, a values file): its documents, or the problems that
 * make it unreadable — syntax errors (one per distinct message) and nesting too deep for the parser. `all`: the
 * text may hold several documents (`---`); otherwise a second document is a syntax error.
 */
export function parseUserYaml(
  text: string,
  opts: { lineCounter?: LineCounter; all?: boolean } = {},
): { docs: Document[]; problems: YamlProblem[] } {
  const options = { lineCounter: opts.lineCounter, prettyErrors: false, uniqueKeys: true };
  let docs: Document[];
  try {
    if (opts.all) {
      const parsed = YAML.parseAllDocuments(text, options);
      docs = Array.isArray(parsed) ? parsed : [];
    } else {
      docs = [YAML.parseDocument(text, options)];
    }
  } catch (err) {
    // The parser itself can run out of stack on absurd nesting.
    return { docs: [], problems: [{ message: tooDeepOr(err) }] };
  }
  const seen = new Set<string>();
  const problems: YamlProblem[] = [];
  for (const doc of docs) {
    for (const e of doc.errors) {
      const p = { message: tooDeepOr(e), offset: e.pos?.[0] };
      const key = `${p.message}@${p.offset ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      problems.push(p);
    }
  }
  return { docs, problems };
}

/**
 * A parsed document as plain data (null for an empty one), or why it cannot be: an alias that refers to a node
 * containing it (a circular structure, which no value can be), alias expansions beyond MAX_ALIAS_COUNT (a "YAML
 * bomb"), nesting too deep to walk.
 */
export function userYamlValue(doc: Document): { value: unknown } | { problem: YamlProblem } {
  // An alias inside the node it names (`values: &v { self: *v }`) would give a circular structure: every later
  // reader (schema, JSON, templates) would loop or fail far from the cause.
  let circular: YamlProblem | undefined;
  try {
    YAML.visit(doc, {
      Alias(_key, node, path) {
        const target = node.resolve(doc);
        if (target && (path as readonly unknown[]).includes(target)) {
          circular = {
            message: `the alias *${node.source} refers to a node that contains it (a circular structure, which no value can be): write the value out instead`,
            offset: node.range?.[0],
          };
          return YAML.visit.BREAK;
        }
        return undefined;
      },
    });
  } catch (err) {
    return { problem: { message: tooDeepOr(err) } };
  }
  if (circular) return { problem: circular };
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (err) {
    if (!(err instanceof ReferenceError && /alias/i.test(err.message)))
      return { problem: { message: tooDeepOr(err) } };
    let first: number | undefined;
    YAML.visit(doc, {
      Node(_key, node) {
        if (isAlias(node)) {
          first = node.range?.[0];
          return YAML.visit.BREAK;
        }
        return undefined;
      },
    });
    return {
      problem: {
        message: `the YAML aliases (*name) expand into too many copies (a "YAML bomb"; at most ${MAX_ALIAS_COUNT}): write the repeated values out or use fewer aliases`,
        offset: first,
      },
    };
  }
}

/** The message for a YAML error, in words when the cause is nesting too deep for the parser's stack. */
function tooDeepOr(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/call stack/i.test(msg)) {
    return 'nests mappings or lists too deeply to read (hundreds of levels): a hand-written file is only a few levels deep, so look for a generated or pasted value';
  }
  return `not valid YAML: ${msg.split('\n')[0]}`;
}
