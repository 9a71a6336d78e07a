import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { docs, runLostromos } from '../cli/run-cli-process.js';
import { installHelm } from '../support/helm.js';

const CHARTS = path.resolve(import.meta.dirname, '../fixtures/charts');
const env = Object.fromEntries(
  Object.keys(process.env)
    .filter((k) => k.startsWith('LOSTROMOS_'))
    .map((k) => [k, '']),
);
let helm: string;

function tmp(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-cli-chart-'));
  for (const [n, t] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, n)), { recursive: true });
    fs.writeFileSync(path.join(dir, n), t);
  }
  return dir;
}

const CR =
  'apiVersion: crew.example.io/v1\nkind: CrewMember\nmetadata:\n  name: ripley\n  uid: u-9\nspec:\n  By: Ridley Scott\n  From: Alien\n  Ship: Nostromo\n';

/** `lostromos render --chart CHART --cr CR_FILE --helm-binary BIN [extra…]` through the built CLI. */
function renderChart(
  chart: string,
  crFile: string,
  opts: { extra?: string[]; helmBinary?: string } = {},
): ReturnType<typeof runLostromos> {
  return runLostromos(
    [
      'render',
      '--chart',
      chart,
      '--cr',
      crFile,
      ...(opts.extra ?? []),
      '--helm-binary',
      opts.helmBinary ?? helm,
    ],
    { env },
  );
}

beforeAll(() => {
  helm = installHelm();
});

describe('lostromos render --chart', () => {
  it('renders a chart folder object by object, decorated like Handlebars output', async () => {
    const dir = tmp({ 'cr.yaml': CR, 'values.yaml': 'replicaCount: 4\n' });
    const r = await renderChart(path.join(CHARTS, 'crew'), path.join(dir, 'cr.yaml'), {
      extra: ['--values', path.join(dir, 'values.yaml')],
    });
    expect(r.code).toBe(0);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'lostromos render: note: skipped Helm hook Job/ripley-crew-welcome (hooks are not applied; see docs/helm-mode.md)',
      expect.stringMatching(
        /^lostromos render: note: with the default allow policy: .*crewbadges.* is cluster-scoped .*allow\.clusterScoped: true/,
      ),
    ]);
    const out = docs(r.stdout);
    expect(out.map((o) => `${String(o.kind)}/${String((o.metadata as { name: string }).name)}`)).toEqual([
      'CustomResourceDefinition/crewbadges.crew.example.io',
      'ConfigMap/ripley-ship',
      'Service/ripley-crew',
      'Deployment/ripley-crew',
    ]);
    const crd = out[0]!.metadata as Record<string, unknown>;
    expect(crd.namespace).toBeUndefined();
    expect(crd.ownerReferences).toBeUndefined();
    const dep = out[3] as { metadata: Record<string, unknown>; spec: { replicas: number } };
    expect(dep.spec.replicas).toBe(4);
    expect(dep.metadata.namespace).toBe('default');
    expect(dep.metadata.labels).toMatchObject({
      'app.kubernetes.io/instance': 'lostromos-ripley',
      'helm.sh/chart': 'crew-0.1.0',
      'app.kubernetes.io/managed-by': 'lostromos',
      'lostromos.io/resource': 'crew',
      'lostromos.io/owner-uid': 'u-9',
    });
    expect(dep.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'CrewMember', name: 'ripley', uid: 'u-9' }),
    ]);
  });

  it('renders the packaged .tgz identically', async () => {
    const dir = tmp({ 'cr.yaml': CR });
    const a = await renderChart(path.join(CHARTS, 'crew'), path.join(dir, 'cr.yaml'));
    const b = await renderChart(path.join(CHARTS, 'crew-0.1.0.tgz'), path.join(dir, 'cr.yaml'));
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('a broken chart exits 1 with helm’s message first', async () => {
    const dir = tmp({
      'cr.yaml': CR,
      'broken/Chart.yaml': 'apiVersion: v2\nname: broken\nversion: 0.1.0\n',
      'broken/templates/x.yaml': 'kind: {{ .Values.resource.spec.By | nosuchfunc }}\n',
    });
    const r = await renderChart(path.join(dir, 'broken'), path.join(dir, 'cr.yaml'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toMatch(
      /^lostromos render: broken\/templates\/x\.yaml:1: helm template broken failed: .*function "nosuchfunc" not defined/,
    );
    expect(r.stderr).toContain('(error code LZ_HELM_CHART');
  });

  it('without --helm-binary and no helm on PATH, finds the helm `npm run helm:install` put in .tools/', async () => {
    expect(helm).toBe(path.resolve(import.meta.dirname, '../../.tools/helm/helm'));
    const dir = tmp({ 'cr.yaml': CR });
    const r = await runLostromos(
      ['render', '--chart', path.join(CHARTS, 'crew'), '--cr', path.join(dir, 'cr.yaml')],
      // A PATH with node but no helm, and no helm.binary from the environment.
      { env: { ...env, PATH: path.dirname(process.execPath) } },
    );
    expect(r.stderr).not.toContain('helm not found');
    expect(r.code).toBe(0);
    expect(docs(r.stdout).map((d) => d.kind)).toContain('ConfigMap');
  });

  it('no helm exits 1 with the install hint', async () => {
    const dir = tmp({ 'cr.yaml': CR });
    const r = await renderChart(path.join(CHARTS, 'crew'), path.join(dir, 'cr.yaml'), {
      helmBinary: '/nonexistent/helm',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toContain(
      'helm not found (no file /nonexistent/helm): install helm >= 3.10',
    );
  });
});
