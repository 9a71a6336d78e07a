import type {} from 'handlebars';
import { markContent } from './line-markers.js';
import { RenderError } from './render-error.js';

type AST = hbs.AST.Program;
type Node = hbs.AST.Node;
type Expr = hbs.AST.Expression;

/** The internal helper every `{{…}}` is routed through (see value-tokens.ts). */
export const VALUE_HELPER = '__lzValue';
/** The internal helper every raw `{{{…}}}` is routed through: its text is charged to the render's budget. */
export const RAW_HELPER = '__lzRaw';
/**
 * The internal helper for `{{indent N x}}` / `{{nindent N x}}` where the text belongs on lines of its own: at
 * the start of a line, or (nindent) right after a block scalar header. See ValueTable.emitIndented.
 */
export const INDENTED_HELPER = '__lzIndented';

/** The end of a line that opens a block scalar: `key: |`, `- >-`, `key: |2`. */
const BLOCK_HEADER_END = /(?:^|[\s:?-])[|>](?:[1-9][-+]?|[-+][1-9]?)?[ \t]*$/;
/** Only blanks since the start of the line (or of the template). */
const LINE_START = /(?:^|\n)[ \t]*$/;

function helperPath(loc: hbs.AST.SourceLocation, name = VALUE_HELPER): hbs.AST.PathExpression {
  return {
    type: 'PathExpression',
    data: false,
    depth: 0,
    parts: [name],
    original: name,
    loc,
  };
}

/** Names templates read values from (template-context.ts): `{{spec x}}` is a typo, not a helper call. */
const CONTEXT_ROOTS = new Set([
  'cr',
  'metadata',
  'spec',
  'status',
  'name',
  'namespace',
  'values',
  'resource',
]);

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

export interface RewriteContext {
  file: string;
  /** Index of this file in the set's source list, for line markers (see line-markers.ts). */
  fileIndex: number;
  /** Partials are indented by Handlebars when included on an indented line. */
  partial: boolean;
  isHelper(name: string): boolean;
  isPartial(name: string): boolean;
  /** Every helper name, for "did you mean". */
  helperNames?: readonly string[];
}

function unknownHelperMessage(name: string, ctx: RewriteContext): string {
  if (CONTEXT_ROOTS.has(name)) {
    return `\`${name}\` is a value, not a helper, but is followed by arguments: a path has no spaces or double dots (write \`{{${name}.field}}\`), and a helper comes first (\`{{quote ${name}.field}}\`)`;
  }
  let best: string | undefined;
  let bestD = Infinity;
  for (const h of ctx.helperNames ?? []) {
    const d = editDistance(name.toLowerCase(), h.toLowerCase());
    if (d < bestD) [best, bestD] = [h, d];
  }
  const hint = best && bestD <= Math.max(2, Math.floor(name.length / 3)) ? `did you mean "${best}"? ` : '';
  return `unknown helper "${name}" (${hint}see docs/templates.md for the list)`;
}

const ONE_VALUE_BLOCKS = new Set(['if', 'unless', 'with']);

function isSimplePath(p: Expr): p is hbs.AST.PathExpression {
  const path = p as hbs.AST.PathExpression;
  return (
    path.type === 'PathExpression' &&
    !path.data &&
    path.depth === 0 &&
    path.parts.length === 1 &&
    !/^this\b/.test(path.original)
  );
}

/**
 * Rewrites a parsed template so every escaped `{{expr}}` becomes `{{{__lzValue expr}}}` (helper calls
 * become a sub-expression): the value is then emitted as an opaque token and placed into the parsed
 * YAML afterwards, so it can never change the structure. Raw output (`{{{…}}}`, `{{&…}}`) is untouched.
 * Also rejects calls to unknown helpers and partials, with the template line.
 */
export function rewriteTemplate(program: AST, ctx: RewriteContext): AST {
  const checkCall = (path: Expr, hasArgs: boolean, loc: hbs.AST.SourceLocation | undefined): void => {
    if (!hasArgs || !isSimplePath(path)) return;
    if (!ctx.isHelper(path.original)) {
      throw new RenderError('LZ_RENDER_UNKNOWN_HELPER', unknownHelperMessage(path.original, ctx), {
        file: ctx.file,
        line: loc?.start.line,
      });
    }
  };
  const checkExpr = (e: Expr | undefined): void => {
    if (!e) return;
    if (e.type === 'SubExpression') {
      const s = e as hbs.AST.SubExpression;
      checkCall(s.path, true, s.loc);
      s.params.forEach(checkExpr);
      s.hash?.pairs.forEach((p) => checkExpr(p.value));
    }
  };
  // The output before the current node, as far as the template tells (its last line): where indent/nindent
  // write lines of their own. Unknown output (a value, a block, a partial) is "\u0000", which is no line start.
  let before = '';
  const wrote = (text: string): void => {
    before = (before + text).slice(-200);
  };
  /** `{{indent N x}}` at a line start or `{{nindent N x}}` there or after `|`/`>`: emitted line by line. */
  const ownLines = (m: hbs.AST.MustacheStatement): 'indent' | 'nindent' | undefined => {
    if (!m.escaped || !isSimplePath(m.path) || m.params.length !== 2 || (m.hash?.pairs.length ?? 0) > 0)
      return undefined;
    const name = m.path.original;
    if (name === 'indent' && LINE_START.test(before)) return name;
    if (name === 'nindent' && (LINE_START.test(before) || BLOCK_HEADER_END.test(before))) return name;
    return undefined;
  };
  const walk = (prog: hbs.AST.Program | undefined): void => {
    if (!prog) return;
    prog.body = prog.body.map((node: Node): Node => {
      switch (node.type) {
        case 'MustacheStatement': {
          const m = node as hbs.AST.MustacheStatement;
          const hasArgs = m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0;
          checkCall(m.path, hasArgs, m.loc);
          m.params.forEach(checkExpr);
          m.hash?.pairs.forEach((p) => checkExpr(p.value));
          const lines = ownLines(m);
          wrote('\u0000');
          if (lines) {
            const name: hbs.AST.StringLiteral = {
              type: 'StringLiteral',
              value: lines,
              original: lines,
              loc: m.loc,
            };
            return {
              ...m,
              path: helperPath(m.loc, INDENTED_HELPER),
              params: [name, ...m.params],
              hash: undefined as unknown as hbs.AST.Hash,
              escaped: false,
            } as hbs.AST.MustacheStatement;
          }
          const call = hasArgs || (isSimplePath(m.path) && ctx.isHelper(m.path.original));
          const inner: Expr = call
            ? ({
                type: 'SubExpression',
                path: m.path,
                params: m.params,
                hash: m.hash,
                loc: m.loc,
              } as hbs.AST.SubExpression)
            : m.path;
          return {
            ...m,
            path: helperPath(m.loc, m.escaped ? VALUE_HELPER : RAW_HELPER),
            params: [inner],
            hash: undefined as unknown as hbs.AST.Hash,
            escaped: false,
          } as hbs.AST.MustacheStatement;
        }
        case 'BlockStatement':
        case 'DecoratorBlock': {
          const b = node as hbs.AST.BlockStatement;
          const blockName = isSimplePath(b.path) ? b.path.original : '';
          const at = { file: ctx.file, line: b.loc?.start.line };
          if (blockName === 'each' && b.params.length === 0) {
            throw new RenderError(
              'LZ_RENDER_TEMPLATE_SYNTAX',
              '`{{#each}}` needs a list or mapping to loop over, e.g. `{{#each spec.items}}`',
              at,
            );
          }
          if (ONE_VALUE_BLOCKS.has(blockName) && b.params.length !== 1) {
            throw new RenderError(
              'LZ_RENDER_TEMPLATE_SYNTAX',
              b.params.length === 0
                ? `\`{{#${blockName}}}\` needs a value, e.g. \`{{#${blockName} spec.enabled}}\``
                : `\`{{#${blockName}}}\` takes exactly one value: combine conditions with \`(and a b)\` or \`(or a b)\``,
              at,
            );
          }
          checkCall(b.path, true, b.loc);
          b.params.forEach(checkExpr);
          b.hash?.pairs.forEach((p) => checkExpr(p.value));
          walk(b.program);
          walk(b.inverse);
          wrote('\u0000');
          return b;
        }
        case 'PartialStatement':
        case 'PartialBlockStatement': {
          const p = node as hbs.AST.PartialStatement;
          if (p.name.type === 'PathExpression' && !ctx.isPartial(p.name.original)) {
            throw new RenderError(
              'LZ_RENDER_UNKNOWN_PARTIAL',
              `unknown partial "${p.name.original}" (partials are files named _${p.name.original}.hbs or _${p.name.original}.yaml in the same folder)`,
              {
                file: ctx.file,
                line: p.loc?.start.line,
              },
            );
          }
          p.params.forEach(checkExpr);
          if (node.type === 'PartialBlockStatement') walk((node as hbs.AST.PartialBlockStatement).program);
          wrote('\u0000');
          return p;
        }
        case 'ContentStatement':
          wrote((node as hbs.AST.ContentStatement).value);
          markContent(node as hbs.AST.ContentStatement & { original?: string }, ctx.fileIndex, {
            partial: ctx.partial,
          });
          return node;
        default:
          return node;
      }
    });
  };
  walk(program);
  return program;
}
