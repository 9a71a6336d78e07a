import fc from 'fast-check';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from './kube-object.js';
import { parseRenderedYaml } from './parse-output.js';
import { RenderError } from './render-error.js';
import { renderTemplateSet } from './render-template-set.js';
import { compileTemplateSet } from './template-set.js';
import { ValueTable } from './value-tokens.js';

function cr(spec: Record<string, unknown>, name = 'demo'): KubeObject {
  return { apiVersion: 'example.io/v1', kind: 'Demo', metadata: { name, namespace: 'ns' }, spec };
}

function render(
  template: string,
  spec: Record<string, unknown>,
  values: Record<string, unknown> = {},
): KubeObject[] {
  const set = compileTemplateSet('/t/set', new Map([['cm.yaml', template]]));
  return renderTemplateSet(set, { cr: cr(spec), values });
}

const HEAD = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n';

/** Where a value can appear in a template, and what the value must become there. */
const CONTEXTS: {
  name: string;
  body: string;
  read: (o: KubeObject) => unknown;
  expect: (v: string) => unknown;
}[] = [
  {
    name: 'plain',
    body: 'data:\n  k: {{spec.v}}\n  other: fixed\n',
    read: (o) => (o.data as Record<string, unknown>).k,
    expect: (v) => v,
  },
  {
    name: 'double-quoted',
    body: 'data:\n  k: "{{spec.v}}"\n  other: fixed\n',
    read: (o) => (o.data as Record<string, unknown>).k,
    expect: (v) => v,
  },
  {
    name: 'single-quoted',
    body: "data:\n  k: '{{spec.v}}'\n  other: fixed\n",
    read: (o) => (o.data as Record<string, unknown>).k,
    expect: (v) => v,
  },
  {
    name: 'embedded',
    body: 'data:\n  k: pre-{{spec.v}}-post\n  other: fixed\n',
    read: (o) => (o.data as Record<string, unknown>).k,
    expect: (v) => `pre-${v}-post`,
  },
  {
    name: 'block literal',
    body: 'data:\n  k: |\n    {{spec.v}}\n  other: fixed\n',
    read: (o) => (o.data as Record<string, unknown>).k,
    expect: (v) => `${v}\n`,
  },
  {
    name: 'flow sequence',
    body: 'data:\n  k: [{{spec.v}}, b]\n  other: fixed\n',
    read: (o) => (o.data as Record<string, unknown[]>).k![0],
    expect: (v) => v,
  },
  {
    name: 'flow mapping',
    body: 'data:\n  k: { x: {{spec.v}}, y: b }\n  other: fixed\n',
    read: (o) => (o.data as Record<string, Record<string, unknown>>).k!.x,
    expect: (v) => v,
  },
  {
    name: 'sequence item',
    body: 'data:\n  k:\n    - {{spec.v}}\n    - b\n  other: fixed\n',
    read: (o) => (o.data as Record<string, unknown[]>).k![0],
    expect: (v) => v,
  },
  {
    name: 'comment',
    body: 'data:\n  # {{spec.v}}\n  k: x\n  other: fixed\n',
    read: (o) => (o.data as Record<string, unknown>).k,
    expect: () => 'x',
  },
];

/** The structure of an object: every path, without the leaf values. */
function shape(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return [`${at}[${v.length}]`, ...v.flatMap((x, i) => shape(x, `${at}[${i}]`))];
  if (typeof v === 'object' && v !== null)
    return Object.entries(v).flatMap(([k, x]) => [`${at}.${k}`, ...shape(x, `${at}.${k}`)]);
  return [];
}

const CORPUS = [
  'Disney\n  injected: "yes"\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: pwned',
  'a\nb: c',
  'x: y',
  'key: value # trailing',
  '# comment',
  '&anchor value',
  '*alias',
  '!!binary aGVsbG8=',
  '!foo bar',
  '| literal',
  '> folded',
  '{a: 1}',
  '[1, 2]',
  '---',
  '...',
  '--- !!map\nx: 1',
  '"unterminated',
  "'single",
  '- item',
  '? complex key',
  '%YAML 1.2',
  '@at',
  '`tick',
  '  leading spaces',
  'trailing spaces  ',
  '\ttab',
  'windows\r\nline: x',
  'nel\u0085line: x',
  'ls\u2028ps\u2029x: y',
  'naïve ✓ 🚀 日本語',
  '\u0000nul',
  'x'.repeat(100_000),
  '"}]\n- a: b',
  '<<: *merge',
  '{{spec.v}}',
  'lzv0x0z',
];

describe('a value from the CR never changes the structure of the output', () => {
  for (const ctx of CONTEXTS) {
    it(`${ctx.name}: injection corpus lands in one scalar`, () => {
      const reference = render(HEAD + ctx.body, { v: 'SAFE' });
      for (const v of CORPUS) {
        const out = render(HEAD + ctx.body, { v });
        expect(out, JSON.stringify(v).slice(0, 60)).toHaveLength(1);
        expect(shape(out[0]), JSON.stringify(v).slice(0, 60)).toEqual(shape(reference[0]));
        expect(ctx.read(out[0]!)).toEqual(ctx.expect(v));
      }
    });

    it(`${ctx.name}: holds for any string (property)`, () => {
      const reference = shape(render(HEAD + ctx.body, { v: 'SAFE' })[0]);
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom(...CORPUS)), (v) => {
          // Every string, in every position, stays exactly that string (also "3", "null", "1.10").
          const out = render(HEAD + ctx.body, { v });
          expect(out).toHaveLength(1);
          expect(shape(out[0])).toEqual(reference);
          expect(ctx.read(out[0]!)).toEqual(ctx.expect(v));
        }),
        { numRuns: 150 },
      );
    }, 30_000); // CPU-bound: slow on a loaded 2-core machine
  }

  it('the acceptance case: an unquoted hostile value stays one string, no Secret appears', () => {
    const evil = CORPUS[0]!;
    const out = render(`${HEAD}data:\n  by: {{spec.By}}\n  from: {{getField "spec" "From"}}\n`, {
      By: evil,
      From: 'x',
    });
    expect(out).toHaveLength(1);
    expect(Object.keys(out[0]!.data as object)).toEqual(['by', 'from']);
    expect((out[0]!.data as Record<string, string>).by!.startsWith('Disney\n')).toBe(true);
  });

  it('a value in a key position stays one key; a collision fails closed', () => {
    const body = `${HEAD}data:\n  {{spec.k}}: one\n  fixed: two\n`;
    expect(render(body, { k: 'a: b\nc' })[0]!.data).toEqual({ 'a: b\nc': 'one', fixed: 'two' });
    expect(() => render(body, { k: 'fixed' })).toThrow(
      expect.objectContaining({ code: 'LZ_RENDER_DUPLICATE_KEY', line: 7 }),
    );
  });

  it('numbers and booleans keep their type; a CR string stays a string wherever it lands', () => {
    const body = `${HEAD}data:\n  n: {{spec.n}}\n  s: {{spec.s}}\n  b: {{spec.b}}\n  q: "{{spec.n}}"\n  e: x{{spec.n}}\n  ml: {{spec.ml}}\n`;
    const data = render(body, { n: 3, s: '42', b: true, ml: '3\n4' })[0]!.data;
    expect(data).toEqual({ n: 3, s: '42', b: true, q: '3', e: 'x3', ml: '3\n4' });
  });

  // Issue 13 item 4: these made the key vanish ("null", "~", ".nan", ".inf", "1e309") or changed the value
  // ("1.10" → 1.1, "0x1F" → 31) while the status said Ready.
  const LOOKS_TYPED = [
    'null',
    'Null',
    '~',
    '',
    '.nan',
    '.NaN',
    '.inf',
    '-.Inf',
    '1e309',
    '1.10',
    '0x1F',
    '0o17',
    '007',
    '+1',
    '1e3',
    'true',
    'False',
    'TRUE',
    '3',
    '-0',
    '0.0',
    '1_000',
    'yes',
    'off',
    '2001-12-14',
  ];

  it('strings that read like null, numbers or booleans stay exactly the CR string in every position', () => {
    for (const ctx of CONTEXTS.filter((c) => c.name !== 'comment')) {
      for (const v of LOOKS_TYPED) {
        const out = render(HEAD + ctx.body, { v });
        // An empty string in a whole unquoted position is "nothing" only when the value is missing.
        expect(ctx.read(out[0]!), `${ctx.name}: ${JSON.stringify(v)}`).toEqual(ctx.expect(v));
      }
    }
  });

  it('YAML-typed-looking strings stay strings (property: any number-, bool- or null-like text)', () => {
    const typed = fc.oneof(
      fc.constantFrom(...LOOKS_TYPED),
      fc.double().map(String),
      fc.double().map((d) => d.toExponential()),
      fc.integer().map((n) => `0x${Math.abs(n).toString(16)}`),
      fc
        .tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 1, max: 3 }))
        .map(([a, zeros]) => `${a}.1${'0'.repeat(zeros)}`),
      fc.constantFrom('null', 'NULL', 'Null', '~', 'true', 'TRUE', 'True', 'false', 'FALSE', 'False'),
    );
    fc.assert(
      fc.property(typed, fc.constantFrom(...CONTEXTS.filter((c) => c.name !== 'comment')), (v, ctx) => {
        const out = render(HEAD + ctx.body, { v });
        expect(out).toHaveLength(1);
        expect(ctx.read(out[0]!)).toEqual(ctx.expect(v));
        expect(typeof ctx.read(out[0]!)).toBe('string');
      }),
      { numRuns: 300 },
    );
  });

  it('render output round-trips: what `lostromos render` prints (YAML) reads back as what is applied', () => {
    for (const v of LOOKS_TYPED) {
      const out = render(`${HEAD}data:\n  k: {{spec.v}}\n`, { v });
      const printed = YAML.stringify(out[0], { lineWidth: 0 });
      expect(YAML.parse(printed), JSON.stringify(v)).toEqual(out[0]);
      expect((YAML.parse(printed) as { data: { k: unknown } }).data.k).toBe(v);
    }
  });

  it('refuses NaN and Infinity from values (JSON cannot carry them)', () => {
    expect(() => render(`${HEAD}data:\n  k: {{values.x}}\n`, {}, { x: Infinity })).toThrow(
      expect.objectContaining({ code: 'LZ_RENDER_VALUE_TYPE', line: 6 }),
    );
  });

  it('missing values render as nothing (null when alone)', () => {
    expect(render(`${HEAD}data:\n  a: {{spec.nope}}\n  b: x{{spec.nope}}\n`, {})[0]!.data).toEqual({
      a: null,
      b: 'x',
    });
  });

  it('refuses a mapping or list inserted with {{…}} and points at toYaml', () => {
    let err: unknown;
    try {
      render(`${HEAD}data:\n  a: {{spec}}\n`, { x: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RenderError);
    expect(err).toMatchObject({ code: 'LZ_RENDER_VALUE_NOT_SCALAR', file: 'set/cm.yaml', line: 6 });
    expect((err as Error).message).toContain('toYaml');
    expect(() => render(`${HEAD}data:\n  a: "x{{spec.list}}"\n`, { list: [1] })).toThrow(/produced a list/);
  });

  it('toYaml/nindent and json insert structure on purpose, still without injection', () => {
    const spec = { labels: { 'a: b': 'x\n---\ny', plain: 'v' }, list: ['- a', '# b'] };
    const out = render(
      `${HEAD}spec:\n  labels:{{nindent 4 (toYaml spec.labels)}}\ndata:\n  list: {{json spec.list}}\n  q: {{quote spec.labels.plain}}\n`,
      spec,
    );
    expect((out[0]!.spec as Record<string, unknown>).labels).toEqual(spec.labels);
    expect((out[0]!.data as Record<string, unknown>).list).toEqual(spec.list);
    expect((out[0]!.data as Record<string, unknown>).q).toBe('v');
  });

  it('json and quote output any string as one YAML scalar that reads back unchanged (property)', () => {
    const body = `${HEAD}data:\n  j: {{json spec.v}}\n  q: {{quote spec.v}}\n  l: {{json spec.list}}\n  other: fixed\n`;
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom(...CORPUS)), (v) => {
        const out = render(body, { v, list: [v, 1] });
        expect(out).toHaveLength(1);
        expect(out[0]!.data).toEqual({ j: v, q: v, l: [v, 1], other: 'fixed' });
      }),
      { numRuns: 200 },
    );
  });

  it('nindent + toYaml reproduce any mapping of CR data exactly (property)', () => {
    const body = `${HEAD}spec:\n  obj:{{nindent 4 (toYaml spec.obj)}}\n  other: fixed\n`;
    const leaf = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.integer(),
      fc.boolean(),
      fc.constantFrom(...CORPUS.slice(0, 20)),
    );
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ unit: 'binary' }),
          fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(fc.string(), leaf)),
        ),
        (obj) => {
          const out = render(body, { obj });
          expect(out).toHaveLength(1);
          expect(out[0]!.spec).toEqual({ obj, other: 'fixed' });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('nindent on a plain CR string is still a value, not raw YAML', () => {
    const out = render(`${HEAD}data:\n  k: {{nindent 2 spec.v}}\n`, { v: 'a: b' });
    expect((out[0]!.data as Record<string, unknown>).k).toBe('\n  a: b');
  });

  it('triple-stash stays raw: the template author opts out of escaping', () => {
    const out = render(`${HEAD}data:\n  {{{spec.raw}}}\n`, { raw: 'x: 1\n  y: "2"' });
    expect(out[0]!.data).toEqual({ x: 1, y: '2' });
  });

  it('substituted text is never scanned again, so a value cannot pull in another value', () => {
    const table = new ValueTable('abc');
    const t0 = table.emit('lzvabcx1z');
    const t1 = table.emit('secret');
    const docs = parseRenderedYaml(`a: ${t0}\nb: x${t0}\nc: ${t1}\n`, 'f.yaml', table);
    expect(docs[0]!.value).toEqual({ a: 'lzvabcx1z', b: 'xlzvabcx1z', c: 'secret' });
  });
});

describe('indent/nindent of a CR text on lines of their own (a block scalar)', () => {
  const data = (template: string, spec: Record<string, unknown>): Record<string, unknown> =>
    render(`${HEAD}data:\n${template}`, spec)[0]!.data as Record<string, unknown>;

  it('fills a literal block scalar line by line, with every chomping indicator, as Helm would', () => {
    const text = 'hello\n  indented\n\nworld';
    expect(data('  a: |{{nindent 4 spec.text}}\n', { text }).a).toBe(`${text}\n`);
    expect(data('  a: |-{{nindent 4 spec.text}}\n', { text }).a).toBe(text);
    expect(data('  a: |+{{nindent 4 spec.text}}\n\n', { text }).a).toBe(`${text}\n\n`);
    expect(data('  a: |\n{{indent 4 spec.text}}\n', { text }).a).toBe(`${text}\n`);
    expect(data('  a: |\n  {{~nindent 4 spec.text}}\n', { text }).a).toBe(`${text}\n`);
    // A text ending in line breaks: the header's chomping decides, as if the lines had been written there.
    expect(data('  a: |{{nindent 4 spec.text}}\n', { text: 'x\n\n' }).a).toBe('x\n');
    expect(data('  a: |-{{nindent 4 spec.text}}\n', { text: 'x\n\n' }).a).toBe('x');
    expect(data('  a: |+{{nindent 4 spec.text}}\n', { text: 'x\n' }).a).toBe('x\n\n');
  });

  it('keeps the lines of the block around it, and indents the text like its first line', () => {
    const out = data('  a: |\n    first\n{{indent 6 spec.text}}\n    last\n', { text: 'x\ny' });
    expect(out.a).toBe('first\n  x\n  y\nlast\n');
  });

  it('works inside {{#if}} and {{#each}} blocks and in a list item', () => {
    const out = render(
      `${HEAD}data:\n  a: |\n{{#if spec.on}}\n{{indent 4 spec.text}}\n{{/if}}\n  b: fixed\nitems:\n{{#each spec.list}}\n  - |{{nindent 4 this}}\n{{/each}}\n`,
      { on: true, text: 'p\nq', list: ['1\n2', 'three'] },
    )[0]!;
    expect(out.data).toEqual({ a: 'p\nq\n', b: 'fixed' });
    expect(out.items).toEqual(['1\n2\n', 'three\n']);
  });

  it('never lets the text out of the block: any CR string is the block value, nothing is added (property)', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.oneof(
            fc.constantFrom('\n', ' ', '\t', '-', ':', '#', '|', '>', '"', '---'),
            fc.string({ maxLength: 3 }),
          ),
          maxLength: 30,
        }),
        (text) => {
          const out = data('  a: |-{{nindent 4 spec.text}}\n  b: fixed\n', { text });
          // `|-`: every line as it is, without the final line breaks.
          return out.a === text.replace(/\n+$/, '') && out.b === 'fixed' && Object.keys(out).length === 2;
        },
      ),
      { numRuns: 150 },
    );
  });

  it('outside a block scalar it is the indented text, as before', () => {
    expect(data('  a:\n{{indent 4 spec.text}}\n', { text: 'x\ny' }).a).toBe('    x\n    y');
    expect(data('  k: {{nindent 2 spec.v}}\n', { v: 'a: b' }).k).toBe('\n  a: b');
  });

  it('refuses a text of several lines in a folded block scalar (>), which would fold it, naming the line', () => {
    expect(() => data('  a: >{{nindent 4 spec.text}}\n', { text: 'x\ny' })).toThrow(
      /cm\.yaml:6: `indent`\/`nindent` cannot put a text of several lines into a folded block scalar/,
    );
    expect(data('  a: >{{nindent 4 spec.text}}\n', { text: 'one line' }).a).toBe('one line\n');
  });

  it('keeps toYaml output raw (the nindent + toYaml idiom)', () => {
    expect(data('  a:{{nindent 4 (toYaml spec.obj)}}\n', { obj: { k: 'v' } }).a).toEqual({ k: 'v' });
  });

  it('never shows a value token in an error: `text: |{{indent 4 …}}` is a bad header, shown as {{…}}', () => {
    expect(() => data('  a: |{{indent 4 spec.text}}\n', { text: 'x' })).toThrow(
      /cm\.yaml:6: .*Block scalar header includes extra characters: \|\{\{…\}\}.*write `\|\{\{nindent 4 value\}\}`/,
    );
    try {
      data('  a: |{{indent 4 spec.text}}\n', { text: 'x' });
    } catch (err) {
      expect((err as Error).message).not.toMatch(/lzv[0-9a-f]/);
    }
  });
});
