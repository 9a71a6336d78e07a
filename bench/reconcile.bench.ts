// CPU cost of the pure reconcile steps per CR, outside any I/O: building the desired objects (validation,
// labels, owner references), the render hash that drives the skip rule, the drift check of the skip path
// (desired ⊆ live) and readiness. These run on the worker's event loop for every reconcile, so they bound how
// many CRs one worker can verify per second on a no-op resync. Usage: npm run bench -- reconcile
import {
  buildDesiredObjects,
  liveMatchesDesired,
  renderHash,
  sortForApply,
  summarizeReadiness,
  type KubeObject,
} from '@lostromos/reconcile';

const OBJECTS_PER_CR = Number(process.env.BENCH_OBJECTS ?? 10);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 5000);

function cr(i: number): KubeObject {
  return {
    apiVersion: 'stable.example.io/v1',
    kind: 'Character',
    metadata: { name: `cr-${i}`, namespace: 'crew', uid: `uid-${i}`, generation: 1 },
    spec: { by: 'Dan', replicas: 2 },
  };
}

function rendered(i: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (let n = 0; n < OBJECTS_PER_CR; n++) {
    out.push(
      n % 2 === 0
        ? {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `cm-${i}-${n}` },
            data: { a: 'x'.repeat(200), b: String(n) },
          }
        : {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: `d-${i}-${n}`, labels: { app: `d-${n}` } },
            spec: {
              replicas: 2,
              selector: { matchLabels: { app: `d-${n}` } },
              template: {
                metadata: { labels: { app: `d-${n}` } },
                spec: {
                  containers: [{ name: 'app', image: 'nginx:alpine', ports: [{ containerPort: 80 }] }],
                },
              },
            },
          },
    );
  }
  return out;
}

function live(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  copy.metadata = {
    ...copy.metadata,
    uid: 'x',
    resourceVersion: '7',
    managedFields: [{ manager: 'lostromos' }],
  };
  if (copy.kind === 'Deployment') {
    copy.status = {
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
      readyReplicas: 2,
    };
  }
  return copy;
}

function measure(label: string, fn: (i: number) => void): void {
  for (let i = 0; i < 200; i++) fn(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) fn(i);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const perCr = (ms * 1000) / ITERATIONS;
  console.log(
    `${label.padEnd(44)} ${perCr.toFixed(1).padStart(8)} µs/CR   ${Math.round(ITERATIONS / (ms / 1000))} CR/s`,
  );
}

console.log(`${OBJECTS_PER_CR} objects per CR, ${ITERATIONS} iterations`);
const inputs = Array.from({ length: 64 }, (_, i) => ({ cr: cr(i), rendered: rendered(i) }));
const desired = inputs.map((x) => buildDesiredObjects(x.rendered, { cr: x.cr, resourceName: 'characters' }));
const lives = desired.map((objs) => objs.map(live));

measure('buildDesiredObjects + sortForApply', (i) => {
  const x = inputs[i % inputs.length]!;
  sortForApply(buildDesiredObjects(x.rendered, { cr: x.cr, resourceName: 'characters' }));
});
measure('renderHash', (i) => {
  renderHash(desired[i % desired.length]!, 'rev-1');
});
measure('skip-path drift check (desired ⊆ live)', (i) => {
  const d = desired[i % desired.length]!;
  const l = lives[i % lives.length]!;
  for (let n = 0; n < d.length; n++) if (!liveMatchesDesired(d[n], l[n])) throw new Error('unexpected drift');
});
measure('summarizeReadiness', (i) => {
  summarizeReadiness(lives[i % lives.length]!);
});
