import type { Dirent } from 'node:fs';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import { BUILTIN_HELPERS, HELPER_NAMES, registerHelpers } from './helpers.js';
import { RenderError } from './render-error.js';
import { rewriteTemplate, VALUE_HELPER } from './rewrite-template.js';
import type { OutputPlan } from './parse-output.js';
import type { ValueTable } from './value-tokens.js';
import { randomBytes } from 'node:crypto';

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
}

const TEMPLATE_EXT = /\.(ya?ml|hbs)$/;
/** A template folder larger than this is almost certainly a mistake (e.g. pointing at a repo root). */
const MAX_FILES = 200;
const MAX_FILE_BYTES = 1024 * 1024;

function syntaxError(err: unknown, display: string): RenderError {
  const msg = err instanceof Error ? err.message : String(err);
  const line = /on line (\d+)/.exec(msg)?.[1];
  // Handlebars: "Parse error on line N:\n<excerpt>\n----^\nExpecting …": keep it on one line.
  const lines = msg.split('\n').filter(Boolean);
  const text =
    lines.length >= 4 && /^-*\^$/.test(lines[2]!)
      ? `${lines[0]} ${lines.slice(3).join(' ')} (near ${JSON.stringify(lines[1]!.trim())})`
      : lines.join(' ');
  return new RenderError('LZ_RENDER_TEMPLATE_SYNTAX', `invalid Handlebars: ${text}`, {
    file: display,
    line: line ? Number(line) : undefined,
    cause: err,
  });
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
  hb.registerHelper(VALUE_HELPER, (value: unknown, options: { data?: { lz?: ValueTable } }) => {
    const table = options.data?.lz;
    if (!table) throw new Error('internal: rendered without a value table');
    return table.emit(value);
  });
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
  });
  const compileOpts: CompileOptions = {
    knownHelpers: { [VALUE_HELPER]: true },
    noEscape: false,
    strict: false,
  };

  const compileOne = (name: string, text: string): HandlebarsTemplateDelegate => {
    const display = `${base}/${name}`;
    let ast: hbs.AST.Program;
    try {
      ast = hb.parse(text, { srcName: display });
    } catch (err) {
      throw syntaxError(err, display);
    }
    const rewritten = rewriteTemplate(ast, ctxFor(display));
    try {
      // hb.compile is lazy; precompiling surfaces compiler errors now instead of on the first CR.
      hb.precompile(rewritten, compileOpts);
      return hb.compile(rewritten, compileOpts);
    } catch (err) {
      throw syntaxError(err, display);
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
  };
}
