// Render throughput of the bench's own 3-object set: the Handlebars templates Lostrómos uses in the
// convergence runs, and the same objects from a Helm chart through helm (Lostrómos' helm mode, cached
// renderer, up to 4 helm processes). Pure render path, in this process.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ResourceConfig } from '@lostromos/config';
import {
  compileTemplateSet,
  createHelmRenderer,
  renderTemplateSet,
  type KubeObject,
} from '@lostromos/render';
import { ROOT, TEMPLATES } from './lostromos.ts';
import { round } from './session.ts';

const run = promisify(execFile);

export const HELM_CHART_TEMPLATE = (valueExpr: string, nameExpr: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${nameExpr}
data:
  value: ${valueExpr}
---
apiVersion: v1
kind: Service
metadata:
  name: ${nameExpr}
  annotations:
    bench.lostromos.io/value: ${valueExpr}
spec:
  clusterIP: None
  selector:
    app: ${nameExpr}
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${nameExpr}
  annotations:
    bench.lostromos.io/value: ${valueExpr}
spec:
  replicas: 0
  selector:
    matchLabels:
      app: ${nameExpr}
  template:
    metadata:
      labels:
        app: ${nameExpr}
    spec:
      containers:
        - name: app
          image: nginx:alpine
`;

export function writeChart(dir: string, name: string, template: string): string {
  const chart = path.join(dir, name);
  fs.mkdirSync(path.join(chart, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(chart, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`);
  fs.writeFileSync(path.join(chart, 'values.yaml'), 'value: ""\n');
  fs.writeFileSync(path.join(chart, 'templates', 'all.yaml'), template);
  return chart;
}

/** helm on PATH or from `npm run helm:install` (.tools/helm/helm), else undefined. */
export async function findHelm(): Promise<string | undefined> {
  for (const bin of [path.join(ROOT, '.tools/helm/helm'), 'helm']) {
    try {
      await run(bin, ['version', '--short'], { timeout: 10_000 });
      return bin;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export interface RenderFigures {
  handlebarsPerSecond: number;
  helmPerSecond: number | null;
  helmReason?: string;
}

const cr = (i: number): KubeObject => ({
  apiVersion: 'bench.lostromos.io/v1',
  kind: 'BenchApp',
  metadata: { name: `app-${i}`, namespace: 'bench', uid: `uid-${i}` },
  spec: { value: `v1-${i}` },
});

async function rate(ms: number, parallel: number, fn: (i: number) => unknown): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (performance.now() < end) await fn(n++);
    }),
  );
  return (n * 1000) / (performance.now() - t0);
}

export async function measureRender(
  dir: string,
  seconds: number,
  log: (l: string) => void,
  withHelm = true,
): Promise<RenderFigures> {
  const set = compileTemplateSet('/bench/benchapps', new Map(Object.entries(TEMPLATES)));
  const hb = (i: number): void => {
    if (renderTemplateSet(set, { cr: cr(i), values: {} }).length !== 3) throw new Error('expected 3 objects');
  };
  for (let i = 0; i < 2000; i++) hb(i); // JIT warm-up
  // Synchronous renders in a loop: measure in 1 s slices, take the median.
  const slices: number[] = [];
  for (let s = 0; s < Math.max(3, seconds); s++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 1000) hb(n++);
    slices.push((n * 1000) / (performance.now() - t0));
  }
  slices.sort((a, b) => a - b);
  const handlebarsPerSecond = round(slices[Math.floor(slices.length / 2)]!, 0);
  log(`render: handlebars ${handlebarsPerSecond} renders/s (3 objects each, one core)`);
  if (!withHelm) return { handlebarsPerSecond, helmPerSecond: null, helmReason: 'not run in a --tiny run' };
  const helmBin = await findHelm();
  if (!helmBin) {
    const reason = 'helm not found (npm run helm:install puts it in .tools/helm)';
    log(`render: helm: null — ${reason}`);
    return { handlebarsPerSecond, helmPerSecond: null, helmReason: reason };
  }
  const chart = writeChart(
    dir,
    'bench-render',
    HELM_CHART_TEMPLATE('{{ .Values.resource.spec.value | quote }}', '{{ .Values.resource.name }}'),
  );
  const resource: ResourceConfig = {
    name: 'benchapps',
    group: 'bench.lostromos.io',
    version: 'v1',
    plural: 'benchapps',
    namespace: '',
    labelSelector: '',
    filterAnnotation: '',
    helm: { chart, values: {} },
    values: {},
    resyncSeconds: 0,
    concurrency: 1,
    allow: { namespaces: [], clusterScoped: false, kinds: [] },
  };
  const renderer = await createHelmRenderer(resource, {
    helm: { binary: helmBin, timeoutSeconds: 60, maxConcurrent: 4 },
    cacheDir: path.join(dir, 'helm-cache'),
  });
  await renderer.render(cr(0));
  const helmPerSecond = round(await rate(Math.max(2, seconds) * 1000, 8, (i) => renderer.render(cr(i))), 1);
  log(`render: helm ${helmPerSecond} renders/s (Lostrómos helm mode, up to 4 helm processes)`);
  return { handlebarsPerSecond, helmPerSecond };
}
