import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { condition, startHarness, type Harness } from '../controller/harness.js';
import { installHelm } from '../support/helm.js';
import { waitFor } from '../support/index.js';

// End to end: the kube simulator, a real redis-server and `lostromos start --role all` with two resources in
// one operator — `characters` rendered by Handlebars (templates/characters) and `crew` rendered by the real
// helm binary (test/fixtures/charts/crew). CRs are created, updated and deleted with kubectl.

const ROOT = path.resolve(import.meta.dirname, '../..');
let h: Harness;

const crewMember = (name: string, spec: Record<string, unknown>): string =>
  JSON.stringify({
    apiVersion: 'crew.example.io/v1',
    kind: 'CrewMember',
    metadata: { name, namespace: 'default' },
    spec,
  });
const character = (name: string, spec: Record<string, unknown>): string =>
  JSON.stringify({
    apiVersion: 'stable.nicolerenee.io/v1',
    kind: 'Character',
    metadata: { name, namespace: 'default' },
    spec,
  });

beforeAll(async () => {
  const helm = installHelm();
  h = await startHarness({ prefix: 'helm-e2e' });
  // This suite's own resources: a Handlebars set and a Helm chart side by side.
  fs.writeFileSync(
    h.configFile,
    fs.readFileSync(h.configFile, 'utf8').replace(/^resources:[\s\S]*$/m, '')
      .concat(`helm: { binary: ${helm}, timeoutSeconds: 30, maxConcurrent: 2 }
dashboard: { address: "127.0.0.1:0", auth: { mode: none } }
resources:
  - name: characters
    group: stable.nicolerenee.io
    version: v1
    plural: characters
    templates: ${path.join(ROOT, 'templates/characters')}
    values: { image: "nginx:1.27" }
  - name: crew
    group: crew.example.io
    version: v1
    plural: crewmembers
    helm:
      chart: ${path.join(ROOT, 'test/fixtures/charts/crew-0.1.0.tgz')}
      values: { greeting: hello from the config }
    allow: { clusterScoped: true }
`),
  );
  await h.kubectl('apply', '-f', path.join(ROOT, 'templates/characters/examples/crd.yaml'));
  await h.kubectl('apply', '-f', path.join(ROOT, 'test/fixtures/crds/crewmembers.yaml'));
  await waitFor(() => h.kubectl('get', 'characters,crewmembers').then(() => true), {
    timeoutMs: 10_000,
    what: 'CRDs served',
  });
  await h.start('all');
});

afterAll(async () => {
  await h?.close();
});

describe('a Helm resource beside a Handlebars resource in one operator', () => {
  it('creates, updates and deletes the objects of both', async () => {
    await h.apply(crewMember('ripley', { By: 'Ridley Scott', From: 'Alien', Ship: 'Nostromo' }));
    await h.apply(character('ash', { Name: 'Ash', From: 'Alien', By: "Dan O'Bannon" }));

    // Helm: Deployment, Service, the conditional ConfigMap and the chart's CRD; no hook Job.
    const dep = await waitFor(() => h.get('apps/v1', 'deployments', 'default', 'ripley-crew'), {
      timeoutMs: 30_000,
      what: 'ripley-crew Deployment',
    });
    await h.kubectl('wait', '--for=condition=Ready', 'crewmember/ripley', '--timeout=30s');
    const cr = await h.get('crew.example.io/v1', 'crewmembers', 'default', 'ripley');
    expect(condition(cr, 'Ready')?.status).toBe('True');
    expect(dep.metadata.labels).toMatchObject({
      'app.kubernetes.io/instance': 'lostromos-ripley',
      'helm.sh/chart': 'crew-0.1.0',
      'app.kubernetes.io/managed-by': 'lostromos',
      'lostromos.io/resource': 'crew',
      'lostromos.io/owner-uid': cr!.metadata.uid,
    });
    expect(dep.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'CrewMember', name: 'ripley', uid: cr!.metadata.uid }),
    ]);
    const env = (
      dep.spec as { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } }
    ).template.spec.containers[0]!.env;
    expect(env).toEqual([
      { name: 'GREETING', value: 'hello from the config' },
      { name: 'CR_UID', value: cr!.metadata.uid },
    ]);
    expect((await h.get('v1', 'configmaps', 'default', 'ripley-ship'))?.data).toEqual({
      ship: 'Nostromo',
      from: 'Alien',
    });
    expect(await h.get('v1', 'services', 'default', 'ripley-crew')).toBeDefined();
    expect(
      JSON.parse(await h.kubectl('get', 'crd', 'crewbadges.crew.example.io', '-o', 'json')),
    ).toMatchObject({ kind: 'CustomResourceDefinition' });
    expect(await h.get('batch/v1', 'jobs', 'default', 'ripley-crew-welcome')).toBeUndefined();

    // Handlebars, in the same process.
    const cm = await waitFor(() => h.get('v1', 'configmaps', 'default', 'ash-configmap'), {
      timeoutMs: 30_000,
      what: 'ash-configmap',
    });
    expect(cm.data).toEqual({ name: 'Ash', by: "Dan O'Bannon", from: 'Alien' });

    // Update: the Helm release re-renders; the conditional ConfigMap goes away (pruned).
    await h.kubectl(
      'patch',
      'crewmember',
      'ripley',
      '--type=merge',
      '-p',
      '{"spec":{"By":"James Cameron","Ship":null,"replicas":3}}',
    );
    await waitFor(
      async () => {
        const d = await h.get('apps/v1', 'deployments', 'default', 'ripley-crew');
        const s = d?.spec as
          { replicas?: number; template: { metadata: { labels: Record<string, string> } } } | undefined;
        return s?.replicas === 3 && s.template.metadata.labels.author === 'James-Cameron';
      },
      { timeoutMs: 30_000, what: 'ripley-crew updated' },
    );
    await waitFor(async () => (await h.get('v1', 'configmaps', 'default', 'ripley-ship')) === undefined, {
      timeoutMs: 30_000,
      what: 'ripley-ship pruned',
    });

    // Delete: the CRs' objects follow.
    await h.kubectl('delete', 'crewmember', 'ripley', '--wait=false');
    await h.kubectl('delete', 'character', 'ash', '--wait=false');
    await waitFor(
      async () => (await h.get('apps/v1', 'deployments', 'default', 'ripley-crew')) === undefined,
      { timeoutMs: 30_000, what: 'ripley-crew deleted' },
    );
    await waitFor(async () => (await h.get('v1', 'services', 'default', 'ripley-crew')) === undefined, {
      timeoutMs: 30_000,
      what: 'service deleted',
    });
    await waitFor(async () => (await h.get('v1', 'configmaps', 'default', 'ash-configmap')) === undefined, {
      timeoutMs: 30_000,
      what: 'ash-configmap deleted',
    });
  });

  it('a broken chart value reports the helm error on the CR without affecting the other resource', async () => {
    // The chart quotes `.Values.resource.spec.By | replace`: a non-string By makes helm fail for this CR only.
    await h.apply(crewMember('dallas', { By: { not: 'a string' } }));
    await h.apply(character('kane', { Name: 'Kane', From: 'Alien', By: 'Dan' }));
    const failed = await waitFor(
      async () => {
        const c = condition(
          await h.get('crew.example.io/v1', 'crewmembers', 'default', 'dallas'),
          'Reconciled',
        );
        return c?.status === 'False' ? c : undefined;
      },
      { timeoutMs: 30_000, what: 'dallas Reconciled=False' },
    );
    expect(failed.message).toMatch(/helm template crew failed/);
    await waitFor(() => h.get('v1', 'configmaps', 'default', 'kane-configmap'), {
      timeoutMs: 30_000,
      what: 'kane-configmap',
    });
  });
});
