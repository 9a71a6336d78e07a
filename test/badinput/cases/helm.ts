// Helm charts as a template source, with the real helm binary: a broken chart, a chart that fails, a missing
// chart or binary, and — the contract the render layer guarantees — a chart that writes CR values without `quote`
// cannot be used to inject documents, keys or structure: the CR is refused with a clear error instead.
import type { BadInput } from '../corpus.ts';

export interface HelmInput {
  /** A chart of fixtures/files.ts CHARTS (folder or archive name), or a path that does not exist. */
  chart: string;
  spec?: Record<string, unknown>;
  /** helm.binary (default: the repository's helm); `bin/…` are fakes the test writes (helm.test.ts). */
  binary?: string;
  valuesFrom?: string[];
}

export type HelmRow = BadInput<HelmInput>;

/** A value that ends the ConfigMap and adds a RoleBinding granting ClusterRole admin to mallory. */
export const ROLE_BINDING_INJECTION = [
  'hello',
  '---',
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: RoleBinding',
  'metadata:',
  '  name: pwned',
  'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin }',
  'subjects: [{ kind: User, name: mallory, apiGroup: rbac.authorization.k8s.io }]',
].join('\n');

const FIX = /quote|toYaml/;
const DOCS = /docs\/helm-mode\.md/;

const row = (
  id: string,
  title: string,
  input: HelmInput,
  expect: HelmRow['expect'],
  finding?: string,
): HelmRow => ({
  id,
  category: 'helm',
  title,
  input,
  expect,
  ...(finding ? { finding } : {}),
});

export const HELM_ROWS: HelmRow[] = [
  // Injection through unquoted values: refused, never applied.
  row(
    'helm-inject-document',
    'a CR value that adds a RoleBinding document through an unquoted value',
    { chart: 'unquoted', spec: { note: ROLE_BINDING_INJECTION } },
    {
      code: 'LZ_RENDER_INJECTION',
      message: [
        /refused/,
        /spec\.note changes the structure of chart unquoted's output/,
        /RoleBinding\/pwned/,
        FIX,
        DOCS,
      ],
    },
  ),
  row(
    'helm-inject-key',
    'a CR value that adds a key ("x\\n  extra: y")',
    { chart: 'unquoted', spec: { note: 'x\n  extra: y' } },
    {
      code: 'LZ_RENDER_INJECTION',
      message: [/unquoted\/templates\/configmap\.yaml/, /spec\.note/, /data\.extra added/, FIX, DOCS],
    },
  ),
  row(
    'helm-inject-flow-map',
    'a CR value that turns a scalar into a mapping ("{admin: true}")',
    { chart: 'unquoted', spec: { note: '{admin: true}' } },
    {
      code: 'LZ_RENDER_INJECTION',
      message: [/spec\.note/, /data\.note of ConfigMap\/m-note is a mapping instead of one value/, FIX],
    },
  ),
  row(
    'helm-inject-breaks-yaml',
    'a CR value that makes the output invalid YAML ("a: b: c")',
    { chart: 'unquoted', spec: { note: 'a: b: c' } },
    {
      code: 'LZ_RENDER_INJECTION',
      message: [/spec\.note/, /YAML|structure/, FIX, DOCS],
    },
  ),
  row(
    'helm-value-type-version',
    '"1.10" written unquoted would become 1.1',
    { chart: 'unquoted', spec: { version: '1.10', note: 'n' } },
    {
      code: 'LZ_RENDER_VALUE_TYPE',
      message: [
        /spec\.version is a string/,
        /"1\.10" reads as 1\.1/,
        /Quote it in the chart: `\{\{ \.Values\.resource\.spec\.version \| quote \}\}`/,
      ],
    },
  ),
  row(
    'helm-value-type-null',
    '"null" written unquoted would make the key vanish',
    { chart: 'unquoted', spec: { version: 'null', note: 'n' } },
    {
      code: 'LZ_RENDER_VALUE_TYPE',
      message: [/spec\.version/, /"null" reads as null/, /the key would vanish or change/],
    },
  ),

  // Broken or unusable charts.
  row(
    'helm-template-syntax',
    'a chart template with an unclosed action',
    { chart: 'broken', spec: { note: 'x' } },
    {
      code: 'LZ_HELM_CHART',
      message: [/broken\/templates\/configmap\.yaml:\d+/, /unclosed action/],
    },
  ),
  row(
    'helm-required',
    "a chart's `required` for a value the CR lacks",
    { chart: 'fails', spec: {} },
    {
      code: 'LZ_HELM_CHART',
      message: [/fails\/templates\/configmap\.yaml:6/, /spec\.size is required: set spec\.size in the CR/],
    },
  ),
  row(
    'helm-nameless-object',
    'a chart rendering an object without metadata.name',
    { chart: 'nameless', spec: { note: 'x' } },
    {
      code: 'LZ_RENDER_INVALID_OBJECT',
      message: [
        /nameless\/templates\/configmap\.yaml/,
        /metadata\.name: required/,
        /generateName is not supported/,
      ],
    },
  ),
  row(
    'helm-no-chart-yaml',
    'a chart folder without Chart.yaml',
    { chart: 'no-chart-yaml' },
    {
      code: 'LZ_HELM_CHART_SOURCE',
      message: [/chart .*no-chart-yaml/, /no Chart\.yaml/, /is it a Helm chart folder\?/],
    },
  ),
  row(
    'helm-chart-missing',
    'a chart path that does not exist',
    { chart: 'does-not-exist' },
    {
      code: 'LZ_HELM_CHART_SOURCE',
      message: [/chart .*does-not-exist: no such folder or file/, /local charts are folders or \.tgz files/],
    },
  ),
  row(
    'helm-chart-corrupt',
    'a .tgz that is not an archive',
    { chart: 'corrupt-0.1.0.tgz' },
    {
      code: 'LZ_HELM_CHART_SOURCE',
      message: [/chart .*corrupt-0\.1\.0\.tgz/, /not a gzip archive/],
    },
  ),
  row(
    'helm-binary-missing',
    'helm.binary that does not exist',
    { chart: 'fails', binary: '/nonexistent/helm' },
    {
      code: 'LZ_HELM_BINARY',
      message: [
        /helm not found \(no file \/nonexistent\/helm\)/,
        /install helm >= 3\.10/,
        /helm\.binary/,
        /npm run helm:install/,
      ],
    },
  ),
  row(
    'helm-binary-not-executable',
    'helm.binary that is not executable',
    { chart: 'fails', binary: 'bin/not-executable' },
    {
      code: 'LZ_HELM_BINARY',
      message: [/bin\/not-executable is not executable/, /install helm >= 3\.10/],
    },
  ),
  row(
    'helm-binary-not-helm',
    'helm.binary that is some other program',
    { chart: 'fails', binary: 'bin/not-helm' },
    {
      code: 'LZ_HELM_BINARY',
      message: [/bin\/not-helm/, /version/, /install helm >= 3\.10/, /helm\.binary/],
    },
  ),
  row(
    'helm-values-from-missing',
    'a valuesFrom file that does not exist names the field',
    { chart: 'fails', valuesFrom: ['/nonexistent/values.yaml'] },
    {
      code: 'LZ_HELM_VALUES',
      message: [
        /values file \/nonexistent\/values\.yaml \(resources\[name=notes\]\.helm\.valuesFrom\[0\]\): no such file/,
        /create it, or fix or remove the entry in resources\[name=notes\]\.helm\.valuesFrom/,
      ],
      absent: [/ENOENT/],
    },
  ),
];
