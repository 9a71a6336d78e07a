// Handlebars render throughput: a 3-object template set (ConfigMap, Deployment, Service), compiled once,
// rendered for CRs with varying values. Measures the pure render path: Handlebars, value tokens, YAML
// parse, substitution and validation (not the labels/owner decoration, which reconcile adds).
import { compileTemplateSet, renderTemplateSet, type KubeObject } from '@lostromos/render';

const TEMPLATES = new Map([
  [
    'configmap.yaml',
    `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{name}}-config
data:
  by: {{spec.By}}
  from: {{getField "spec" "From"}}
  greeting: "Hello, {{spec.Name}}"
`,
  ],
  [
    'deployment.yaml',
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{name}}
spec:
  replicas: {{default 1 spec.replicas}}
  selector:
    matchLabels:
      app: {{name}}
  template:
    metadata:
      labels:
        app: {{name}}
    spec:
      containers:
        - name: app
          image: {{default "nginx:alpine" values.image}}
          env:
{{#each spec.env}}
            - name: {{@key}}
              value: "{{this}}"
{{/each}}
`,
  ],
  [
    'service.yaml',
    `apiVersion: v1
kind: Service
metadata:
  name: {{name}}
spec:
  selector:
    app: {{name}}
  ports:
    - port: {{default 80 spec.port}}
      targetPort: 8080
`,
  ],
]);

function cr(i: number): KubeObject {
  return {
    apiVersion: 'stable.example.io/v1',
    kind: 'Character',
    metadata: { name: `member-${i}`, namespace: 'crew' },
    spec: {
      Name: `Member ${i}`,
      By: "Dan O'Bannon",
      From: 'Alien',
      replicas: (i % 3) + 1,
      env: { A: 'x', B: `${i}` },
    },
  };
}

const t0 = performance.now();
const set = compileTemplateSet('/bench/characters', TEMPLATES);
const compileMs = performance.now() - t0;
const crs = Array.from({ length: 100 }, (_, i) => cr(i));
const values = { image: 'nginx:1.27' };

function round(ms: number): number {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const objs = renderTemplateSet(set, { cr: crs[n % crs.length]!, values });
    if (objs.length !== 3) throw new Error('expected 3 objects');
    n++;
  }
  return (n * 1000) / ms;
}

round(1000); // warm-up (JIT)
const rates = Array.from({ length: 5 }, () => round(1000)).sort((a, b) => a - b);
const median = rates[2]!;
console.log(`compile (3 templates): ${compileMs.toFixed(1)} ms`);
console.log(
  `renders/s (3 objects each), median of 5 x 1 s: ${median.toFixed(0)}  [min ${rates[0]!.toFixed(0)}, max ${rates[4]!.toFixed(0)}]`,
);
console.log(`objects/s: ${(median * 3).toFixed(0)}; per render: ${(1000 / median).toFixed(3)} ms`);
