import YAML, { isAlias, LineCounter, type Document } from 'yaml';
import { ConfigError, type ConfigErrorCode, type ConfigIssue } from './config-error.js';

/** More alias expansions than any hand-written config needs: beyond it a file is a "YAML bomb". */
export const MAX_ALIAS_COUNT = 100;

export interface ConfigYaml {
  doc: Document;
  lines: LineCounter;
  /** The document as plain data (null for an empty one). */
  value: unknown;
}

/**
 * Parses YAML text from a config source (`where`: the file, or `env NAME`) into plain data, turning every way
 * the text can be unusable into a ConfigError that names the place and the fix: syntax errors, nesting too deep
 * for the parser, an alias that refers to a node containing it (a circular structure, which no config value
 * can be), and alias expansions beyond MAX_ALIAS_COUNT (a "YAML bomb").
 */
export function readConfigYaml(
  text: string,
  source: { file?: string; env?: string },
  code: ConfigErrorCode = 'LZ_CONFIG_YAML',
): ConfigYaml {
  const lines = new LineCounter();
  const at = (offset: number | undefined): string | undefined =>
    source.env
      ? `env ${source.env}`
      : source.file
        ? `${source.file}:${offset === undefined ? 1 : lines.linePos(offset).line}`
        : undefined;
  const issue = (message: string, offset?: number): ConfigIssue => ({
    path: source.env === 'LOSTROMOS_RESOURCES' ? 'resources' : '',
    message,
    where: at(offset),
  });
  const fail = (issues: ConfigIssue[]): never => {
    throw new ConfigError(code, issues);
  };
  let doc: Document;
  try {
    doc = YAML.parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    // The parser itself can run out of stack on absurd nesting.
    return fail([issue(tooDeepOr(err))]);
  }
  if (doc.errors.length > 0) {
    const seen = new Set<string>();
    const issues: ConfigIssue[] = [];
    for (const e of doc.errors) {
      const i = issue(tooDeepOr(e), e.pos?.[0]);
      const key = `${i.message}@${i.where ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push(i);
    }
    fail(issues);
  }
  // An alias inside the node it names (`values: &v { self: *v }`) would give a circular structure: every later
  // reader (schema, JSON, templates) would loop or fail far from the cause.
  let circular: ConfigIssue | undefined;
  try {
    YAML.visit(doc, {
      Alias(_key, node, path) {
        const target = node.resolve(doc);
        if (target && (path as readonly unknown[]).includes(target)) {
          circular = issue(
            `the alias *${node.source} refers to a node that contains it (a circular structure, which no config value can be): write the value out instead`,
            node.range?.[0],
          );
          return YAML.visit.BREAK;
        }
        return undefined;
      },
    });
  } catch (err) {
    fail([issue(tooDeepOr(err))]);
  }
  if (circular) fail([circular]);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
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
      fail([
        issue(
          `the YAML aliases (*name) expand into too many copies (a "YAML bomb"; at most ${MAX_ALIAS_COUNT}): write the repeated values out or use fewer aliases`,
          first,
        ),
      ]);
    }
    fail([issue(tooDeepOr(err))]);
  }
  return { doc, lines, value };
}

/** The message for a YAML error, in words when the cause is nesting too deep for the parser's stack. */
function tooDeepOr(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/call stack/i.test(msg)) {
    return 'nests mappings or lists too deeply to read (hundreds of levels): a config is only a few levels deep, so look for a generated or pasted value';
  }
  return `not valid YAML: ${msg.split('\n')[0]}`;
}
