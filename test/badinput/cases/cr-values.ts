// CR values: what a CR author can put in a CR's spec. Each row is a Probe CR (fixtures/files.ts PROBE_TEMPLATES
// puts spec.value in every scalar position, and spec.suffix/namespace/label/key in the name, namespace, a label
// and a key). A row either renders safely — `kept`: the value reaches every position as the same plain string,
// and no key, object or document is added — or is refused with a clear error. The same rows run in-process
// (cr-values.test.ts) and against a real API server with the operator running (others-keep-reconciling.test.ts).
import type { BadInput, Expectation } from '../corpus.ts';

export interface CrValueInput {
  spec: Record<string, unknown>;
  /** Why this row is not sent to the API server in the end-to-end proof (the API server's own rules differ). */
  notOnApiServer?: string;
  /** Open finding seen only end to end (the in-process render is right): where to fix it. */
  apiServerFinding?: string;
}

/** `kept`: renders; every position holds spec.value unchanged (a string stays a string). */
export type CrValueExpect = { kept: true } | Expectation;

export type CrValueRow = BadInput<CrValueInput, CrValueExpect>;

const FILE = /probes\/configmap\.yaml:\d+/;

const kept = (id: string, title: string, value: unknown, extra: Partial<CrValueRow> = {}): CrValueRow => ({
  id,
  category: 'cr-values',
  title,
  input: { spec: { value } },
  expect: { kept: true },
  ...extra,
});

const refused = (
  id: string,
  title: string,
  spec: Record<string, unknown>,
  expect: Expectation,
  extra: Partial<CrValueRow> = {},
): CrValueRow => ({ id, category: 'cr-values', title, input: { spec }, expect, ...extra });

export const CR_VALUE_ROWS: CrValueRow[] = [
  // Strings YAML would read as something else: they stay strings, in every position.
  kept('yaml-null', '"null" stays the string null', 'null'),
  kept('yaml-tilde', '"~" stays a string (YAML null)', '~'),
  kept('yaml-null-caps', '"NULL" stays a string', 'NULL'),
  kept('yaml-nan', '".nan" stays a string (YAML not-a-number)', '.nan'),
  kept('yaml-inf', '".inf" stays a string', '.inf'),
  kept('yaml-neg-inf', '"-.Inf" stays a string', '-.Inf'),
  kept('yaml-1e309', '"1e309" stays a string (a float overflowing to Infinity)', '1e309'),
  kept('yaml-yes', '"yes" stays a string (YAML 1.1 true)', 'yes'),
  kept('yaml-no', '"NO" stays a string (YAML 1.1 false, the Norway problem)', 'NO'),
  kept('yaml-on', '"on" stays a string (YAML 1.1 true)', 'on'),
  kept('yaml-off', '"off" stays a string', 'off'),
  kept('yaml-true', '"true" stays a string', 'true'),
  kept('yaml-hex', '"0x1F" stays a string, not 31', '0x1F'),
  kept('yaml-octal', '"0o17" stays a string, not 15', '0o17'),
  kept('yaml-legacy-octal', '"017" stays a string (YAML 1.1 octal)', '017'),
  kept('yaml-version', '"1.10" stays a string, not 1.1', '1.10'),
  kept('yaml-int-string', '"3" stays a string', '3'),
  kept('yaml-plus', '"+12" stays a string', '+12'),
  kept('yaml-underscore', '"1_000" stays a string (YAML 1.1 integer)', '1_000'),
  kept('yaml-sexagesimal', '"1:20" stays a string (YAML 1.1 base 60)', '1:20'),
  kept('yaml-timestamp', 'an ISO timestamp stays a string', '2001-12-14t21:59:43.10-05:00'),
  kept('yaml-empty', 'the empty string stays an empty string, not null', ''),
  kept('yaml-padded', 'leading and trailing spaces are kept', '  padded  '),
  kept('yaml-merge-key', '"<<" (YAML merge key) stays a string', '<<'),
  kept('yaml-equals', '"=" (YAML 1.1 value key) stays a string', '='),

  // Injection attempts: a value is one scalar, never keys, objects or documents.
  kept('inj-newline-key', 'a newline and "key: value" do not add a key', 'Disney\n  injected: yes'),
  kept(
    'inj-document',
    '"---" and a Secret do not add a document',
    'x\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen\nstringData:\n  token: hunter2',
  ),
  kept('inj-document-end', '"..." (end of document) does not end the document', 'x\n...\n---\nkind: Secret'),
  kept('inj-colon', '"key: value" stays one scalar', 'admin: true'),
  kept('inj-comment', '" # comment" is not cut off as a comment', 'value # not a comment'),
  kept('inj-anchor-alias', 'an anchor and alias "&a [*a]" stay text', '&a [*a, *a]'),
  kept('inj-alias', 'a bare alias "*a" stays text', '*a'),
  kept('inj-tag', 'a tag "!!binary …" stays text', '!!binary aGVsbG8='),
  kept('inj-flow-map', 'a flow mapping "{admin: true}" stays text', '{admin: true}'),
  kept('inj-flow-seq', 'a flow sequence "[1, 2]" stays text', '[1, 2]'),
  kept('inj-block-literal', 'a block indicator "|" and indented text stay text', '|\n  block\nnext: key'),
  kept('inj-folded', 'a folded indicator ">-" stays text', '>-\n  folded'),
  kept('inj-quotes', 'mixed quotes close nothing', `'" it's "quoted" '`),
  kept('inj-backslash', 'backslashes and "\\n" escapes stay literal', 'C:\\path\\new\\"x\\u0041'),
  kept('inj-tab', 'a tab at the start stays', '\tindented\tvalue'),
  kept('inj-crlf', 'CR LF line ends do not add a key', 'a\r\nb: c\r\n'),
  kept(
    'inj-handlebars',
    'Handlebars syntax in a value is never evaluated',
    '{{name}} {{{spec.value}}} {{> labels}}',
  ),
  kept(
    'inj-token-forgery',
    'text shaped like an internal value token stays text',
    'lzv0123456789abcdef01234567x0z',
  ),
  kept('inj-proto', '"__proto__" and "constructor" stay plain strings', '__proto__ constructor prototype'),
  kept('inj-shell', 'shell syntax stays text', '$(rm -rf /) `id` ${HOME}'),

  // Unicode: kept as given (and never reach messages raw, see the label-bidi row).
  kept('uni-line-separator', 'U+2028 LINE SEPARATOR stays', 'a\u2028b: c'),
  kept('uni-paragraph-separator', 'U+2029 PARAGRAPH SEPARATOR stays', 'a\u2029b'),
  kept('uni-nel', 'U+0085 NEXT LINE (a YAML 1.1 line break) stays', 'a\u0085b: c'),
  kept('uni-bidi', 'a bidi override (U+202E) stays in the value', 'admin\u202Egpj.exe'),
  kept('uni-zero-width', 'a zero-width space stays in the value', 'ad\u200Bmin'),
  kept('uni-bom', 'a byte order mark at the start stays', '\uFEFFvalue'),
  kept('uni-control', 'control characters (BEL, ANSI escape) stay', '\u0007bell \u001b[31mred\u001b[0m'),
  kept('uni-nul', 'a NUL character stays', 'a\u0000b'),
  kept('uni-astral', 'characters outside the BMP stay', '🚀 ship ✓ 中文'),
  kept('uni-lone-surrogate', 'a lone UTF-16 surrogate stays (as JSON escapes it)', 'x\uD800y', {
    input: {
      spec: { value: 'x\uD800y' },
      notOnApiServer: 'the API server stores invalid UTF-16 as U+FFFD',
    },
  }),

  // Size and shape.
  kept('size-100k', 'a 100 kB string is kept whole', 'x'.repeat(100_000)),
  refused(
    'size-over-limit',
    'a string over 1 MiB is refused before rendering, naming the field and the limit',
    { value: 'y'.repeat(1024 * 1024 + 1) },
    {
      code: 'LZ_RENDER_INPUT_LIMIT',
      message: [/spec\.value/, /1,048,577 characters/, /limit 1,048,576/],
    },
  ),
  refused(
    'size-object-too-large',
    'a 300 kB string written seven times makes an object over 1 MiB: refused with the limit',
    { value: 'z'.repeat(300_000) },
    { code: 'LZ_RENDER_TOO_LARGE', message: [/probes\/configmap\.yaml/, /ConfigMap/, /limit/] },
  ),
  refused(
    'deep-nesting',
    'a value nested 150 levels deep is refused before rendering, naming the path',
    { value: nestedValue(150) },
    { code: 'LZ_RENDER_INPUT_LIMIT', message: [/spec\.value\.a\.a/, /deeper than 100 levels/] },
  ),
  refused(
    'struct-mapping',
    'a mapping where the template writes a scalar is refused, pointing at toYaml/json',
    { value: { admin: true, role: 'cluster-admin' } },
    { code: 'LZ_RENDER_VALUE_NOT_SCALAR', message: [FILE, /produced a mapping/, /toYaml|json/] },
  ),
  refused(
    'struct-list',
    'a list where the template writes a scalar is refused, pointing at toYaml/json',
    { value: ['a', 'b'] },
    { code: 'LZ_RENDER_VALUE_NOT_SCALAR', message: [FILE, /produced a list/, /toYaml|json/] },
  ),
  refused(
    'type-number',
    'a number written unquoted into an annotation is refused: quote it',
    { value: 3 },
    {
      code: 'LZ_RENDER_INVALID_OBJECT',
      message: [
        FILE,
        /metadata\.annotations\.badinput\.example\.io\/plain must be a string, got 3/,
        /quote it/,
      ],
    },
  ),
  refused(
    'type-bool',
    'a boolean written unquoted into an annotation is refused: quote it',
    { value: true },
    { code: 'LZ_RENDER_INVALID_OBJECT', message: [FILE, /must be a string, got true/, /quote it/] },
  ),
  refused(
    'type-null',
    'null where the template writes a value: refused, naming the annotation that needs a string',
    { value: null },
    {
      code: 'LZ_RENDER_INVALID_OBJECT',
      message: [FILE, /annotations\.badinput\.example\.io\/plain/, /must be a string, got null/],
    },
  ),
  refused(
    'missing-value',
    'no spec.value at all: refused, naming the annotation that needs a string',
    { other: 'x' },
    {
      code: 'LZ_RENDER_INVALID_OBJECT',
      message: [FILE, /annotations\.badinput\.example\.io\/plain/, /must be a string, got null/],
    },
  ),

  // Other positions: name, namespace, label, key.
  refused(
    'name-injection',
    'a newline and "namespace:" in the name part is an invalid name, not a namespace',
    { value: 'v', suffix: '\n  namespace: kube-system' },
    {
      code: 'LZ_RENDER_INVALID_OBJECT',
      message: [FILE, /metadata\.name/, /is not a valid name/, /lower-case/],
    },
  ),
  refused(
    'name-uppercase',
    'upper-case letters in the name part: an invalid name, with the rule',
    { value: 'v', suffix: '-ADMIN' },
    {
      code: 'LZ_RENDER_INVALID_OBJECT',
      message: [FILE, /metadata\.name "p-name-uppercase-probe-ADMIN"/, /lower-case/],
    },
  ),
  refused(
    'namespace-elsewhere',
    'a value that moves the object to kube-system is refused by the allow policy, naming the field to change',
    { value: 'v', namespace: 'kube-system' },
    { code: 'policy', message: [/ConfigMap/, /kube-system/, /allow\.namespaces/] },
  ),
  refused(
    'namespace-invalid',
    'an invalid namespace name is refused with the rule',
    { value: 'v', namespace: 'Kube System' },
    { code: 'LZ_RENDER_INVALID_OBJECT', message: [FILE, /metadata\.namespace/, /"Kube System"/] },
  ),
  refused(
    'label-injection',
    'a newline and "key: value" in a label value is an invalid label value, not a label',
    { value: 'v', label: 'ok\nrole: admin' },
    {
      code: 'LZ_RENDER_INVALID_OBJECT',
      message: [FILE, /badinput\.example\.io\/label/, /not a valid label value/, /63/],
    },
  ),
  refused(
    'label-too-long',
    'a 64-character label value is refused with the limit',
    { value: 'v', label: 'l'.repeat(64) },
    { code: 'LZ_RENDER_INVALID_OBJECT', message: [FILE, /not a valid label value/, /≤ 63/] },
  ),
  refused(
    'label-bidi',
    'a bidi override in a label value is refused, and the message shows it escaped, not raw',
    { value: 'v', label: 'abc\u202Edef' },
    { code: 'LZ_RENDER_INVALID_OBJECT', message: [FILE, /not a valid label value/, /"abc\\u202Edef"/] },
  ),
  {
    id: 'key-injection',
    category: 'cr-values',
    title: 'a value used as a key with ": " and a newline stays one key',
    input: {
      spec: { value: 'v', key: 'a: b\nc: d' },
      notOnApiServer: 'ConfigMap data keys must be [-._a-zA-Z0-9]+ on the API server',
    },
    expect: { kept: true },
  },
  {
    id: 'key-proto',
    category: 'cr-values',
    title: 'a value "__proto__" used as a key is an ordinary key (no prototype pollution)',
    input: { spec: { value: 'v', key: '__proto__' } },
    expect: { kept: true },
  },
  refused(
    'key-collision',
    'a value used as a key that equals another key is refused, naming the key',
    { value: 'v', key: 'plain' },
    { code: 'LZ_RENDER_DUPLICATE_KEY', message: [FILE, /key "plain" appears twice/] },
  ),
];

function nestedValue(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}
