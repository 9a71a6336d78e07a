// Helm mode vs Handlebars: renders/s for an equivalent 3-object set (ConfigMap, Deployment, Service),
// and what Lostrómos' caching buys in helm mode (binary checked once, .tgz unpacked once, values prepared
// once) compared with doing that work for every render. Uses the real helm (scripts/install-helm.mjs).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  compileTemplateSet,
  createHelmRenderer,
  helmValuesFor,
  renderTemplateSet,
  runHelmTemplate,
  ConcurrencyLimiter,
  type KubeObject,
} from '@lostromos/render';
import type { ResourceConfig } from '@lostromos/config';

const helmBin = execFileSync(
  process.execPath,
  [path.resolve(import.meta.dirname, '../scripts/install-helm.mjs')],
  { encoding: 'utf8' },
).trim();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-helm-bench-'));
const chartDir = path.join(work, 'crew');
fs.mkdirSync(path.join(chartDir, 'templates'), { recursive: true });
fs.writeFileSync(path.join(chartDir, 'Chart.yaml'), 'apiVersion: v2\nname: crew\nversion: 0.1.0\n');
fs.writeFileSync(path.join(chartDir, 'values.yaml'), 'image: nginx:alpine\n');
fs.writeFileSync(
  path.join(chartDir, 'templates', 'all.yaml'),
  `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Values.resource.name }}-config
data:
  by: {{ .Values.resource.spec.By | quote }}
  from: {{ .Values.resource.spec.From | quote }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Values.resource.name }}
spec:
  replicas: {{ .Values.resource.spec.replicas | default 1 }}
  selector:
    matchLabels:
      app: {{ .Values.resource.name }}
  template:
    metadata:
      labels:
        app: {{ .Values.resource.name }}
    spec:
      containers:
        - name: app
          image: {{ .Values.image }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Values.resource.name }}
spec:
  selector:
    app: {{ .Values.resource.name }}
  ports:
    - port: 80
`,
);
execFileSync(helmBin, ['package', chartDir, '-d', work], { stdio: 'ignore' });
const chartTgz = path.join(work, 'crew-0.1.0.tgz');

const hbs = compileTemplateSet(
  '/bench/crew',
  new Map([
    [
      'a.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{name}}-config\ndata:\n  by: {{spec.By}}\n  from: {{spec.From}}\n',
    ],
    [
      'b.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{name}}\nspec:\n  replicas: {{default 1 spec.replicas}}\n  selector:\n    matchLabels:\n      app: {{name}}\n  template:\n    metadata:\n      labels:\n        app: {{name}}\n    spec:\n      containers:\n        - name: app\n          image: {{values.image}}\n',
    ],
    [
      'c.yaml',
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{name}}\nspec:\n  selector:\n    app: {{name}}\n  ports:\n    - port: 80\n',
    ],
  ]),
);

const cr = (i: number): KubeObject => ({
  apiVersion: 'crew.example.io/v1',
  kind: 'CrewMember',
  metadata: { name: `m${i}`, namespace: 'crew' },
  spec: { By: 'Ridley Scott', From: 'Alien', replicas: 2 },
});
const resource = (chart: string): ResourceConfig => ({
  name: 'crew',
  group: 'crew.example.io',
  version: 'v1',
  plural: 'crewmembers',
  namespace: '',
  labelSelector: '',
  filterAnnotation: '',
  helm: { chart, values: {} },
  values: { image: 'nginx:alpine' },
  resyncSeconds: 0,
  concurrency: 1,
  allow: { namespaces: [], clusterScoped: false, kinds: [] },
});
const helm = (maxConcurrent: number) => ({ binary: helmBin, timeoutSeconds: 60, maxConcurrent });

async function measure(seconds: number, parallel: number, fn: (i: number) => unknown): Promise<number> {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (performance.now() < end) await fn(n++);
    }),
  );
  return (n * 1000) / (performance.now() - start);
}

for (let i = 0; i < 2000; i++) renderTemplateSet(hbs, { cr: cr(i), values: { image: 'nginx:alpine' } });
const dirRenderer = await createHelmRenderer(resource(chartDir), {
  helm: helm(1),
  cacheDir: path.join(work, 'cache'),
});
const tgzRenderer = await createHelmRenderer(resource(chartTgz), {
  helm: helm(1),
  cacheDir: path.join(work, 'cache'),
});
const parRenderer = await createHelmRenderer(resource(chartDir), {
  helm: helm(4),
  cacheDir: path.join(work, 'cache'),
  limiter: new ConcurrencyLimiter(4),
});
let k = 0;
// Scenarios run interleaved, several rounds, median reported: the machine is shared, so load comes and goes.
const scenarios: [string, number, (i: number) => unknown][] = [
  [
    'handlebars (3 objects)',
    1,
    (i) => renderTemplateSet(hbs, { cr: cr(i), values: { image: 'nginx:alpine' } }),
  ],
  ['helm, chart folder, 1 process at a time (cached renderer)', 1, (i) => dirRenderer.render(cr(i))],
  ['helm, .tgz unpacked once (cached renderer)', 1, (i) => tgzRenderer.render(cr(i))],
  ['helm, chart folder, up to 4 processes at once', 8, (i) => parRenderer.render(cr(i))],
  [
    'helm reading the .tgz itself on every render',
    1,
    (i) =>
      runHelmTemplate(
        { ...tgzRenderer.chart, dir: chartTgz },
        {
          releaseName: `lostromos-m${i}`,
          namespace: 'crew',
          values: helmValuesFor(cr(i), { image: 'nginx:alpine' }),
        },
        { helmPath: helmBin, timeoutMs: 60_000, limiter: new ConcurrencyLimiter(1) },
      ),
  ],
  [
    'helm, .tgz, nothing cached (helm version + unpack per render)',
    1,
    async (i) => {
      const r = await createHelmRenderer(resource(chartTgz), {
        helm: helm(1),
        cacheDir: path.join(work, `nocache-${k++}`),
      });
      return r.render(cr(i));
    },
  ],
];
const ROUNDS = 3;
const results = scenarios.map(() => [] as number[]);
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, [, parallel, fn]] of scenarios.entries()) results[i]!.push(await measure(1.5, parallel, fn));
}
const med = results.map((r) => r.sort((a, b) => a - b)[Math.floor(r.length / 2)]!);
scenarios.forEach(([label], i) => {
  const r = results[i]!;
  const fmt = (x: number): string => x.toFixed(x < 100 ? 1 : 0);
  console.log(
    `${label.padEnd(62)} ${fmt(med[i]!).padStart(8)} renders/s  [${fmt(r[0]!)}..${fmt(r[r.length - 1]!)}]`,
  );
});
const [hb, h1, ht, h4, raw, hu] = med as [number, number, number, number, number, number];
console.log('');
console.log(`handlebars / helm (1 process):   ${(hb / h1).toFixed(0)}x`);
console.log(
  `handlebars / helm (4 processes): ${(hb / h4).toFixed(0)}x  (machine has ${os.availableParallelism()} cores)`,
);
console.log(`unpacking the .tgz once vs helm reading it each time: ${(ht / raw).toFixed(2)}x`);
console.log(
  `all caching (.tgz, cached renderer vs version check + unpack per render): ${(ht / hu).toFixed(2)}x`,
);
fs.rmSync(work, { recursive: true, force: true });
