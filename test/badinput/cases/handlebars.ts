// Handlebars template folders a template author can get wrong. Each row is a folder (file name → text) loaded
// with loadTemplateSet and rendered for one CR, as a worker does; load-time errors (syntax, helpers, partials)
// and render-time errors (helpers, output YAML, objects, limits) must name the file and line and say what to do.
import type { BadInput, Expectation } from '../corpus.ts';

export interface TemplateInput {
  /** The folder's files; `null` = the folder does not exist; a string = a file where the folder should be. */
  files: Record<string, string> | null | string;
  spec?: Record<string, unknown>;
  values?: Record<string, unknown>;
}

/** `renders`: no error, and the first object matches this (toMatchObject). */
export type TemplateExpect = Expectation | { renders: Record<string, unknown> };

export type TemplateRow = BadInput<TemplateInput, TemplateExpect>;

const HEAD = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{name}}-cm\n';
const at = (line: number, file = 'configmap.yaml'): RegExp =>
  new RegExp(`tpl/${file.replace('.', '\\.')}:${line}\\b`);
const cm = (body: string): Record<string, string> => ({ 'configmap.yaml': HEAD + body });
const ten = (name: string): string => Array.from({ length: 10 }, () => `*${name}`).join(', ');

const row = (
  id: string,
  title: string,
  input: TemplateInput,
  expect: TemplateExpect,
  finding?: string,
): TemplateRow => ({ id, category: 'handlebars', title, input, expect, ...(finding ? { finding } : {}) });

export const HANDLEBARS_ROWS: TemplateRow[] = [
  // Syntax: explained at the line of the mistake, with the fix.
  row(
    'hb-unclosed-block',
    'an {{#if}} that is never closed',
    { files: cm('data:\n{{#if spec.tls}}\n  tls: on\n') },
    {
      code: 'LZ_RENDER_TEMPLATE_SYNTAX',
      message: [at(6), /`\{\{#if spec\.tls\}\}` is never closed/, /add `\{\{\/if\}\}`/],
    },
  ),
  row(
    'hb-wrong-close',
    'a block closed with the wrong name',
    { files: cm('data:\n{{#if spec.tls}}\n  tls: on\n{{/each}}\n') },
    {
      code: 'LZ_RENDER_TEMPLATE_SYNTAX',
      message: [
        at(8),
        /`\{\{\/each\}\}` closes `\{\{#if spec\.tls\}\}` \(line 6\)/,
        /write `\{\{\/if\}\}` here/,
      ],
    },
  ),
  row(
    'hb-unclosed-expression',
    'an expression missing one closing brace',
    { files: cm('data:\n  a: {{spec.a}\n') },
    {
      code: 'LZ_RENDER_TEMPLATE_SYNTAX',
      message: [at(6), /`\{\{spec\.a\}` is not closed/, /add `\}\}`/],
    },
  ),
  row(
    'hb-else-alone',
    'an {{else}} outside any block',
    { files: cm('data:\n  a: b\n{{else}}\n  c: d\n') },
    {
      code: 'LZ_RENDER_TEMPLATE_SYNTAX',
      message: [at(7), /else/],
    },
  ),
  row(
    'hb-each-without-list',
    'an {{#each}} with nothing to loop over',
    { files: cm('data:\n{{#each}}\n  a: b\n{{/each}}\n') },
    {
      code: 'LZ_RENDER_TEMPLATE_SYNTAX',
      message: [at(6), /needs a list or mapping to loop over/, /\{\{#each spec\.items\}\}/],
    },
  ),
  row(
    'hb-if-two-values',
    'an {{#if}} given two values',
    { files: cm('data:\n{{#if spec.a spec.b}}\n  a: b\n{{/if}}\n'), spec: { a: 1, b: 2 } },
    { code: 'LZ_RENDER_TEMPLATE_SYNTAX', message: [at(6), /takes exactly one value/, /\(and a b\)/] },
  ),
  row(
    'hb-unknown-helper-typo',
    'a misspelt helper gets a "did you mean"',
    { files: cm('data:\n  a: {{defualt "x" spec.a}}\n') },
    {
      code: 'LZ_RENDER_UNKNOWN_HELPER',
      message: [at(6), /unknown helper "defualt"/, /did you mean "default"/],
    },
  ),
  row(
    'hb-unknown-helper',
    'a helper that does not exist points at the list',
    { files: cm('data:\n  a: {{frobnicate spec.a}}\n') },
    {
      code: 'LZ_RENDER_UNKNOWN_HELPER',
      message: [at(6), /unknown helper "frobnicate"/, /docs\/templates\.md/],
    },
  ),
  row(
    'hb-unknown-partial',
    'a partial that does not exist says how partials are named',
    { files: cm('data:\n  {{> lables}}\n') },
    {
      code: 'LZ_RENDER_UNKNOWN_PARTIAL',
      message: [at(6), /unknown partial "lables"/, /_lables\.hbs/],
    },
  ),
  row(
    'hb-partial-syntax',
    'a syntax error in a partial names the partial file',
    { files: { ...cm('data:\n  {{> labels}}\n'), '_labels.hbs': 'a: {{#if spec.x}}b\n' } },
    { code: 'LZ_RENDER_TEMPLATE_SYNTAX', message: [/tpl\/_labels\.hbs:1/, /never closed/] },
  ),
  row(
    'hb-partial-twice',
    'two files defining the same partial',
    { files: { ...cm('data: {}\n'), '_labels.hbs': 'a: b\n', '_labels.yaml': 'a: b\n' } },
    {
      code: 'LZ_RENDER_TEMPLATE_DIR',
      message: [
        /_labels\.yaml and .*_labels\.hbs|_labels\.hbs and .*_labels\.yaml/,
        /both define the partial "labels"/,
        /rename one/,
      ],
    },
  ),
  row(
    'hb-partial-recursion',
    'a partial that includes itself',
    { files: { ...cm('data:\n  {{> me}}\n'), '_me.hbs': 'a: {{> me}}\n' } },
    {
      code: 'LZ_RENDER_TOO_LARGE',
      message: [/tpl\/configmap\.yaml/, /recurse too deeply/, /partial that includes itself/],
    },
  ),

  // The folder itself.
  row(
    'hb-folder-missing',
    'a template folder that does not exist',
    { files: null },
    {
      code: 'LZ_RENDER_TEMPLATE_DIR',
      message: [/cannot read template folder .*\/tpl/, /no such folder/],
    },
  ),
  row(
    'hb-folder-is-file',
    'a file where the template folder should be',
    { files: 'just a file\n' },
    {
      code: 'LZ_RENDER_TEMPLATE_DIR',
      message: [/cannot read template folder .*\/tpl/, /not a folder/],
    },
  ),
  row(
    'hb-folder-empty',
    'a folder without templates (only a README)',
    { files: { 'README.md': '# nothing\n' } },
    {
      code: 'LZ_RENDER_TEMPLATE_DIR',
      message: [/tpl has no templates/, /\*\.yaml, \*\.yml or \*\.hbs/],
    },
  ),
  row(
    'hb-folder-only-partials',
    'a folder with only partials',
    { files: { '_labels.hbs': 'a: b\n' } },
    {
      code: 'LZ_RENDER_TEMPLATE_DIR',
      message: [/tpl has no templates/, /not starting with "_"/],
    },
  ),
  row(
    'hb-folder-too-many-files',
    'a folder with 201 templates (e.g. a repository root)',
    { files: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`t${i}.yaml`, 'a: b\n'])) },
    {
      code: 'LZ_RENDER_TEMPLATE_DIR',
      message: [/201 template files \(limit 200\)/, /is it the right folder\?/],
    },
  ),
  row(
    'hb-file-too-large',
    'a template file over 1 MiB',
    { files: { 'big.yaml': `${HEAD}data:\n  a: "${'x'.repeat(1024 * 1024)}"\n` } },
    { code: 'LZ_RENDER_TOO_LARGE', message: [/tpl\/big\.yaml/, /bytes \(limit 1048576\)/] },
  ),

  // Helpers that fail while rendering: the line of the call, also in loops and partials.
  row(
    'hb-required-missing',
    '`required` for a value the CR lacks',
    { files: cm('data:\n  size: {{required "spec.size is required" spec.size}}\n') },
    {
      code: 'LZ_RENDER_HELPER',
      message: [at(6), /spec\.size is required/],
    },
  ),
  row(
    'hb-required-in-loop',
    '`required` failing inside {{#each}} names the line in the loop',
    {
      files: cm(
        'data:\n{{#each spec.items}}\n  k{{@index}}: {{required "every item needs a name" this.name}}\n{{/each}}\n',
      ),
      spec: { items: [{ name: 'a' }, {}] },
    },
    { code: 'LZ_RENDER_HELPER', message: [at(7), /every item needs a name/] },
  ),
  row(
    'hb-required-in-partial',
    '`required` failing in a partial names the partial',
    {
      files: {
        ...cm('data:\n  {{> size}}\n'),
        '_size.hbs': '\nsize: {{required "spec.size is required" spec.size}}\n',
      },
    },
    { code: 'LZ_RENDER_HELPER', message: [/tpl\/_size\.hbs:2/, /spec\.size is required/] },
  ),
  row(
    'hb-b64dec-invalid',
    '`b64dec` of text that is not base64',
    { files: cm('data:\n  a: {{b64dec spec.secret}}\n'), spec: { secret: '%%% not base64' } },
    { code: 'LZ_RENDER_HELPER', message: [at(6), /b64dec: not base64/] },
  ),
  row(
    'hb-nan-value',
    'a NaN from config values (JSON cannot hold it)',
    { files: cm('data:\n  a: {{values.ratio}}\n'), values: { ratio: Number.NaN } },
    { code: 'LZ_RENDER_VALUE_TYPE', message: [at(6), /the number NaN/] },
  ),
  row(
    'hb-mapping-in-value',
    'a whole mapping inserted with {{…}}',
    { files: cm('data:\n  a: {{spec}}\n'), spec: { a: 1 } },
    {
      code: 'LZ_RENDER_VALUE_NOT_SCALAR',
      message: [at(6), /produced a mapping/, /\{\{toYaml …\}\} or \{\{json …\}\}/],
    },
  ),

  // The output's YAML.
  row(
    'hb-yaml-bomb',
    'output that expands aliases into 10,000 copies (billion laughs)',
    {
      files: cm(
        `spec:\n  l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n  l1: &l1 [${ten('l0')}]\n  l2: &l2 [${ten('l1')}]\n  l3: [${ten('l2')}]\n`,
      ),
    },
    {
      code: 'LZ_RENDER_YAML',
      message: [/tpl\/configmap\.yaml:\d+/, /YAML bomb/, /write the repeated values out/],
    },
  ),
  row(
    'hb-circular-alias',
    'output with an alias inside its own anchor',
    { files: cm('data: &d\n  self: *d\n') },
    {
      code: 'LZ_RENDER_YAML',
      message: [at(6), /the alias \*d refers to a node that contains it/, /write the value out/],
    },
  ),
  row(
    'hb-deep-flow',
    'output nested 5,000 levels deep (valid YAML, too deep to read)',
    { files: cm(`data:\n  a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`) },
    {
      code: 'LZ_RENDER_TOO_LARGE',
      message: [at(6), /nests mappings and lists too deeply/, /limit 100 levels/],
    },
  ),
  row(
    'hb-deep-block',
    'output nested 150 levels of block mappings',
    {
      files: cm(`spec:\n${Array.from({ length: 150 }, (_, i) => `${'  '.repeat(i + 1)}k:`).join('\n')} v\n`),
    },
    {
      code: 'LZ_RENDER_TOO_LARGE',
      message: [/tpl\/configmap\.yaml:\d+/, /spec\.k\.k\.k/, /deeper than 100 levels/],
    },
  ),
  row(
    'hb-duplicate-key',
    'the same key twice in a mapping',
    { files: cm('data:\n  a: x\n  a: y\n') },
    {
      code: 'LZ_RENDER_YAML',
      message: [at(7), /Map keys must be unique/, /" {2}a: y"/],
    },
  ),
  row(
    'hb-tabs',
    'a tab used for indentation',
    { files: cm('data:\n\ta: b\n') },
    {
      code: 'LZ_RENDER_YAML',
      message: [at(6), /Tabs are not allowed as indentation/],
    },
  ),
  row(
    'hb-unterminated-quote',
    'a quote that is never closed',
    { files: cm('data:\n  a: "open\n  b: c\n') },
    {
      code: 'LZ_RENDER_YAML',
      message: [/tpl\/configmap\.yaml:\d+/, /not valid YAML/, /quote/i],
    },
  ),

  // The objects.
  row(
    'hb-not-object',
    'a document that is a list',
    { files: { 'list.yaml': '- a\n- b\n' } },
    {
      code: 'LZ_RENDER_NOT_OBJECT',
      message: [/tpl\/list\.yaml:1/, /is a list, not a Kubernetes object/],
    },
  ),
  row(
    'hb-scalar-document',
    'a document that is plain text',
    { files: { 'text.yaml': 'just some text\n' } },
    {
      code: 'LZ_RENDER_NOT_OBJECT',
      message: [/tpl\/text\.yaml:1/, /not a Kubernetes object/],
    },
  ),
  row(
    'hb-no-kind',
    'an object without kind',
    { files: { 'x.yaml': 'apiVersion: v1\nmetadata:\n  name: x\n' } },
    {
      code: 'LZ_RENDER_INVALID_OBJECT',
      message: [/tpl\/x\.yaml:1/, /kind: required/, /e\.g\. ConfigMap/],
    },
  ),
  row(
    'hb-no-api-version',
    'an object without apiVersion',
    { files: { 'x.yaml': 'kind: ConfigMap\nmetadata:\n  name: x\n' } },
    {
      code: 'LZ_RENDER_INVALID_OBJECT',
      message: [/tpl\/x\.yaml:1/, /apiVersion/, /required/],
    },
  ),
  row(
    'hb-generate-name',
    'generateName instead of a name',
    { files: { 'x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: x-\n' } },
    {
      code: 'LZ_RENDER_INVALID_OBJECT',
      message: [/tpl\/x\.yaml:\d+/, /metadata\.name/, /generateName is not supported/],
    },
  ),
  row(
    'hb-bad-name',
    'an invalid object name',
    { files: { 'x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n' } },
    {
      code: 'LZ_RENDER_INVALID_OBJECT',
      message: [/tpl\/x\.yaml:4/, /metadata\.name "Bad_Name" is not a valid name/, /lower-case letters/],
    },
  ),
  row(
    'hb-label-number',
    'a label value that is a number',
    { files: cm('  labels:\n    version: 1\n') },
    {
      code: 'LZ_RENDER_INVALID_OBJECT',
      message: [at(6), /metadata\.labels\.version must be a string, got 1/, /quote it: "1"/],
    },
  ),
  row(
    'hb-annotation-map',
    'an annotation value that is a mapping',
    { files: cm('  annotations:\n    note: { a: 1 }\n') },
    {
      code: 'LZ_RENDER_INVALID_OBJECT',
      message: [at(6), /metadata\.annotations\.note must be a string/],
    },
  ),
  row(
    'hb-duplicate-object',
    'the same object rendered twice',
    { files: { 'a.yaml': HEAD, 'b.yaml': HEAD } },
    {
      code: 'LZ_RENDER_DUPLICATE_OBJECT',
      message: [/tpl\/b\.yaml:\d+/, /ConfigMap n-cm is rendered twice/, /also at tpl\/a\.yaml:\d+/],
    },
  ),

  // Limits while rendering.
  row(
    'hb-loop-bomb',
    'a loop over a 20,000-item CR list',
    {
      files: cm('data:\n{{#each spec.items}}\n  k{{@index}}: "{{this}}"\n{{/each}}\n'),
      spec: { items: Array.from({ length: 20_000 }, (_, i) => i) },
    },
    { code: 'LZ_RENDER_TOO_LARGE', message: [at(6), /loops ran more than 10000 times/, /too long/] },
  ),
  row(
    'hb-nested-loops',
    'nested loops multiplying 200 × 200 items',
    {
      files: cm(
        'data:\n{{#each spec.rows}}\n{{#each @root.spec.cols}}\n  k{{@../index}}x{{@index}}: "{{this}}"\n{{/each}}\n{{/each}}\n',
      ),
      spec: {
        rows: Array.from({ length: 200 }, (_, i) => i),
        cols: Array.from({ length: 200 }, (_, i) => i),
      },
    },
    // Whichever bound trips first: 40,000 iterations, or the text they produce.
    {
      code: 'LZ_RENDER_TOO_LARGE',
      message: [at(6), /loops (ran more than 10000 times|produced more than 2\.0 MiB)/],
    },
  ),
  row(
    'hb-output-too-large',
    'a loop writing more than 2 MiB of raw text ({{{…}}})',
    {
      files: cm('data:\n{{#each spec.items}}\n  k{{@index}}: "{{{../spec.pad}}}{{this}}"\n{{/each}}\n'),
      spec: { items: Array.from({ length: 5000 }, (_, i) => i), pad: 'p'.repeat(900) },
    },
    { code: 'LZ_RENDER_TOO_LARGE', message: [at(6), /produced more than 2\.0 MiB of text/, /too long/] },
  ),

  // What templates cannot reach.
  row(
    'hb-prototype-access',
    '{{spec.constructor}} and {{lookup spec "__proto__"}} render nothing',
    { files: cm('data:\n  a: "{{spec.constructor}}"\n  b: "{{lookup spec "__proto__"}}"\n'), spec: { x: 1 } },
    { renders: { data: { a: '', b: '' } } },
  ),

  // Helm idioms the docs say work with CR strings.
  row(
    'hb-indent-block',
    '`{{indent 4 spec.text}}` on its own line inside a block scalar renders the CR text as the block',
    { files: cm('data:\n  text: |\n{{indent 4 spec.text}}\n'), spec: { text: 'hello\nworld' } },
    { renders: { data: { text: 'hello\nworld\n' } } },
  ),
  row(
    'hb-nindent-block-header',
    '`text: |{{nindent 4 spec.text}}` (the Helm idiom) renders the CR text as the block',
    { files: cm('data:\n  text: |{{nindent 4 spec.text}}\n'), spec: { text: 'hello\nworld' } },
    { renders: { data: { text: 'hello\nworld\n' } } },
  ),
  row(
    'hb-nindent-block-injection',
    '`text: |{{nindent 4 spec.text}}` with "---" and a Secret in the text: still one block value, nothing added',
    {
      files: cm('data:\n  text: |{{nindent 4 spec.text}}\n  after: fixed\n'),
      spec: { text: 'a\n---\nkind: Secret\n  more: x\nb: c' },
    },
    { renders: { data: { text: 'a\n---\nkind: Secret\n  more: x\nb: c\n', after: 'fixed' } } },
  ),
  row(
    'hb-indent-after-block-header',
    '`text: |{{indent 4 spec.text}}` (indent, not nindent, on the header line) names the line and hides the value',
    { files: cm('data:\n  text: |{{indent 4 spec.text}}\n'), spec: { text: 'hello' } },
    {
      code: 'LZ_RENDER_YAML',
      message: [
        at(6),
        /Block scalar header includes extra characters: \|\{\{…\}\}/,
        /write `\|\{\{nindent 4 value\}\}`/,
      ],
    },
  ),
];
