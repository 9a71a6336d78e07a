import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetricsText, sumSeries } from '../support/metrics-text.js';
import { waitFor } from '../support/index.js';
import { condition, startHarness, type Harness, type RoleHandle } from './harness.js';

// A CR whose Deployment is not Available yet is looked at again when the Deployment changes — the watcher sees
// the controller's status write on its owned-object watch and enqueues the CR — not by a timer: the timed
// re-check (RequeueAfter, 30 s first) is a fallback that the event replaces, so it never fires as well. Also for
// the first CRs: the watcher starts watching Deployments only once a worker has rendered one, and a Deployment
// that became Available before that is caught by the watch's first list (its owner is not Ready yet).

let h: Harness;
let worker: RoleHandle;
const templates = fs.mkdtempSync(path.join(os.tmpdir(), 'lostromos-recheck-templates-'));
// replicas: 0 — kube-controller-manager (or the simulator) makes it Available without Pods, a moment after
// it is created: the first reconcile always sees it progressing.
fs.writeFileSync(
  path.join(templates, 'deployment.yaml'),
  `apiVersion: apps/v1
kind: Deployment
metadata:
  name: '{{name}}-web'
spec:
  replicas: 0
  selector:
    matchLabels: { app: '{{name}}' }
  template:
    metadata:
      labels: { app: '{{name}}' }
    spec:
      containers:
        - name: web
          image: nginx:alpine
`,
);
// A status-less object beside it: a re-check takes it as the last reconcile left it (no read) unless the
// watcher saw someone else write it.
fs.writeFileSync(
  path.join(templates, 'configmap.yaml'),
  `apiVersion: v1
kind: ConfigMap
metadata:
  name: '{{name}}-cfg'
data:
  site: '{{name}}'
`,
);
// A headless Service: its readiness follows from what is rendered (no LoadBalancer), so a re-check trusts it too.
fs.writeFileSync(
  path.join(templates, 'service.yaml'),
  `apiVersion: v1
kind: Service
metadata:
  name: '{{name}}-svc'
spec:
  clusterIP: None
  selector: { app: '{{name}}' }
  ports:
    - port: 80
`,
);
const crdYaml = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: sites.web.example.io }
spec:
  scope: Namespaced
  group: web.example.io
  names: { kind: Site, plural: sites, singular: site }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`;
const siteYaml = (name: string): string =>
  `apiVersion: web.example.io/v1\nkind: Site\nmetadata: { name: ${name}, namespace: default }\nspec: {}\n`;
const ready = async (name: string): Promise<boolean> =>
  condition(await h.get('web.example.io/v1', 'sites', 'default', name), 'Ready')?.status === 'True';

const scrape = async (): Promise<Map<string, number>> =>
  parseMetricsText(await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text());
const counts = async () => {
  const s = await scrape();
  return {
    // Finished reconciles; attempts that failed and were retried (the CRD just created) are not counted.
    reconciles:
      sumSeries(s, 'controller_runtime_reconcile_total', { controller: 'sites' }) -
      sumSeries(s, 'controller_runtime_reconcile_total', { controller: 'sites', result: 'error' }),
    byEvent: sumSeries(s, 'lostromos_recheck_reconciles_total', { controller: 'sites', trigger: 'event' }),
    byTimer: sumSeries(s, 'lostromos_recheck_reconciles_total', { controller: 'sites', trigger: 'requeue' }),
    requests: sumSeries(s, 'lostromos_recheck_requests_total', { controller: 'sites' }),
  };
};

beforeAll(async () => {
  h = await startHarness({
    prefix: 'recheck',
    configExtra: `  - { name: sites, group: web.example.io, version: v1, plural: sites, templates: ${templates}, concurrency: 4 }
`,
  });
  await h.apply(crdYaml);
  await waitFor(() => h.kubectl('get', 'sites').then(() => true), {
    timeoutMs: 10_000,
    what: 'the sites CRD',
  });
  await h.start('watcher');
  worker = await h.start('worker');
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(templates, { recursive: true, force: true });
});

describe('readiness re-checks', () => {
  it('come from the owned Deployment changing, once per change, and the timed fallback never fires as well', async () => {
    const before = await counts();
    const names = Array.from({ length: 6 }, (_, i) => `site-${i}`);
    const created = Date.now();
    await h.apply(names.map(siteYaml).join('\n---\n'));
    for (const n of names)
      await waitFor(() => ready(n), { timeoutMs: 60_000, what: `Site ${n} to be Ready` });
    const readyAfter = Date.now() - created;
    // The echoes of the last status writes settle; then nothing may run any more: past the first fallback (30 s
    // after the last reconcile that found a Deployment progressing), with room.
    await new Promise((r) => setTimeout(r, 3000));
    const settled = await counts();
    await new Promise((r) => setTimeout(r, 32_000));
    const after = await counts();
    expect(after.reconciles - settled.reconciles, `ready after ${readyAfter} ms`).toBe(0);
    const byEvent = after.byEvent - before.byEvent;
    // Every Site needed a re-check after its first reconcile found the Deployment progressing: by an event (or
    // the first list of Deployments, which enqueues as one), never by the timer.
    expect(byEvent).toBeGreaterThanOrEqual(names.length);
    expect(after.byTimer - before.byTimer).toBe(0);
    expect(after.reconciles - before.reconciles).toBeGreaterThanOrEqual(2 * names.length);
    // A re-check reads the CR and the Deployment — not the ConfigMap or the headless Service, which nothing
    // touched since the first reconcile applied them — and writes the status once when Ready changes.
    const perRecheck = (after.requests - before.requests) / byEvent;
    expect(perRecheck).toBeGreaterThanOrEqual(1);
    expect(perRecheck).toBeLessThanOrEqual(3);
  });

  it('cost one re-check per readiness change, however many status writes the controller makes on the way', async () => {
    // Deployments are watched by now (the first case). A new Deployment gets kube-controller-manager's revision
    // annotation and two status writes (the simulator's controller: one); only the write that makes it
    // Available changes its readiness verdict, so each Site is looked at again exactly once.
    const before = await counts();
    const names = Array.from({ length: 6 }, (_, i) => `again-${i}`);
    await h.apply(names.map(siteYaml).join('\n---\n'));
    for (const n of names)
      await waitFor(() => ready(n), { timeoutMs: 60_000, what: `Site ${n} to be Ready` });
    // The controller's last status writes arrive after Ready; give their (skipped) events time to land.
    await new Promise((r) => setTimeout(r, 3000));
    const after = await counts();
    expect(after.byTimer - before.byTimer).toBe(0);
    expect(after.byEvent - before.byEvent).toBe(names.length);
    expect(after.reconciles - before.reconciles).toBe(2 * names.length);
    // GET CR + GET Deployment + the status write (Ready): the ConfigMap and the headless Service are not read.
    expect(after.requests - before.requests).toBe(3 * names.length);
  });

  it('still repair drift of the object they do not read: the watcher marks its owner for a full check', async () => {
    const site = async (): Promise<string | undefined> =>
      (
        (await h.get('v1', 'configmaps', 'default', 'again-0-cfg'))?.data as
          Record<string, string> | undefined
      )?.site;
    await h.kubectl(
      'patch',
      'configmap',
      'again-0-cfg',
      '--type=merge',
      '-p',
      '{"data":{"site":"tampered"}}',
    );
    await waitFor(async () => (await site()) === 'again-0', {
      timeoutMs: 30_000,
      what: 'the tampered ConfigMap to be repaired',
    });
    expect(await ready('again-0')).toBe(true);
  });

  it('repair the trusted Service when someone takes a field our apply set', async () => {
    const selector = async (): Promise<unknown> =>
      ((await h.get('v1', 'services', 'default', 'again-1-svc'))?.spec as { selector?: unknown } | undefined)
        ?.selector;
    await h.kubectl(
      'patch',
      'service',
      'again-1-svc',
      '--type=merge',
      '-p',
      '{"spec":{"selector":{"app":"x"}}}',
    );
    await waitFor(async () => JSON.stringify(await selector()) === JSON.stringify({ app: 'again-1' }), {
      timeoutMs: 30_000,
      what: 'the tampered Service selector to be repaired',
    });
    expect(await ready('again-1')).toBe(true);
  });
});
