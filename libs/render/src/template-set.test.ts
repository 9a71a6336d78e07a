import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from './kube-object.js';
import { RenderError } from './render-error.js';
import { renderTemplateSet } from './render-template-set.js';
import { compileTemplateSet, loadTemplateSet } from './template-set.js';

const CR: KubeObject = {
  apiVersion: 'x.io/v1',
  kind: 'X',
  metadata: { name: 'demo', namespace: 'ns' },
  spec: { n: 2 },
};
const CM = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

function errorOf(fn: () => unknown): RenderError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RenderError) return err;
    throw err;
  }
  throw new Error('expected a RenderError');
}

function renderSources(files: Record<string, string>): KubeObject[] {
  return renderTemplateSet(compileTemplateSet('/t/set', new Map(Object.entries(files))), {
    cr: CR,
    values: {},
  });
}

function tmpDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-tpl-'));
  for (const [n, t] of Object.entries(files)) fs.writeFileSync(path.join(dir, n), t);
  return dir;
}

describe('loadTemplateSet', () => {
  it('renders *.yaml|*.yml|*.hbs in name order, uses _files as partials and ignores the rest', async () => {
    const dir = tmpDir({
      'b.yml': CM('b'),
      'a.hbs': CM('a-{{> suffix}}'),
      'c.yaml': CM('c'),
      '_suffix.hbs': '{{name}}',
      'README.md': 'not a template',
      'notes.txt': '{{broken',
    });
    fs.mkdirSync(path.join(dir, 'examples'));
    fs.writeFileSync(path.join(dir, 'examples', 'cr.yaml'), 'kind: X');
    const set = await loadTemplateSet(dir);
    expect(set.files.map((f) => f.name)).toEqual(['a.hbs', 'b.yml', 'c.yaml']);
    expect(set.partials).toEqual(['suffix']);
    expect(renderTemplateSet(set, { cr: CR, values: {} }).map((o) => o.metadata.name)).toEqual([
      'a-demo',
      'b',
      'c',
    ]);
  });

  it('rejects two files defining the same partial', () => {
    expect(() =>
      compileTemplateSet(
        '/t/set',
        new Map([
          ['_a.hbs', 'x'],
          ['_a.yaml', 'y'],
          ['t.yaml', CM('a')],
        ]),
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'LZ_RENDER_TEMPLATE_DIR',
        message: expect.stringContaining('both define the partial "a"') as unknown,
      }),
    );
  });

  it('has a revision that changes exactly when a file changes', async () => {
    const dir = tmpDir({ 'a.yaml': CM('a') });
    const r1 = (await loadTemplateSet(dir)).revision;
    expect((await loadTemplateSet(dir)).revision).toBe(r1);
    fs.writeFileSync(path.join(dir, 'a.yaml'), CM('b'));
    expect((await loadTemplateSet(dir)).revision).not.toBe(r1);
  });

  it('rejects a missing folder, a file instead of a folder and a folder without templates', async () => {
    await expect(loadTemplateSet('/nonexistent/x')).rejects.toMatchObject({
      code: 'LZ_RENDER_TEMPLATE_DIR',
      message: expect.stringContaining('no such folder') as unknown,
    });
    const dir = tmpDir({ 'a.yaml': CM('a'), '_only.hbs': 'x' });
    await expect(loadTemplateSet(path.join(dir, 'a.yaml'))).rejects.toMatchObject({
      code: 'LZ_RENDER_TEMPLATE_DIR',
    });
    await expect(loadTemplateSet(tmpDir({ '_p.hbs': 'x', 'README.md': '' }))).rejects.toMatchObject({
      code: 'LZ_RENDER_TEMPLATE_DIR',
      message: expect.stringContaining('has no templates') as unknown,
    });
  });
});

describe('partials', () => {
  it('keep YAML indentation when nested, indented and inline (an inline partial without a final newline)', () => {
    const objs = renderSources({
      '_inner.hbs': 'deep: {{name}}\nother: x\n',
      '_outer.hbs': 'team: a\nnested:\n  {{> inner}}\n',
      '_val.hbs': '{{spec.n}}',
      'a.yaml': `${CM('a')}data:\n  n: "{{> val}}"\n  m: {{> val}}\nspec:\n  meta:\n    {{> outer}}\n  list:\n    - {{> val}}\n    - x\n`,
    });
    expect(objs).toHaveLength(1);
    expect(objs[0]).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a' },
      data: { n: '2', m: 2 },
      spec: { meta: { team: 'a', nested: { deep: 'demo', other: 'x' } }, list: [2, 'x'] },
    });
  });
});

describe('compile errors carry file:line', () => {
  it('Handlebars syntax errors', () => {
    const err = errorOf(() =>
      compileTemplateSet('/t/set', new Map([['dep.yaml', `${CM('a')}data:\n  x: {{#if spec.n}}\n`]])),
    );
    expect(err.code).toBe('LZ_RENDER_TEMPLATE_SYNTAX');
    expect(err.file).toBe('set/dep.yaml');
    // The line of the {{#if}}, not the end of the file where the parser noticed.
    expect(err.message).toBe(
      'set/dep.yaml:6: `{{#if spec.n}}` is never closed: add `{{/if}}` where the block should end',
    );
  });

  // Issue 12 item 8: a typo gave a parser dump ("Expecting 'OPEN_INVERSE_CHAIN', 'INVERSE', … got 'EOF'").
  it.each([
    [
      '{{#if spec.n}}\nb: 2\n{{/each}}\n',
      8,
      '`{{/each}}` closes `{{#if spec.n}}` (line 6): write `{{/if}}` here',
    ],
    ['b: 1\n{{/if}}\n', 7, '`{{/if}}` closes a block that was never opened: remove it, or add `{{#if …}}`'],
    ['b: 1\n{{else}}\n', 7, '`{{else}}` is outside a block'],
    ['b: {{spec.n\nc: 2\n', 6, '`{{spec.n` is not closed: add `}}` after the expression'],
    ['b: {{spec.n}\nc: 2\n', 6, '`{{spec.n}` is not closed: add `}}`'],
    [
      'b: {{{spec.n}}\n',
      6,
      '`{{{spec.n}}` opens with three braces but closes with two: write `{{{spec.n}}}` (raw text) or `{{spec.n}}`',
    ],
    ['b: {{quote "abc}}\n', 6, '`{{quote "abc}}` has a string that is never closed: add the missing "'],
    ['b: {{! note\n', 6, 'the comment `{{!` is never closed: end it with `}}`'],
    [
      '{{#each}}\nx: 1\n{{/each}}\n',
      6,
      '`{{#each}}` needs a list or mapping to loop over, e.g. `{{#each spec.items}}`',
    ],
    [
      '{{#if spec.a spec.b}}\nx: 1\n{{/if}}\n',
      6,
      '`{{#if}}` takes exactly one value: combine conditions with `(and a b)`',
    ],
    ['{{#with}}\nx: 1\n{{/with}}\n', 6, '`{{#with}}` needs a value'],
  ])('says what is wrong, where, and the fix: %j', (body, line, message) => {
    const err = errorOf(() =>
      compileTemplateSet('/t/set', new Map([['cm.yaml', `${CM('a')}data:\n${body}`]])),
    );
    expect(err.code).toBe('LZ_RENDER_TEMPLATE_SYNTAX');
    expect(err.line).toBe(line);
    expect(err.message).toContain(`set/cm.yaml:${line}: ${message}`);
    expect(err.message).not.toMatch(/Expecting|OPEN_|CLOSE|EOF|Parse error/);
    expect(err.message).not.toContain('\n');
    // One line in logs too: no stack through Handlebars' internals, no parser dump as the cause.
    expect(err.stack).toBe(`RenderError [LZ_RENDER_TEMPLATE_SYNTAX]: ${err.message}`);
    expect(err.cause).toBeUndefined();
  });

  it('other parser errors in words, with the line quoted', () => {
    const err = errorOf(() =>
      compileTemplateSet('/t/set', new Map([['cm.yaml', `${CM('a')}data:\n  b: {{spec.n =}}\n`]])),
    );
    expect(err).toMatchObject({ code: 'LZ_RENDER_TEMPLATE_SYNTAX', line: 6 });
    expect(err.message).toMatch(
      /^set\/cm\.yaml:6: Handlebars cannot read this: found .* \(line: "b: \{\{spec\.n =\}\}"\)$/,
    );
  });

  it('unknown helpers, also inside blocks and sub-expressions', () => {
    expect(
      errorOf(() =>
        compileTemplateSet('/t/set', new Map([['a.yaml', `${CM('a')}data:\n  x: {{frobnicate spec.n}}\n`]])),
      ),
    ).toMatchObject({
      code: 'LZ_RENDER_UNKNOWN_HELPER',
      message: 'set/a.yaml:6: unknown helper "frobnicate" (see docs/templates.md for the list)',
    });
    expect(
      errorOf(() =>
        compileTemplateSet('/t/set', new Map([['a.yaml', `${CM('a')}data:\n  x: {{defualt "a" spec.n}}\n`]])),
      ),
    ).toMatchObject({
      message:
        'set/a.yaml:6: unknown helper "defualt" (did you mean "default"? see docs/templates.md for the list)',
    });
    expect(
      errorOf(() =>
        compileTemplateSet('/t/set', new Map([['a.yaml', `${CM('a')}data:\n  x: {{spec ..n}}\n`]])),
      ),
    ).toMatchObject({
      line: 6,
      message: expect.stringContaining('`spec` is a value, not a helper') as unknown,
    });
    expect(
      errorOf(() =>
        compileTemplateSet('/t/set', new Map([['a.yaml', `${CM('a')}{{#if (nope 1)}}\n{{/if}}\n`]])),
      ),
    ).toMatchObject({
      code: 'LZ_RENDER_UNKNOWN_HELPER',
      line: 5,
    });
    expect(
      errorOf(() =>
        compileTemplateSet('/t/set', new Map([['a.yaml', `${CM('a')}{{#loop spec}}\n{{/loop}}\n`]])),
      ),
    ).toMatchObject({
      code: 'LZ_RENDER_UNKNOWN_HELPER',
    });
  });

  it('unknown partials', () => {
    expect(
      errorOf(() => compileTemplateSet('/t/set', new Map([['a.yaml', `${CM('a')}  {{> labels}}\n`]]))),
    ).toMatchObject({
      code: 'LZ_RENDER_UNKNOWN_PARTIAL',
      line: 5,
    });
  });
});

describe('output parsing and validation', () => {
  it('parses several documents per file and skips empty ones', () => {
    const objs = renderSources({ 'a.yaml': `---\n${CM('one')}---\n# nothing here\n---\n${CM('two')}---\n` });
    expect(objs.map((o) => o.metadata.name)).toEqual(['one', 'two']);
  });

  it('a file that renders to nothing (a false conditional) is fine', () => {
    expect(
      renderSources({ 'a.yaml': CM('a'), 'b.yaml': `{{#if spec.off}}\n${CM('b')}{{/if}}\n` }),
    ).toHaveLength(1);
  });

  it.each([
    [`${CM('a')}data:\n  x: a: b\n`, 'LZ_RENDER_YAML', 6, 'rendered output is not valid YAML'],
    [`${CM('a')}data: {}\ndata: {}\n`, 'LZ_RENDER_YAML', 6, 'not valid YAML'],
    ['- a\n- b\n', 'LZ_RENDER_NOT_OBJECT', 1, 'a document is a list'],
    ['just text\n', 'LZ_RENDER_NOT_OBJECT', 1, 'the scalar "just text"'],
    ['kind: ConfigMap\nmetadata:\n  name: a\n', 'LZ_RENDER_INVALID_OBJECT', 1, 'apiVersion: required'],
    ['apiVersion: v1\nmetadata:\n  name: a\n', 'LZ_RENDER_INVALID_OBJECT', 1, 'kind: required'],
    [
      'apiVersion: "v1 beta"\nkind: ConfigMap\nmetadata:\n  name: a\n',
      'LZ_RENDER_INVALID_OBJECT',
      1,
      'apiVersion "v1 beta" is not valid',
    ],
    [
      'apiVersion: v1\nkind: configMap\nmetadata:\n  name: a\n',
      'LZ_RENDER_INVALID_OBJECT',
      2,
      'kind "configMap" is not valid',
    ],
    ['apiVersion: v1\nkind: ConfigMap\n', 'LZ_RENDER_INVALID_OBJECT', 1, 'metadata: required'],
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: a-\n',
      'LZ_RENDER_INVALID_OBJECT',
      4,
      'metadata.name: required',
    ],
    [CM('Upper_Case'), 'LZ_RENDER_INVALID_OBJECT', 4, 'metadata.name "Upper_Case" is not a valid name'],
    [`${CM('a')}  namespace: Not_Valid\n`, 'LZ_RENDER_INVALID_OBJECT', 5, 'metadata.namespace "Not_Valid"'],
    [
      `${CM('a')}  labels:\n    version: 1.0\n`,
      'LZ_RENDER_INVALID_OBJECT',
      6,
      'metadata.labels.version must be a string',
    ],
    [`${CM('a')}  labels:\n    x: "has space"\n`, 'LZ_RENDER_INVALID_OBJECT', 6, 'not a valid label value'],
    [
      `${CM('a')}  annotations:\n    x: 3\n`,
      'LZ_RENDER_INVALID_OBJECT',
      6,
      'metadata.annotations.x must be a string',
    ],
    [
      `${CM('a')}---\n${CM('a')}`,
      'LZ_RENDER_DUPLICATE_OBJECT',
      6,
      'ConfigMap a is rendered twice (also at set/a.yaml:1)',
    ],
  ])('%j → %s at line %i', (text, code, line, message) => {
    const err = errorOf(() => renderSources({ 'a.yaml': text }));
    expect(err.code).toBe(code);
    expect(err.file).toBe('set/a.yaml');
    expect(err.line).toBe(line);
    expect(err.message).toContain(message);
    expect(err.message.startsWith(`set/a.yaml:${line}: `)).toBe(true);
    expect(err.retryable).toBe(false);
  });

  it('duplicates across files name both places', () => {
    expect(errorOf(() => renderSources({ 'a.yaml': CM('x'), 'b.yaml': CM('x') })).message).toBe(
      'set/b.yaml:1: ConfigMap x is rendered twice (also at set/a.yaml:1)',
    );
  });

  it('the same name in different kinds or namespaces is not a duplicate', () => {
    expect(
      renderSources({
        'a.yaml': `${CM('x')}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n---\n${CM('x')}  namespace: other\n`,
      }),
    ).toHaveLength(3);
  });

  it('rejects too many objects and too large objects', () => {
    const many = renderTemplateSet(
      compileTemplateSet(
        '/t/set',
        new Map([['a.yaml', `{{#each spec.items}}\n---\n${CM('x{{@index}}')}{{/each}}`]]),
      ),
      {
        cr: { ...CR, spec: { items: Array.from({ length: 10 }) } },
        values: {},
      },
    );
    expect(many).toHaveLength(10);
    const tooMany = (): unknown =>
      renderTemplateSet(
        compileTemplateSet(
          '/t/set',
          new Map([['a.yaml', `{{#each spec.items}}\n---\n${CM('x{{@index}}')}{{/each}}`]]),
        ),
        {
          cr: { ...CR, spec: { items: Array.from({ length: 501 }) } },
          values: {},
        },
      );
    expect(errorOf(tooMany)).toMatchObject({
      code: 'LZ_RENDER_TOO_LARGE',
      message: expect.stringContaining('rendered 501 objects (limit 500)') as unknown,
    });
    const big = (): unknown =>
      renderTemplateSet(
        compileTemplateSet(
          '/t/set',
          new Map([['a.yaml', `${CM('a')}data:\n  x: {{spec.big}}\n  y: {{spec.big}}\n`]]),
        ),
        {
          cr: { ...CR, spec: { big: 'x'.repeat(512 * 1024 + 1) } },
          values: {},
        },
      );
    expect(errorOf(big).code).toBe('LZ_RENDER_TOO_LARGE');
  });

  it('rejects a CR without a name', () => {
    const set = compileTemplateSet('/t/set', new Map([['a.yaml', CM('a')]]));
    expect(
      errorOf(() => renderTemplateSet(set, { cr: { apiVersion: 'v1', kind: 'X', metadata: {} }, values: {} }))
        .code,
    ).toBe('LZ_RENDER_INPUT');
  });

  it('re-uses the parsed shape across CRs without mixing their values or aliasing results', () => {
    const set = compileTemplateSet(
      '/t/set',
      new Map([['a.yaml', `${CM('{{name}}')}data:\n  n: {{spec.n}}\n  s: "x{{spec.n}}"\n`]]),
    );
    const a = renderTemplateSet(set, { cr: { ...CR, metadata: { name: 'a' }, spec: { n: 1 } }, values: {} });
    const b = renderTemplateSet(set, {
      cr: { ...CR, metadata: { name: 'b' }, spec: { n: 'two: 2' } },
      values: {},
    });
    expect(set.files[0]!.plans.size).toBe(1);
    expect(a[0]).toEqual({ ...a[0], metadata: { name: 'a' }, data: { n: 1, s: 'x1' } });
    expect(b[0]!.metadata.name).toBe('b');
    expect(b[0]!.data).toEqual({ n: 'two: 2', s: 'xtwo: 2' });
    (b[0]!.data as Record<string, unknown>).n = 'changed';
    const c = renderTemplateSet(set, {
      cr: { ...CR, metadata: { name: 'b' }, spec: { n: 'two: 2' } },
      values: {},
    });
    expect(c[0]!.data).toEqual({ n: 'two: 2', s: 'xtwo: 2' });
    // A different shape (here: an extra document from a loop) is a separate plan.
    const loop = compileTemplateSet(
      '/t/set',
      new Map([['a.yaml', `{{#each spec.items}}\n---\n${CM('x{{this}}')}{{/each}}`]]),
    );
    expect(renderTemplateSet(loop, { cr: { ...CR, spec: { items: [1] } }, values: {} })).toHaveLength(1);
    expect(renderTemplateSet(loop, { cr: { ...CR, spec: { items: [1, 2] } }, values: {} })).toHaveLength(2);
    expect(loop.files[0]!.plans.size).toBe(2);
  });

  it('is pure: the same input gives the same output, and the CR is not modified', () => {
    const set = compileTemplateSet(
      '/t/set',
      new Map([['a.yaml', `${CM('{{name}}')}data:\n  n: "{{spec.n}}"\n`]]),
    );
    const cr = structuredClone(CR);
    const a = renderTemplateSet(set, { cr, values: {} });
    const b = renderTemplateSet(set, { cr, values: {} });
    expect(a).toEqual(b);
    expect(cr).toEqual(CR);
  });
});

describe('errors point at the template line, through conditionals, loops and partials', () => {
  const crWith = (spec: Record<string, unknown>): KubeObject => ({ ...CR, spec });
  const fail = (files: Record<string, string>, spec: Record<string, unknown>): RenderError =>
    errorOf(() =>
      renderTemplateSet(compileTemplateSet('/t/set', new Map(Object.entries(files))), {
        cr: crWith(spec),
        values: {},
      }),
    );

  it('after standalone block lines that Handlebars removes', () => {
    const err = fail(
      {
        'a.yaml':
          '{{#if spec.on}}\n{{/if}}\n# comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n',
      },
      { on: true },
    );
    expect(err).toMatchObject({ file: 'set/a.yaml', line: 7 });
  });

  it('inside a loop, on its second iteration', () => {
    const err = fail(
      {
        'a.yaml':
          '{{#each spec.items}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x{{this}}\ndata:\n  v: {{#if (eq this 2)}}{{@root.spec}}{{/if}}\n{{/each}}\n',
      },
      { items: [1, 2] },
    );
    expect(err).toMatchObject({ code: 'LZ_RENDER_VALUE_NOT_SCALAR', file: 'set/a.yaml', line: 8 });
  });

  it('in a partial: the partial file and its line', () => {
    const err = fail(
      {
        '_labels.hbs': 'team: a\nversion: 1.0\n',
        'a.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    {{> labels}}\ndata:\n  x: y\n',
      },
      {},
    );
    expect(err).toMatchObject({
      file: 'set/_labels.hbs',
      line: 2,
      message: expect.stringContaining('metadata.labels.version must be a string') as unknown,
    });
  });

  it('after a partial: back in the including file', () => {
    const err = fail(
      {
        '_labels.hbs': 'team: a\n',
        'a.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    {{> labels}}\ndata:\n  x: {{spec}}\n',
      },
      {},
    );
    expect(err).toMatchObject({ file: 'set/a.yaml', line: 8 });
  });

  // Issue 13 item 8: helper errors had no line.
  it('helper failures: the line of the call, in a file or a partial', () => {
    const required = fail(
      { 'a.yaml': `${CM('a')}data:\n  x: y\n  size: {{required "spec.size is required" spec.size}}\n` },
      {},
    );
    expect(required).toMatchObject({ code: 'LZ_RENDER_HELPER', file: 'set/a.yaml', line: 7 });
    expect(required.message).toBe('set/a.yaml:7: spec.size is required');
    expect(required.stack).toBe(`RenderError [LZ_RENDER_HELPER]: ${required.message}`);
    const inPartial = fail(
      { '_p.hbs': 'x: {{b64dec spec.v}}\n', 'a.yaml': `${CM('a')}data:\n  {{> p}}\n` },
      { v: 'not base64!' },
    );
    expect(inPartial).toMatchObject({ code: 'LZ_RENDER_HELPER', file: 'set/_p.hbs', line: 1 });
    const inLoop = fail(
      { 'a.yaml': `${CM('a')}data:\n{{#each spec.items}}\n  k{{@index}}: {{trunc "x" this}}\n{{/each}}\n` },
      { items: ['a', 'b'] },
    );
    expect(inLoop).toMatchObject({ code: 'LZ_RENDER_HELPER', file: 'set/a.yaml', line: 7 });
  });

  // Issue 13 item 8: "Converting circular structure to JSON"; deep valid YAML called "not valid YAML".
  it('self-referencing aliases, alias bombs and deep nesting in the output are named as such', () => {
    const circular = fail({ 'a.yaml': `${CM('a')}data: &d\n  x: *d\n` }, {});
    expect(circular).toMatchObject({ code: 'LZ_RENDER_YAML', file: 'set/a.yaml', line: 6 });
    expect(circular.message).toContain('the alias *d refers to a node that contains it');
    const bomb = fail(
      {
        'a.yaml': `${CM('a')}a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n`,
      },
      {},
    );
    expect(bomb).toMatchObject({ code: 'LZ_RENDER_YAML' });
    expect(bomb.message).toContain('YAML bomb');
    const deepFlow = fail({ 'a.yaml': `${CM('a')}spec:\n  x: ${'['.repeat(3000)}${']'.repeat(3000)}\n` }, {});
    expect(deepFlow).toMatchObject({ code: 'LZ_RENDER_TOO_LARGE', file: 'set/a.yaml' });
    expect(deepFlow.message).toContain('nests mappings and lists too deeply');
    expect(deepFlow.message).not.toContain('not valid YAML');
    const deepBlock = fail(
      {
        'a.yaml': `${CM('a')}spec:\n${Array.from({ length: 120 }, (_, i) => `${'  '.repeat(i + 1)}k:`).join('\n')} 1\n`,
      },
      {},
    );
    expect(deepBlock).toMatchObject({ code: 'LZ_RENDER_TOO_LARGE', file: 'set/a.yaml' });
    expect(deepBlock.message).toMatch(/spec\.k\.k\.k\.k\.k….* nests deeper than 100 levels/);
  });

  it('YAML syntax errors too', () => {
    const err = fail(
      {
        'a.yaml':
          '{{#if spec.on}}\n{{/if}}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: a: b\n',
      },
      { on: true },
    );
    expect(err).toMatchObject({ code: 'LZ_RENDER_YAML', file: 'set/a.yaml', line: 8 });
  });
});
