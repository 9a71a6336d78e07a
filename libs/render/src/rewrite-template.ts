import type {} from 'handlebars';
import { markContent } from './line-markers.js';
import { RenderError } from './render-error.js';

type AST = hbs.AST.Program;
type Node = hbs.AST.Node;
type Expr = hbs.AST.Expression;

/** The internal helper every `{{…}}` is routed through (see value-tokens.ts). */
export const VALUE_HELPER = '__lzValue';

function helperPath(loc: hbs.AST.SourceLocation): hbs.AST.PathExpression {
  return {
    type: 'PathExpression',
    data: false,
    depth: 0,
    parts: [VALUE_HELPER],
    original: VALUE_HELPER,
    loc,
  };
}

export interface RewriteContext {
  file: string;
  /** Index of this file in the set's source list, for line markers (see line-markers.ts). */
  fileIndex: number;
  /** Partials are indented by Handlebars when included on an indented line. */
  partial: boolean;
  isHelper(name: string): boolean;
  isPartial(name: string): boolean;
}

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
      throw new RenderError(
        'LZ_RENDER_UNKNOWN_HELPER',
        `unknown helper "${path.original}" (see docs/templates.md for the list)`,
        {
          file: ctx.file,
          line: loc?.start.line,
        },
      );
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
          if (!m.escaped) return m;
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
            path: helperPath(m.loc),
            params: [inner],
            hash: undefined as unknown as hbs.AST.Hash,
            escaped: false,
          } as hbs.AST.MustacheStatement;
        }
        case 'BlockStatement':
        case 'DecoratorBlock': {
          const b = node as hbs.AST.BlockStatement;
          checkCall(b.path, true, b.loc);
          b.params.forEach(checkExpr);
          b.hash?.pairs.forEach((p) => checkExpr(p.value));
          walk(b.program);
          walk(b.inverse);
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
          return p;
        }
        case 'ContentStatement':
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
