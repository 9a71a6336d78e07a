import type { Dirent } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import { BUILTIN_HELPERS, HELPER_NAMES, HelperError, indentParts, registerHelpers } from './helpers.js';
import type { OutputPlan } from './parse-output.js';
import { placeOf, type TemplateLoc } from './render-budget.js';
import { isRenderError, RenderError } from './render-error.js';
import { quoteValue } from './quote-text.js';
import { INDENTED_HELPER, RAW_HELPER, rewriteTemplate, VALUE_HELPER } from './rewrite-template.js';
import { describeParserMessage, findSyntaxProblem } from './syntax-errors.js';
import type { ValueTable } from './value-tokens.js';

export interface TemplateFile {
  /** File name inside the folder, e.g. deployment.yaml. */
  name: string;
  /** Path as shown in errors: `<folder name>/<file>` relative to the folder's parent. */
  display: string;
  render: (context: unknown, table: ValueTable) => string;
  /** Parsed output per distinct rendered text (LRU by Map order); see parse-output.ts. */
  plans: Map<string, OutputPlan>;
}

/** A compiled template folder: build once with loadTemplateSet, render many times. */
export interface TemplateSet {
  readonly dir: string;
  /** Rendered files, in name order. */
  readonly files: readonly TemplateFile[];
  /** Partial names (file `_labels.hbs` → `{{> labels}}`). */
  readonly partials: readonly string[];
  /** sha256 of every file name and content: changes whenever the templates do. */
  readonly revision: string;
  /** Display names of the set's files (templates and partials), indexed by the line markers. */
  readonly sources: readonly string[];
  /** Secret per compiled set: value tokens are `lzv<nonce>x<n>z`, unguessable by template output. */
  readonly nonce: string;
  /** The text of every file (templates and partials) by name, in read order: what a revision snapshot stores. */
  readonly texts: ReadonlyMap<string, string>;
}

const TEMPLATE_EXT = /\.(ya?ml|hbs)$/;
/** A template folder larger than this is almost certainly a mistake (e.g. pointing at a repo root). */
const MAX_FILES = 200;
const MAX_FILE_BYTES = 1024 * 1024;

function syntaxError(err: unknown, display: string, source: string): RenderError {
  const msg = err instanceof Error ? err.message : String(err);
  // Raw blocks ({{{{raw}}}}) are beyond the simple reader in syntax-errors.ts: use the parser's words.
  const found = source.includes('{{{{') ? undefined : findSyntaxProblem(source);
  const problem = found ?? describeParserMessage(msg);
  let text = problem.message;
  if (!found && problem.line !== undefined) {
    const near = (source.split('\n')[problem.line - 1] ?? '').trim();
    if (near) text += ` (line: ${quoteValue(near, 80)})`;
  }
  // The parser's dump and stack add nothing to the message: no cause.
  return new RenderError('LZ_RENDER_TEMPLATE_SYNTAX', text, { file: display, line: problem.line });
}

type HelperOptions = {
  fn?: (context: unknown, opts?: unknown) => string;
  data?: { lz?: ValueTable };
  loc?: TemplateLoc;
};

/**
 * `{{#each}}` charged to the render's budget: every iteration, and the text each iteration produces, so a
 * CR with a huge list stops at LIMITS instead of building hundreds of MB first.
 */
function boundLoops(hb: typeof Handlebars): void {
  const each = hb.helpers.each as (this: unknown, context: unknown, options: HelperOptions) => unknown;
  hb.registerHelper('each', function (this: unknown, context: unknown, options: HelperOptions) {
    const budget = options?.data?.lz?.budget;
    const fn = options?.fn;
    if (!budget || !fn) return each.call(this, context, options);
    const counted = (ctx: unknown, opts?: unknown): string => {
      budget.spendIteration(options.loc);
      const out = fn(ctx, opts);
      budget.spendLoopText(out.length, options.loc);
      return out;
    };
    return each.call(this, context, { ...options, fn: counted });
  });
}

// Handlebars' own helper errors, in the template author's words.
const BUILTIN_MESSAGES: [RegExp, (helper: string) => string][] = [
  [
    /^Must pass iterator to #each/,
    () => '`{{#each}}` needs a list or mapping to loop over, e.g. `{{#each spec.items}}`',
  ],
  [
    /^#(if|unless|with) requires exactly one argument/,
    (h) => `\`{{#${h}}}\` takes exactly one value: combine conditions with \`(and a b)\` or \`(or a b)\``,
  ],
];

/**
 * Every helper failure becomes a RenderError LZ_RENDER_HELPER with the template file and line of the call
 * (Handlebars passes `options.loc` to helpers), so `required`, `b64dec` or `{{#each}}` without a list name
 * their line, as docs/templates.md promises. Errors that already are RenderErrors (a nested call, a budget)
 * pass through unchanged.
 */
function locateHelperErrors(hb: typeof Handlebars): void {
  for (const [name, helper] of Object.entries(hb.helpers)) {
    if (name === 'helperMissing' || name === 'blockHelperMissing') continue;
    const fn = helper as (this: unknown, ...args: unknown[]) => unknown;
    hb.helpers[name] = function (this: unknown) {
      try {
        // `arguments`, not rest parameters: this runs for every {{…}}, and V8 passes it on without a copy.
        // eslint-disable-next-line prefer-rest-params
        return fn.apply(this, arguments as unknown as unknown[]);
      } catch (err) {
        if (isRenderError(err)) throw err;
        // eslint-disable-next-line prefer-rest-params
        const options = arguments[arguments.length - 1] as HelperOptions | undefined;
        const raw = err instanceof Error ? err.message : String(err);
        const rule = BUILTIN_MESSAGES.find(([re]) => re.test(raw));
        const helperName = /^#(\w+)/.exec(raw)?.[1] ?? name;
        const message = rule ? rule[1](helperName) : raw;
        // A HelperError or Handlebars' own: the message says it all. Anything else may be a bug: keep it.
        const known = err instanceof HelperError || (err instanceof Error && err.name === 'Error' && !!rule);
        throw new RenderError('LZ_RENDER_HELPER', message, {
          ...placeOf(options?.loc),
          ...(known ? {} : { cause: err }),
        });
      }
    };
  }
}

/**
 * Reads and compiles every `*.yaml|*.yml|*.hbs` file of `dir` (not sub-folders): `_name.*` files become
 * partials, the others render in name order. Throws RenderError with `file:line` for syntax errors,
 * unknown helpers and unknown partials, so a broken template set is caught at load time.
 */
export async function loadTemplateSet(dir: string): Promise<TemplateSet> {
  const abs = path.resolve(dir);
  let entries: Dirent[];
  try {
    entries = await fs.readdir(abs, { withFileTypes: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such folder' : e.code === 'ENOTDIR' ? 'not a folder' : e.message;
    throw new RenderError('LZ_RENDER_TEMPLATE_DIR', `cannot read template folder ${abs}: ${why}`, {
      cause: err,
    });
  }
  const names = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && TEMPLATE_EXT.test(e.name) && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  if (names.length > MAX_FILES) {
    throw new RenderError(
      'LZ_RENDER_TEMPLATE_DIR',
      `${abs} has ${names.length} template files (limit ${MAX_FILES}): is it the right folder?`,
    );
  }
  const base = path.basename(abs);
  const sources = new Map<string, string>();
  const hash = createHash('sha256');
  for (const name of names) {
    const file = path.join(abs, name);
    let text: string;
    try {
      const st = await fs.stat(file);
      if (st.size > MAX_FILE_BYTES) {
        throw new RenderError('LZ_RENDER_TOO_LARGE', `${st.size} bytes (limit ${MAX_FILE_BYTES})`, {
          file: `${base}/${name}`,
        });
      }
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if (err instanceof RenderError) throw err;
      throw new RenderError('LZ_RENDER_TEMPLATE_DIR', `cannot read ${file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    sources.set(name, text);
    hash.update(name).update('\0').update(text).update('\0');
  }
  return compileTemplateSet(abs, sources, hash.digest('hex'));
}

/** Compiles in-memory sources (file name → text); exported for tests and loadTemplateSet. */
export function compileTemplateSet(
  dir: string,
  sources: ReadonlyMap<string, string>,
  revision?: string,
): TemplateSet {
  const base = path.basename(dir);
  const hb = Handlebars.create();
  registerHelpers(hb);
  hb.registerHelper(
    VALUE_HELPER,
    (value: unknown, options: { data?: { lz?: ValueTable }; loc?: TemplateLoc }) => {
      const table = options.data?.lz;
      if (!table) throw new Error('internal: rendered without a value table');
      return table.emit(value, options.loc);
    },
  );
  hb.registerHelper(
    RAW_HELPER,
    (value: unknown, options: { data?: { lz?: ValueTable }; loc?: TemplateLoc }) => {
      if (value === null || value === undefined) return '';
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- what Handlebars prints for {{{x}}}
      const text = String(value);
      options.data?.lz?.budget?.spendRawText(text.length, options.loc);
      return text;
    },
  );
  hb.registerHelper(
    INDENTED_HELPER,
    (
      name: 'indent' | 'nindent',
      n: unknown,
      value: unknown,
      options: { data?: { lz?: ValueTable }; loc?: TemplateLoc },
    ) => {
      const table = options.data?.lz;
      if (!table) throw new Error('internal: rendered without a value table');
      const parts = indentParts(name, n, value);
      if ('raw' in parts) {
        table.budget?.spendRawText(parts.raw.length, options.loc);
        return parts.raw;
      }
      return table.emitIndented(parts.text, parts.n, parts.newline, options.loc);
    },
  );
  boundLoops(hb);
  locateHelperErrors(hb);
  const helpers = new Set<string>([...HELPER_NAMES, ...BUILTIN_HELPERS]);
  const partialNames = new Map<string, string>();
  for (const name of sources.keys()) {
    if (!name.startsWith('_')) continue;
    const partial = name.slice(1).replace(TEMPLATE_EXT, '');
    const other = partialNames.get(partial);
    if (other !== undefined) {
      throw new RenderError(
        'LZ_RENDER_TEMPLATE_DIR',
        `${base}/${name} and ${base}/${other} both define the partial "${partial}": rename one`,
      );
    }
    partialNames.set(partial, name);
  }
  const sourceNames = [...sources.keys()].map((n) => `${base}/${n}`);
  const ctxFor = (display: string): Parameters<typeof rewriteTemplate>[1] => ({
    file: display,
    fileIndex: sourceNames.indexOf(display),
    partial: path.basename(display).startsWith('_'),
    isHelper: (n) => helpers.has(n),
    isPartial: (n) => partialNames.has(n),
    helperNames: [...helpers],
  });
  const compileOpts: CompileOptions = {
    knownHelpers: { [VALUE_HELPER]: true, [RAW_HELPER]: true, [INDENTED_HELPER]: true },
    noEscape: false,
    strict: false,
  };

  const compileOne = (name: string, text: string): HandlebarsTemplateDelegate => {
    const display = `${base}/${name}`;
    let ast: hbs.AST.Program;
    try {
      ast = hb.parse(text, { srcName: display });
    } catch (err) {
      throw syntaxError(err, display, text);
    }
    const rewritten = rewriteTemplate(ast, ctxFor(display));
    try {
      // hb.compile is lazy; precompiling surfaces compiler errors now instead of on the first CR.
      hb.precompile(rewritten, compileOpts);
      return hb.compile(rewritten, compileOpts);
    } catch (err) {
      if (isRenderError(err)) throw err;
      throw syntaxError(err, display, text);
    }
  };

  const files: TemplateFile[] = [];
  for (const [name, text] of sources) {
    const fn = compileOne(name, text);
    if (name.startsWith('_')) {
      hb.registerPartial(name.slice(1).replace(TEMPLATE_EXT, ''), fn);
      continue;
    }
    files.push({
      name,
      display: `${base}/${name}`,
      render: (context, table) => fn(context, { data: { lz: table } }),
      plans: new Map(),
    });
  }
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rev =
    revision ??
    createHash('sha256')
      .update([...sources].map(([n, t]) => `${n}\0${t}`).join('\0'))
      .digest('hex');
  if (files.length === 0) {
    throw new RenderError(
      'LZ_RENDER_TEMPLATE_DIR',
      `${dir} has no templates (*.yaml, *.yml or *.hbs files not starting with "_")`,
    );
  }
  return {
    dir,
    files,
    partials: [...partialNames.keys()].sort(),
    revision: rev,
    sources: sourceNames,
    nonce: randomBytes(12).toString('hex'),
    texts: sources,
  };
}
