import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResourceConfig } from '@lostromos/config';
import {
  createHelmRenderer,
  isRenderError,
  type HelmChartRenderer,
  type KubeObject,
} from '@lostromos/render';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { condition, startHarness, type Harness } from '../controller/harness.js';
import { installHelm } from '../support/helm.js';
import { waitFor } from '../support/index.js';

// Issue 13 item 1: a chart writing `{{ .Values.resource.spec.x }}` without `quote` let a CR author inject a
// RoleBinding to ClusterRole admin while the CR said Reconciled=True. Lostrómos renders such CRs a second
// time with inert stand-ins for their strings and refuses any output whose structure differs (see
// docs/helm-mode.md). First with the real helm binary alone, then end to end on the real API server.

const CHART = path.resolve(import.meta.dirname, '../fixtures/charts/unquoted');

/** A value that closes the ConfigMap and adds a RoleBinding granting `admin` to mallory. */
const ROLE_BINDING_INJECTION = [
  'hello',
  '---',
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: RoleBinding',
  'metadata:',
  '  name: pwned',
  'roleRef:',
  '  apiGroup: rbac.authorization.k8s.io',
  '  kind: ClusterRole',
  '  name: admin',
  'subjects:',
  '- kind: User',
  '  name: mallory',
  '  apiGroup: rbac.authorization.k8s.io',
].join('\n');

function resource(helm: ResourceConfig['helm']): ResourceConfig {
  return {
    name: 'notes',
    group: 'crew.example.io',
    version: 'v1',
    plural: 'crewmembers',
    namespace: '',
    labelSelector: '',
    filterAnnotation: '',
    helm,
    values: {},
    resyncSeconds: 0,
    concurrency: 1,
    allow: { namespaces: [], clusterScoped: false, kinds: [] },
  };
}

const cr = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'crew.example.io/v1',
  kind: 'CrewMember',
  metadata: { name, namespace: 'team-a', uid: `uid-${name}` },
  spec,
});

async function renderError(r: HelmChartRenderer, obj: KubeObject): Promise<Error & { code?: string }> {
  try {
    await r.render(obj);
  } catch (err) {
    if (isRenderError(err)) return err;
    throw err;
  }
  throw new Error(`expected ${obj.metadata.name ?? ''} to be refused`);
}

describe('helm mode: a CR value cannot change the structure of the chart output (real helm)', () => {
  let r: HelmChartRenderer;
  beforeAll(async () => {
    const helm = { binary: installHelm(), timeoutSeconds: 60, maxConcurrent: 4 };
    r = await createHelmRenderer(resource({ chart: CHART, values: {} }), {
      helm,
      cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'lz-inj-')),
    });
  });

  it('renders plain values unchanged, also when the chart transforms or compares them', async () => {
    const [cm] = await r.render(cr('good', { note: "Dan O'Bannon", version: 'v2', tier: 'gold' }));
    expect(cm!.data).toEqual({
      version: 'v2',
      quoted: "Dan O'Bannon",
      shout: "DAN O'BANNON",
      tier: 'gold',
      note: "Dan O'Bannon",
    });
    // A lossless number stays helm's business: "3" unquoted is 3, as with `helm install`.
    expect((await r.render(cr('n', { note: 'x', version: '3' })))[0]!.data).toMatchObject({ version: 3 });
  });

  it('refuses a value that adds a document (the RoleBinding attack), naming the field and the fix', async () => {
    const err = await renderError(r, cr('evil', { note: ROLE_BINDING_INJECTION }));
    expect(err.code).toBe('LZ_RENDER_INJECTION');
    expect(err.message).toContain("the CR's spec.note changes the structure of chart unquoted's output");
    expect(err.message).toContain('an extra document RoleBinding/pwned');
    expect(err.message).toContain('`{{ .Values.resource.spec.note | quote }}`');
    expect(err.message).toContain('unquoted/templates/configmap.yaml');
  });

  it.each([
    ['adds a key', 'hello\n  extra: injected', /data\.extra added/],
    ['breaks the YAML', 'a: b', /breaks the YAML/],
    ['turns into a list', '[admin, edit]', /is a list instead of one value/],
    ['turns into a mapping', '{verbs: ["*"]}', /is a mapping instead of one value/],
  ])('refuses a value that %s', async (_what, note, message) => {
    const err = await renderError(r, cr('bad', { note, version: 'v1' }));
    expect(err.code).toBe('LZ_RENDER_INJECTION');
    expect(err.message).toMatch(message);
  });

  // Issue 13 item 4 in Helm mode: unquoted, these strings vanished or changed while the CR said Ready.
  it.each([
    ['null', /is null/],
    ['~', /is null/],
    ['1.10', /is 1\.1\b/],
    ['0x1F', /is 31/],
    ['1e3', /is 1000/],
    ['True', /is true/],
  ])('refuses a string that YAML would read as another value: %j', async (version, what) => {
    const err = await renderError(r, cr('typed', { note: 'x', version }));
    expect(err.code).toBe('LZ_RENDER_VALUE_TYPE');
    expect(err.message).toMatch(what);
    expect(err.message).toContain("the CR's spec.version is a string");
    expect(err.message).toContain('`{{ .Values.resource.spec.version | quote }}`');
  });

  it.each(['.nan', '.inf', '1e309'])('refuses %j, which JSON cannot hold', async (version) => {
    const err = await renderError(r, cr('typed', { note: 'x', version }));
    expect(['LZ_RENDER_INJECTION', 'LZ_RENDER_VALUE_TYPE']).toContain(err.code);
    expect(err.message).toContain('spec.version');
  });

  it('refuses when the chart fails with the stand-ins (it tests the text), pointing at checkValues', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-inj-chart-'));
    fs.mkdirSync(path.join(dir, 'templates'));
    fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: strict\nversion: 0.1.0\n');
    fs.writeFileSync(
      path.join(dir, 'templates', 'cm.yaml'),
      [
        '{{- if not (regexMatch "^[0-9.]+$" .Values.resource.spec.version) }}{{ fail "version must be digits" }}{{ end }}',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: {{ .Values.resource.name }}',
        'data:',
        '  version: {{ .Values.resource.spec.version | quote }}',
        '',
      ].join('\n'),
    );
    const helm = { binary: installHelm(), timeoutSeconds: 60, maxConcurrent: 4 };
    const strict = await createHelmRenderer(resource({ chart: dir, values: {} }), { helm });
    const err = await renderError(strict, cr('v', { version: '1.10' }));
    expect(err.code).toBe('LZ_RENDER_INJECTION');
    expect(err.message).toContain(
      "chart strict fails with neutral stand-ins in place of the CR's spec.version",
    );
    expect(err.message).toContain('resources[name=notes].helm.checkValues: false');
    const trusting = await createHelmRenderer(resource({ chart: dir, values: {}, checkValues: false }), {
      helm,
    });
    expect((await trusting.render(cr('v', { version: '1.10' })))[0]!.data).toEqual({ version: '1.10' });
  });

  it('with helm.checkValues: false the chart is trusted to quote (no second render)', async () => {
    const unchecked = await createHelmRenderer(resource({ chart: CHART, values: {}, checkValues: false }), {
      helm: { binary: installHelm(), timeoutSeconds: 60, maxConcurrent: 4 },
      cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'lz-inj-')),
    });
    const objs = await unchecked.render(cr('evil', { note: ROLE_BINDING_INJECTION }));
    expect(objs.map((o) => o.kind)).toEqual(['ConfigMap', 'RoleBinding']);
  });
});

describe('helm mode end to end: the injected RoleBinding is never created (real API server)', () => {
  let h: Harness;
  const crd = (plural: string, kind: string, group: string): string =>
    JSON.stringify({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.${group}` },
      spec: {
        scope: 'Namespaced',
        group,
        names: { kind, plural, singular: kind.toLowerCase() },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    });
  const note = (kind: string, group: string, name: string, spec: Record<string, unknown>): string =>
    JSON.stringify({ apiVersion: `${group}/v1`, kind, metadata: { name, namespace: 'team-a' }, spec });
  const failedCondition = async (plural: string, group: string, name: string) =>
    waitFor(
      async () => {
        const c = condition(await h.get(`${group}/v1`, plural, 'team-a', name), 'Reconciled');
        return c?.status === 'False' ? c : undefined;
      },
      { timeoutMs: 60_000, what: `${name} Reconciled=False` },
    );

  beforeAll(async () => {
    const helm = installHelm();
    h = await startHarness({ prefix: 'helm-inj' });
    // Two resources on the same chart: the default (checked), and one with the check off, where the allow
    // policy is the second line of defence (RBAC kinds need naming in allow.kinds).
    fs.writeFileSync(
      h.configFile,
      fs.readFileSync(h.configFile, 'utf8').replace(/^resources:[\s\S]*$/m, '')
        .concat(`helm: { binary: ${helm}, timeoutSeconds: 60, maxConcurrent: 2 }
dashboard: { address: "127.0.0.1:0", auth: { mode: none } }
resources:
  - name: notes
    group: inj.example.io
    version: v1
    plural: notes
    helm: { chart: ${CHART} }
  - name: trusted
    group: inj.example.io
    version: v1
    plural: trustednotes
    helm: { chart: ${CHART}, checkValues: false }
`),
    );
    await h.apply(crd('notes', 'Note', 'inj.example.io'));
    await h.apply(crd('trustednotes', 'TrustedNote', 'inj.example.io'));
    await h.kubectl('create', 'namespace', 'team-a');
    await waitFor(() => h.kubectl('get', 'notes,trustednotes', '-A').then(() => true), {
      timeoutMs: 30_000,
      what: 'CRDs served',
    });
    await h.start('all');
  });

  afterAll(async () => {
    await h?.close();
  });

  it('refuses the CR with a clear status and applies nothing; a benign CR beside it reconciles', async () => {
    await h.apply(note('Note', 'inj.example.io', 'evil', { note: ROLE_BINDING_INJECTION }));
    await h.apply(note('Note', 'inj.example.io', 'typed', { note: 'ok', version: '1.10' }));
    await h.apply(note('Note', 'inj.example.io', 'good', { note: 'Ripley: captain', version: 'v2' }));

    const evil = await failedCondition('notes', 'inj.example.io', 'evil');
    expect(evil.reason).toBe('RenderFailed');
    expect(evil.message).toContain("the CR's spec.note changes the structure of chart unquoted's output");
    expect(evil.message).toContain('an extra document RoleBinding/pwned');
    const ready = condition(await h.get('inj.example.io/v1', 'notes', 'team-a', 'evil'), 'Ready');
    expect(ready?.status).toBe('False');

    const typed = await failedCondition('notes', 'inj.example.io', 'typed');
    expect(typed.message).toContain('YAML reads it as another value');
    expect(typed.message).toContain('1.1');

    // "Ripley: captain" unquoted is not even YAML: refused, named as a CR value breaking the chart's YAML.
    const good = await failedCondition('notes', 'inj.example.io', 'good');
    expect(good.message).toMatch(/breaks the YAML of chart unquoted/);
    await h.apply(note('Note', 'inj.example.io', 'good', { note: 'Ripley the captain', version: 'v2' }));
    await h.kubectl('wait', '--for=condition=Ready', '-n', 'team-a', 'note/good', '--timeout=60s');
    expect((await h.get('v1', 'configmaps', 'team-a', 'good-note'))?.data).toMatchObject({
      note: 'Ripley the captain',
      version: 'v2',
    });

    expect(await h.get('rbac.authorization.k8s.io/v1', 'rolebindings', 'team-a', 'pwned')).toBeUndefined();
    expect(await h.get('v1', 'configmaps', 'team-a', 'evil-note')).toBeUndefined();
    expect(await h.get('v1', 'configmaps', 'team-a', 'typed-note')).toBeUndefined();
  });

  it('with the check off, the default allow policy still refuses the RoleBinding', async () => {
    await h.apply(note('TrustedNote', 'inj.example.io', 'evil', { note: ROLE_BINDING_INJECTION }));
    const c = await failedCondition('trustednotes', 'inj.example.io', 'evil');
    expect(c.reason).toBe('PolicyViolation');
    expect(c.message).toContain('RoleBinding team-a/pwned: a RoleBinding grants permissions');
    expect(c.message).toContain('resources[name=trusted].allow.kinds');
    expect(await h.get('rbac.authorization.k8s.io/v1', 'rolebindings', 'team-a', 'pwned')).toBeUndefined();
  });
});
