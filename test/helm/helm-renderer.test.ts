import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResourceConfig } from '@lostromos/config';
import {
  ConcurrencyLimiter,
  createHelmRenderer,
  createResourceRenderer,
  isRenderError,
  type KubeObject,
} from '@lostromos/render';
import { beforeAll, describe, expect, it } from 'vitest';
import { installHelm } from '../support/helm.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/charts');
const CHART_DIR = path.join(FIXTURES, 'crew');
const CHART_TGZ = path.join(FIXTURES, 'crew-0.1.0.tgz');

let helmBin: string;
const helmCfg = (over: Partial<{ binary: string; timeoutSeconds: number; maxConcurrent: number }> = {}) => ({
  binary: helmBin,
  timeoutSeconds: 30,
  maxConcurrent: 2,
  ...over,
});

function resource(helm: ResourceConfig['helm'], values: Record<string, unknown> = {}): ResourceConfig {
  return {
    name: 'crew',
    group: 'crew.example.io',
    version: 'v1',
    plural: 'crewmembers',
    namespace: '',
    labelSelector: '',
    filterAnnotation: '',
    helm,
    values,
    resyncSeconds: 0,
    concurrency: 1,
    allow: { namespaces: [], clusterScoped: false, kinds: [] },
  };
}

const RIPLEY: KubeObject = {
  apiVersion: 'crew.example.io/v1',
  kind: 'CrewMember',
  metadata: { name: 'ripley', namespace: 'nostromo', uid: 'uid-1' },
  spec: { By: 'Ridley Scott', From: 'Alien', Ship: 'Nostromo' },
};

function byKind(objs: KubeObject[]): Record<string, KubeObject> {
  return Object.fromEntries(objs.map((o) => [o.kind, o]));
}

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

beforeAll(() => {
  helmBin = installHelm();
});

describe('helm mode renders a chart with the real helm binary', () => {
  it('renders every template with the CR as .Values.resource and .Values.cr, CRDs first, hooks and tests left out', async () => {
    const r = await createHelmRenderer(resource({ chart: CHART_DIR, values: {} }), {
      helm: helmCfg(),
      cacheDir: tmp('lz-cache-'),
    });
    const { objects, skippedHooks } = await r.renderDetailed(RIPLEY);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'CustomResourceDefinition/crewbadges.crew.example.io',
      'ConfigMap/ripley-ship',
      'Service/ripley-crew',
      'Deployment/ripley-crew',
    ]);
    expect(skippedHooks.sort()).toEqual(['Job/ripley-crew-welcome']);
    const k = byKind(objects);
    expect(k.ConfigMap!.data).toEqual({ ship: 'Nostromo', from: 'Alien' });
    const dep = k.Deployment!;
    expect(dep.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'crew',
      'app.kubernetes.io/instance': 'lostromos-ripley',
      'app.kubernetes.io/version': '1.4.2',
      'helm.sh/chart': 'crew-0.1.0',
    });
    expect(dep.metadata.annotations).toEqual({ 'crew.example.io/release-namespace': 'nostromo' });
    const spec = dep.spec as {
      replicas: number;
      template: {
        metadata: { labels: Record<string, string> };
        spec: { containers: { image: string; env: { name: string; value: string }[] }[] };
      };
    };
    expect(spec.replicas).toBe(1);
    expect(spec.template.metadata.labels.author).toBe('Ridley-Scott');
    expect(spec.template.spec.containers[0]!.image).toBe('nginx:alpine');
    expect(spec.template.spec.containers[0]!.env).toEqual([
      { name: 'GREETING', value: 'hello from the chart' },
      { name: 'CR_UID', value: 'uid-1' },
    ]);
  });

  it('merges values: chart defaults < valuesFrom < config values < the CR', async () => {
    const dir = tmp('lz-values-');
    fs.writeFileSync(
      path.join(dir, 'a.yaml'),
      'image: { tag: from-file }\ngreeting: from-file\nservice: { port: 8080 }\n',
    );
    const r = await createHelmRenderer(
      resource(
        {
          chart: CHART_DIR,
          values: { greeting: 'from-helm-values' },
          valuesFrom: [path.join(dir, 'a.yaml')],
        },
        { replicaCount: 3, resource: { name: 'spoofed' } },
      ),
      { helm: helmCfg(), cacheDir: tmp('lz-cache-') },
    );
    const k = byKind(await r.render({ ...RIPLEY, spec: { By: 'x' } }));
    const spec = k.Deployment!.spec as {
      replicas: number;
      template: { spec: { containers: { image: string; env: { value: string }[] }[] } };
    };
    expect(spec.replicas).toBe(3);
    expect(spec.template.spec.containers[0]!.image).toBe('nginx:from-file');
    expect(spec.template.spec.containers[0]!.env[0]!.value).toBe('from-helm-values');
    expect((k.Service!.spec as { ports: { port: number }[] }).ports[0]!.port).toBe(8080);
    // The CR wins over config values, even for `resource`.
    expect(k.Deployment!.metadata.name).toBe('ripley-crew');
    expect(k.ConfigMap).toBeUndefined();
  });

  it('names the release <prefix>-<cr name>, or a fixed releaseName; the namespace is the CR’s', async () => {
    const cache = tmp('lz-cache-');
    const prefixed = await createHelmRenderer(
      resource({ chart: CHART_DIR, values: {}, releasePrefix: 'team' }),
      { helm: helmCfg(), cacheDir: cache },
    );
    expect(
      byKind(await prefixed.render(RIPLEY)).Deployment!.metadata.labels!['app.kubernetes.io/instance'],
    ).toBe('team-ripley');
    const fixed = await createHelmRenderer(
      resource({ chart: CHART_DIR, values: {}, releaseName: 'shared' }),
      { helm: helmCfg(), cacheDir: cache },
    );
    const dep = byKind(await fixed.render({ ...RIPLEY, metadata: { name: 'dallas' } })).Deployment!;
    expect(dep.metadata.labels!['app.kubernetes.io/instance']).toBe('shared');
    // A cluster-scoped CR renders into "default" rather than whatever a kubeconfig says.
    expect(dep.metadata.annotations!['crew.example.io/release-namespace']).toBe('default');
  });

  it('renders a packaged .tgz like the folder, unpacking it once per content', async () => {
    const cache = tmp('lz-cache-');
    const fromDir = await (
      await createHelmRenderer(resource({ chart: CHART_DIR, values: {} }), {
        helm: helmCfg(),
        cacheDir: cache,
      })
    ).render(RIPLEY);
    const a = await createHelmRenderer(resource({ chart: CHART_TGZ, values: {} }), {
      helm: helmCfg(),
      cacheDir: cache,
    });
    expect(await a.render(RIPLEY)).toEqual(fromDir);
    const unpacked = fs.readdirSync(cache);
    expect(unpacked).toHaveLength(1);
    const marker = path.join(cache, unpacked[0]!, 'crew', 'Chart.yaml');
    const before = fs.statSync(marker).mtimeMs;
    const b = await createHelmRenderer(resource({ chart: CHART_TGZ, values: {} }), {
      helm: helmCfg(),
      cacheDir: cache,
    });
    await b.render(RIPLEY);
    expect(fs.readdirSync(cache)).toEqual(unpacked);
    expect(fs.statSync(marker).mtimeMs).toBe(before);
    expect(b.chart.revision).toBe(a.chart.revision);
  });

  it('is selected by createResourceRenderer for a resource with helm', async () => {
    const r = await createResourceRenderer(resource({ chart: CHART_DIR, values: {} }), { helm: helmCfg() });
    expect(r.revision).toMatch(/^[0-9a-f]{64}$/);
    expect((await r.render(RIPLEY)).length).toBe(4);
    await r.close();
  });
});

describe('watching a local chart', () => {
  it('re-reads an edited chart folder: new revision, onChange, new output', async () => {
    const dir = path.join(tmp('lz-watch-'), 'crew');
    fs.cpSync(CHART_DIR, dir, { recursive: true });
    let changes = 0;
    const r = await createResourceRenderer(resource({ chart: dir, values: {} }), {
      helm: helmCfg(),
      watch: true,
      onChange: () => changes++,
    });
    const rev = r.revision;
    fs.writeFileSync(
      path.join(dir, 'templates', 'extra.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.resource.name }}-extra\n',
    );
    const end = Date.now() + 10_000;
    while (changes === 0 && Date.now() < end) await new Promise((res) => setTimeout(res, 50));
    expect(changes).toBeGreaterThan(0);
    expect(r.revision).not.toBe(rev);
    expect((await r.render(RIPLEY)).map((o) => o.metadata.name)).toContain('ripley-extra');
    await r.close();
  });
});

describe('chart errors are permanent RenderErrors carrying helm’s message', () => {
  function brokenChart(template: string, extra: Record<string, string> = {}): string {
    const dir = tmp('lz-broken-');
    fs.mkdirSync(path.join(dir, 'templates'));
    fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: broken\nversion: 0.0.1\n');
    fs.writeFileSync(path.join(dir, 'templates', 'x.yaml'), template);
    for (const [n, t] of Object.entries(extra)) fs.writeFileSync(path.join(dir, n), t);
    return dir;
  }

  it.each([
    [
      'unknown function',
      'kind: {{ .Values.resource.spec.By | nosuchfunc }}\n',
      /function "nosuchfunc" not defined/,
    ],
    ['fail', '{{ fail "ships need a captain" }}\n', /ships need a captain/],
    [
      'required',
      'a: {{ required "spec.captain is required" .Values.resource.spec.captain }}\n',
      /spec.captain is required/,
    ],
  ])('%s', async (_name, template, message) => {
    const r = await createHelmRenderer(resource({ chart: brokenChart(template), values: {} }), {
      helm: helmCfg(),
    });
    const err: unknown = await r.render(RIPLEY).catch((e: unknown) => e);
    expect(isRenderError(err)).toBe(true);
    expect(err).toMatchObject({
      code: 'LZ_HELM_CHART',
      retryable: false,
      message: expect.stringMatching(message) as unknown,
    });
  });

  it('an object the chart renders badly fails our validation with the template named', async () => {
    const r = await createHelmRenderer(
      resource({
        chart: brokenChart('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n'),
        values: {},
      }),
      { helm: helmCfg() },
    );
    await expect(r.render(RIPLEY)).rejects.toMatchObject({
      code: 'LZ_RENDER_INVALID_OBJECT',
      file: 'broken/templates/x.yaml',
    });
  });

  it('a missing chart, a chart without Chart.yaml and a corrupt archive are LZ_HELM_CHART_SOURCE', async () => {
    await expect(
      createHelmRenderer(resource({ chart: '/nonexistent/chart', values: {} }), { helm: helmCfg() }),
    ).rejects.toMatchObject({
      code: 'LZ_HELM_CHART_SOURCE',
    });
    await expect(
      createHelmRenderer(resource({ chart: tmp('lz-empty-'), values: {} }), { helm: helmCfg() }),
    ).rejects.toMatchObject({
      code: 'LZ_HELM_CHART_SOURCE',
      message: expect.stringContaining('no Chart.yaml') as unknown,
    });
    const bad = path.join(tmp('lz-bad-'), 'bad.tgz');
    fs.writeFileSync(bad, 'not gzip');
    await expect(
      createHelmRenderer(resource({ chart: bad, values: {} }), {
        helm: helmCfg(),
        cacheDir: tmp('lz-cache-'),
      }),
    ).rejects.toMatchObject({
      code: 'LZ_HELM_CHART_SOURCE',
    });
  });

  it('a bad valuesFrom file is LZ_HELM_VALUES', async () => {
    const f = path.join(tmp('lz-v-'), 'v.yaml');
    fs.writeFileSync(f, '- a list\n');
    await expect(
      createHelmRenderer(resource({ chart: CHART_DIR, values: {}, valuesFrom: [f] }), { helm: helmCfg() }),
    ).rejects.toMatchObject({
      code: 'LZ_HELM_VALUES',
    });
  });
});

describe('the helm process', () => {
  function script(body: string): string {
    const f = path.join(tmp('lz-fake-helm-'), 'helm');
    fs.writeFileSync(f, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return f;
  }

  it('a missing or too old helm is a clear start-up error', async () => {
    await expect(
      createHelmRenderer(resource({ chart: CHART_DIR, values: {} }), {
        helm: helmCfg({ binary: '/nonexistent/helm' }),
      }),
    ).rejects.toMatchObject({
      code: 'LZ_HELM_BINARY',
      message: expect.stringContaining('helm not found (no file /nonexistent/helm)') as unknown,
    });
    const old = script('echo v3.2.0');
    await expect(
      createHelmRenderer(resource({ chart: CHART_DIR, values: {} }), { helm: helmCfg({ binary: old }) }),
    ).rejects.toMatchObject({
      code: 'LZ_HELM_BINARY',
      message: expect.stringContaining('older than 3.10.0') as unknown,
    });
  });

  it('is killed after helm.timeoutSeconds (retryable LZ_HELM_TIMEOUT)', async () => {
    // The real helm, delayed: stands in for a chart that hangs.
    const slow = script(`if [ "$1" = template ]; then sleep 5; fi\nexec "${helmBin}" "$@"`);
    const r = await createHelmRenderer(resource({ chart: CHART_DIR, values: {} }), {
      helm: helmCfg({ binary: slow, timeoutSeconds: 1 }),
    });
    const started = Date.now();
    const err: unknown = await r.render(RIPLEY).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LZ_HELM_TIMEOUT', retryable: true });
    expect(Date.now() - started).toBeLessThan(4500);
  });

  it('runs at most maxConcurrent helm processes at once', async () => {
    const log = path.join(tmp('lz-conc-'), 'log');
    // The real helm, wrapped to record how many run at the same moment.
    const counting = script(
      `if [ "$1" = template ]; then echo start >> "${log}"; sleep 0.3; "${helmBin}" "$@"; rc=$?; echo end >> "${log}"; exit $rc; fi\nexec "${helmBin}" "$@"`,
    );
    const limiter = new ConcurrencyLimiter(2);
    const r = await createHelmRenderer(resource({ chart: CHART_DIR, values: {} }), {
      helm: helmCfg({ binary: counting }),
      limiter,
    });
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        r.render({ ...RIPLEY, metadata: { name: `m${i}`, namespace: 'n' } }),
      ),
    );
    let running = 0;
    let max = 0;
    for (const line of fs.readFileSync(log, 'utf8').trim().split('\n')) {
      running += line === 'start' ? 1 : -1;
      max = Math.max(max, running);
    }
    expect(max).toBe(2);
  });
});
