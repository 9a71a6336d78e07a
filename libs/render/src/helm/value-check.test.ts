import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube-object.js';
import type { ParsedDocument } from '../parse-output.js';
import { renderTemplateSet } from '../render-template-set.js';
import { compileTemplateSet } from '../template-set.js';
import { checkAgainstStandIns, isInert, standInsFor } from './value-check.js';

const HEAD = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n';

/** Every place a chart can paste a value, pasted raw (triple-stash: exactly what Go templates do). */
const RAW_CONTEXTS = [
  'data:\n  k: {{{spec.v}}}\n  other: fixed\n',
  'data:\n  k: "{{{spec.v}}}"\n  other: fixed\n',
  "data:\n  k: '{{{spec.v}}}'\n  other: fixed\n",
  'data:\n  k: pre-{{{spec.v}}}-post\n  other: fixed\n',
  'data:\n  k: |\n    {{{spec.v}}}\n  other: fixed\n',
  'data:\n  k: [{{{spec.v}}}, b]\n  other: fixed\n',
  'data:\n  k: { x: {{{spec.v}}}, y: b }\n  other: fixed\n',
  'data:\n  k:\n    - {{{spec.v}}}\n    - b\n  other: fixed\n',
  'data:\n  {{{spec.v}}}: key\n  other: fixed\n',
  'data:\n  k: {{{spec.v}}} {{{spec.v}}}\n  other: fixed\n',
];

function pasted(body: string, v: string): KubeObject {
  const set = compileTemplateSet('/t/raw', new Map([['cm.yaml', HEAD + body]]));
  const out = renderTemplateSet(set, {
    cr: { apiVersion: 'x.io/v1', kind: 'X', metadata: { name: 'n' }, spec: { v } },
    values: {},
  });
  expect(out).toHaveLength(1);
  return out[0]!;
}

/** Paths of an object without leaf values. */
function shape(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return [`${at}[${v.length}]`, ...v.flatMap((x, i) => shape(x, `${at}[${i}]`))];
  if (typeof v === 'object' && v !== null)
    return Object.keys(v).flatMap((k) => [
      `${at}.${k === 'SAFE' ? '<k>' : k}`,
      ...shape((v as Record<string, unknown>)[k], `${at}.${k}`),
    ]);
  return [];
}

const inertText = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9_/][a-zA-Z0-9 ._/@%+=$^()~;|<>!?*&:-]{0,30}$/),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    'Ridley Scott',
    'nginx:1.27',
    'https://example.com/a?b=c',
    'a:b',
    'x - y',
    '3',
    'true',
    'v1.10',
  ),
);

describe('isInert: the strings a stand-in may leave in place', () => {
  it('an inert string pasted raw anywhere keeps the structure and reads back as itself (property)', () => {
    fc.assert(
      // "" stays "" in the stand-in render too (a chart's `if`/`default` must see it empty): not checked here.
      fc.property(
        inertText.filter((v) => v !== '' && isInert(v)),
        fc.constantFrom(...RAW_CONTEXTS),
        (v, body) => {
          const reference = pasted(body, 'SAFE');
          const out = pasted(body, v);
          const key = body.includes('{{{spec.v}}}: key');
          if (key) {
            expect(Object.keys(out.data as object)).toHaveLength(2);
            return;
          }
          expect(shape(out)).toEqual(shape(reference));
          const data = out.data as Record<string, unknown>;
          const k = data.k;
          const read = Array.isArray(k)
            ? k[0]
            : typeof k === 'object' && k !== null
              ? (k as { x: unknown }).x
              : k;
          const expected = body.includes('pre-')
            ? `pre-${v}-post`
            : body.includes('|')
              ? `${v}\n`
              : body.includes('}}} {{{')
                ? `${v} ${v}`
                : v;
          // Lossless typing ("3" → 3, "true" → true) is the only change an inert string may see.
          expect(String(read)).toBe(expected);
        },
      ),
      { numRuns: 400 },
    );
  }, 60_000);

  it('is false for YAML syntax and for strings that read as another value', () => {
    for (const v of [
      'a\nb',
      'a: b',
      'a #b',
      '- x',
      '[x]',
      'x, y',
      '{x}',
      '"x"',
      "it's",
      '&a',
      '*a',
      '!tag',
      '|',
      '>',
      '%x',
      '@x',
      '`x',
      '---',
      '...',
      ' x',
      'x ',
      'a:',
      'tab\tx',
      'null',
      '~',
      '.nan',
      '.inf',
      '1e309',
      '1.10',
      '0x1F',
      'True',
      '007',
      '+1',
      'a\u2028b',
      'a\u0085b',
    ]) {
      expect(isInert(v), JSON.stringify(v)).toBe(false);
    }
    for (const v of [
      '',
      'Ridley Scott',
      'nginx:1.27',
      'https://x.io/a',
      '3',
      '3x',
      'true',
      'naïve',
      '日本語',
    ]) {
      expect(isInert(v), JSON.stringify(v)).toBe(true);
    }
  });
});

describe('stand-ins and the comparison', () => {
  const cr: KubeObject = {
    apiVersion: 'x.io/v1',
    kind: 'X',
    metadata: { name: 'n', namespace: 'team-a', annotations: { 'a.io/note': 'two words: here' } },
    spec: { plain: 'Ridley Scott', hostile: 'a\nb: c', list: ['x', 'y: z'], map: { 'odd key: x': 1 }, n: 3 },
  };

  it('replaces exactly the non-inert strings and keys, numbered, and leaves the rest', () => {
    const s = standInsFor(cr, 'abcd1234');
    expect(s.cr.spec).toEqual({
      plain: 'Ridley Scott',
      hostile: expect.stringMatching(/^lzsabcd1234\d+z$/) as unknown,
      list: ['x', expect.stringMatching(/^lzsabcd1234\d+z$/) as unknown],
      map: { [Object.keys((s.cr.spec as { map: object }).map)[0]!]: 1 },
      n: 3,
    });
    expect(s.fields.map((f) => [f.path, f.key])).toEqual([
      ['metadata.annotations["a.io/note"]', false],
      ['spec.hostile', false],
      ['spec.list[1]', false],
      ['spec.map["odd key: x"]', true],
    ]);
    expect(standInsFor({ ...cr, metadata: { name: 'n' }, spec: { a: 'plain' } }, 'x').fields).toEqual([]);
  });

  const doc = (value: unknown, file = 'c/templates/cm.yaml'): ParsedDocument => ({ value, file, line: 0 });
  const s = standInsFor(cr, 'abcd1234');
  const tok = (n: number): string => `lzsabcd1234${n}z`;
  const cm = (data: Record<string, unknown>) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cm' },
    data,
  });

  it('accepts equal structure with other scalar values, keys filled from CR strings, lossless typing', () => {
    expect(
      checkAgainstStandIns(
        [doc(cm({ a: 'a\nb: c', b: 'A\nB: C', [`k-y: z`]: 'v', n: 3 }))],
        [doc(cm({ a: tok(1), b: tok(1).toUpperCase(), [`k-${tok(2)}`]: 'v', n: tok(9) }))],
        {
          ...s,
          fields: [...s.fields, ...Array(5).fill(s.fields[0]), { path: 'spec.n', key: false, value: '3' }],
        },
        'c',
      ),
    ).toBeUndefined();
  });

  it('refuses extra keys, documents, list items and scalars that became structure, naming the field', () => {
    const extraKey = checkAgainstStandIns([doc(cm({ a: 'a', b: 'c' }))], [doc(cm({ a: tok(1) }))], s, 'c');
    expect(extraKey).toMatchObject({ code: 'LZ_RENDER_INJECTION', file: 'c/templates/cm.yaml' });
    expect(extraKey!.message).toContain("the CR's spec.hostile changes the structure");
    expect(extraKey!.message).toContain('data.b added');
    const rb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'x' } };
    const extraDoc = checkAgainstStandIns(
      [doc(cm({ a: 'a' })), { value: rb, file: 'c', line: 9 }],
      [doc(cm({ a: tok(1) }))],
      s,
      'c',
    );
    expect(extraDoc!.message).toContain(
      'an extra document RoleBinding/x in the output of c/templates/cm.yaml',
    );
    const list = checkAgainstStandIns([doc(cm({ a: ['x', 'y'] }))], [doc(cm({ a: tok(1) }))], s, 'c');
    expect(list!.message).toContain('is a list instead of one value');
    const longer = checkAgainstStandIns([doc(cm({ a: [1, 2] }))], [doc(cm({ a: [tok(1)] }))], s, 'c');
    expect(longer!.message).toContain('has 2 items instead of 1');
    const missing = checkAgainstStandIns([doc(cm({}))], [doc(cm({ a: tok(1), b: 'x' }))], s, 'c');
    expect(missing!.message).toMatch(/data\.a, data\.b missing|missing/);
  });

  it('refuses a whole CR string that reads back as null or as a different number', () => {
    const t = standInsFor({ ...cr, spec: { v: '1.10', w: 'null' } }, 'abcd1234');
    const err = checkAgainstStandIns(
      [doc(cm({ v: 1.1, w: null }))],
      [doc(cm({ v: `lzsabcd12341z`, w: `lzsabcd12342z` }))],
      t,
      'c',
    );
    expect(err).toMatchObject({ code: 'LZ_RENDER_VALUE_TYPE' });
    expect(err!.message).toContain('spec.v, spec.w is a string');
    expect(err!.message).toContain('data.v of ConfigMap/cm is 1.1');
  });
});
