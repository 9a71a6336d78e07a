/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- suites read untyped JSON API responses */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { startSubstrate, type Substrate } from '../support/substrate.js';
import { call, cm, SUBSTRATES } from './sim-client.js';

const CMS = '/api/v1/namespaces/default/configmaps';
const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.org' },
  spec: {
    group: 'example.org',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};
const WIDGETS = '/apis/example.org/v1/namespaces/default/widgets';

describe.each(SUBSTRATES)('object lifecycle (%s)', (kind) => {
  let api: Substrate;
  beforeAll(async () => {
    api = await startSubstrate({ kind, sim: { workloads: { delayMs: 20 } } });
  });
  afterAll(() => api?.stop());
  const gone = async (path: string): Promise<boolean> => (await call(api, 'GET', path)).status === 404;

  it('serves a CRD resource once the CRD is Established, with discovery and printer columns', async () => {
    const r = await call(api, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD);
    expect(r.status).toBe(201);
    // The simulator serves the resource in the same request; the apiserver once the CRD is Established
    // (a moment later), which is what clients wait for.
    if (kind === 'sim') expect((await call(api, 'GET', WIDGETS)).status).toBe(200);
    const crd = await waitFor(async () => {
      const c = (
        await call(api, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.org')
      ).body;
      return c.status?.conditions?.find((x: any) => x.type === 'Established' && x.status === 'True')
        ? c
        : undefined;
    });
    expect(crd.status.acceptedNames.kind).toBe('Widget');
    await waitFor(async () => (await call(api, 'GET', WIDGETS)).status === 200, { what: 'widgets served' });
    const disc = (await call(api, 'GET', '/apis/example.org/v1')).body;
    expect(disc.resources.map((x: any) => x.name)).toEqual(['widgets', 'widgets/status']);
    await call(api, 'POST', WIDGETS, {
      apiVersion: 'example.org/v1',
      kind: 'Widget',
      metadata: { name: 'w1' },
      spec: { size: 3 },
    });
    const table = (
      await call(api, 'GET', WIDGETS, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })
    ).body;
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Size']);
    expect(table.rows[0].cells).toEqual(['w1', 3]);
  });

  it('bumps generation on spec changes only, and keeps status and spec apart with the status subresource', async () => {
    const w = (
      await call(api, 'POST', WIDGETS, {
        apiVersion: 'example.org/v1',
        kind: 'Widget',
        metadata: { name: 'gen' },
        spec: { size: 1 },
        status: { ignored: true },
      })
    ).body;
    expect(w.metadata.generation).toBe(1);
    expect(w.status).toBeUndefined();
    const labelled = (
      await call(
        api,
        'PATCH',
        `${WIDGETS}/gen`,
        { metadata: { labels: { a: 'b' } } },
        { contentType: 'application/merge-patch+json' },
      )
    ).body;
    expect(labelled.metadata.generation).toBe(1);
    const specced = (
      await call(
        api,
        'PATCH',
        `${WIDGETS}/gen`,
        { spec: { size: 2 }, status: { phase: 'nope' } },
        { contentType: 'application/merge-patch+json' },
      )
    ).body;
    expect(specced.metadata.generation).toBe(2);
    expect(specced.status).toBeUndefined();
    const st = (
      await call(
        api,
        'PATCH',
        `${WIDGETS}/gen/status`,
        { spec: { size: 99 }, status: { phase: 'Ready' } },
        { contentType: 'application/merge-patch+json' },
      )
    ).body;
    expect(st.status).toEqual({ phase: 'Ready' });
    expect(st.spec.size).toBe(2);
    expect(st.metadata.generation).toBe(2);
    expect((await call(api, 'GET', `${CMS}/x/status`)).status).toBe(404);
  });

  it("bumps a Deployment's generation on an annotation change too (its strategy does), not on a label change", async () => {
    const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
    const d = (
      await call(api, 'POST', DEPLOYS, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'gen-annotated', annotations: { v: '1' } },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'gen' } },
          template: {
            metadata: { labels: { app: 'gen' } },
            spec: { containers: [{ name: 'a', image: 'nginx' }] },
          },
        },
      })
    ).body;
    expect(d.metadata.generation).toBe(1);
    const patch = async (metadata: object): Promise<number> =>
      (
        await call(
          api,
          'PATCH',
          `${DEPLOYS}/gen-annotated`,
          { metadata },
          {
            contentType: 'application/merge-patch+json',
          },
        )
      ).body.metadata.generation;
    expect(await patch({ annotations: { v: '2' } })).toBe(2);
    expect(await patch({ labels: { team: 'a' } })).toBe(2);
  });

  it('holds an object with finalizers (deletionTimestamp set) until they are removed, and forbids new finalizers', async () => {
    await call(api, 'POST', CMS, cm('held', {}, { finalizers: ['example.org/hold'] }));
    const del = await call(api, 'DELETE', `${CMS}/held`);
    expect(del.status).toBe(200);
    expect(del.body.metadata.deletionTimestamp).toBeTruthy();
    const more = await call(
      api,
      'PATCH',
      `${CMS}/held`,
      { metadata: { finalizers: ['example.org/hold', 'example.org/more'] } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(more.status).toBe(422);
    expect((await call(api, 'GET', `${CMS}/held`)).status).toBe(200);
    await call(
      api,
      'PATCH',
      `${CMS}/held`,
      { metadata: { finalizers: null } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(await gone(`${CMS}/held`)).toBe(true);
  });

  const owned = (name: string, owner: any, extra: Record<string, unknown> = {}) =>
    cm(
      name,
      {},
      {
        ownerReferences: [
          {
            apiVersion: owner.apiVersion,
            kind: owner.kind,
            name: owner.metadata.name,
            uid: owner.metadata.uid,
            ...extra,
          },
        ],
      },
    );

  it('garbage-collects dependents in the background when the owner is deleted', async () => {
    const owner = (await call(api, 'POST', CMS, cm('owner-bg'))).body;
    await call(api, 'POST', CMS, owned('dep-bg', owner));
    await call(api, 'DELETE', `${CMS}/owner-bg`);
    await waitFor(() => gone(`${CMS}/dep-bg`), { what: 'dependent deleted' });
  });

  it('foreground deletion keeps the owner (foregroundDeletion finalizer) until dependents are gone', async () => {
    const owner = (await call(api, 'POST', CMS, cm('owner-fg'))).body;
    await call(api, 'POST', CMS, owned('dep-fg', owner, { blockOwnerDeletion: true }));
    await call(
      api,
      'PATCH',
      `${CMS}/dep-fg`,
      { metadata: { finalizers: ['example.org/slow'] } },
      { contentType: 'application/merge-patch+json' },
    );
    const del = await call(api, 'DELETE', `${CMS}/owner-fg`, { propagationPolicy: 'Foreground' });
    expect(del.body.metadata.finalizers).toContain('foregroundDeletion');
    await waitFor(async () => (await call(api, 'GET', `${CMS}/dep-fg`)).body.metadata.deletionTimestamp, {
      what: 'dependent deleting',
    });
    expect((await call(api, 'GET', `${CMS}/owner-fg`)).status).toBe(200);
    await call(
      api,
      'PATCH',
      `${CMS}/dep-fg`,
      { metadata: { finalizers: null } },
      { contentType: 'application/merge-patch+json' },
    );
    await waitFor(() => gone(`${CMS}/owner-fg`), { what: 'owner deleted after dependents' });
  });

  it('foreground deletion does not wait for dependents without blockOwnerDeletion, but still deletes them', async () => {
    const owner = (await call(api, 'POST', CMS, cm('owner-fg2'))).body;
    await call(api, 'POST', CMS, {
      ...owned('dep-fg2', owner),
      metadata: { ...owned('dep-fg2', owner).metadata, finalizers: ['example.org/slow'] },
    });
    await call(api, 'DELETE', `${CMS}/owner-fg2`, { propagationPolicy: 'Foreground' });
    await waitFor(() => gone(`${CMS}/owner-fg2`), { what: 'owner deleted without waiting' });
    const dep = (await call(api, 'GET', `${CMS}/dep-fg2`)).body;
    expect(dep.metadata.deletionTimestamp).toBeTruthy();
    await call(
      api,
      'PATCH',
      `${CMS}/dep-fg2`,
      { metadata: { finalizers: null } },
      { contentType: 'application/merge-patch+json' },
    );
  });

  it('orphan deletion strips owner references and keeps the dependents', async () => {
    const owner = (await call(api, 'POST', CMS, cm('owner-or'))).body;
    await call(api, 'POST', CMS, owned('dep-or', owner));
    await call(api, 'DELETE', `${CMS}/owner-or?propagationPolicy=Orphan`);
    await waitFor(() => gone(`${CMS}/owner-or`), { what: 'owner deleted' });
    const dep = (await call(api, 'GET', `${CMS}/dep-or`)).body;
    expect(dep.metadata.ownerReferences).toBeUndefined();
  });

  it('deletes a dependent whose owner never existed', async () => {
    await call(
      api,
      'POST',
      CMS,
      owned('dangling', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'ghost', uid: '00000000-0000-0000-0000-000000000000' },
      }),
    );
    await waitFor(() => gone(`${CMS}/dangling`), { what: 'dangling dependent deleted' });
  });

  it('empties a terminating namespace, refuses new content in it, then removes it', async () => {
    await call(api, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'doomed' },
    });
    await call(
      api,
      'POST',
      '/api/v1/namespaces/doomed/configmaps',
      cm('a', {}, { finalizers: ['example.org/x'] }),
    );
    await call(api, 'POST', '/api/v1/namespaces/doomed/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      stringData: { k: 'v' },
    });
    const del = await call(api, 'DELETE', '/api/v1/namespaces/doomed');
    expect(del.body.status.phase).toBe('Terminating');
    await waitFor(
      async () => (await call(api, 'GET', '/api/v1/namespaces/doomed/secrets/s')).status === 404,
      { what: 'secret removed' },
    );
    const blocked = await call(api, 'POST', '/api/v1/namespaces/doomed/configmaps', cm('late'));
    expect(blocked.status).toBe(403);
    expect(blocked.body.message).toContain('because it is being terminated');
    expect((await call(api, 'GET', '/api/v1/namespaces/doomed')).status).toBe(200);
    await call(
      api,
      'PATCH',
      '/api/v1/namespaces/doomed/configmaps/a',
      { metadata: { finalizers: [] } },
      { contentType: 'application/merge-patch+json' },
    );
    await waitFor(() => gone('/api/v1/namespaces/doomed'), { what: 'namespace removed' });
  });

  const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';
  const deployment = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      },
      ...extra,
    },
  });

  it('reports Deployment status (observedGeneration, ready counts, Available) and scales through /scale', async () => {
    await call(api, 'POST', DEPLOYMENTS, deployment('web'));
    const ready = await waitFor(async () => {
      const d = (await call(api, 'GET', `${DEPLOYMENTS}/web`)).body;
      return d.status?.readyReplicas === 3 ? d : undefined;
    });
    expect(ready.status).toMatchObject({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
    });
    expect(ready.status.conditions.find((c: any) => c.type === 'Available').status).toBe('True');
    expect(
      ready.metadata.managedFields.some(
        (m: any) => m.manager === 'kube-controller-manager' && m.subresource === 'status',
      ),
    ).toBe(true);
    const scaled = await call(
      api,
      'PATCH',
      `${DEPLOYMENTS}/web/scale`,
      { spec: { replicas: 5 } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(scaled.body).toMatchObject({ kind: 'Scale', spec: { replicas: 5 } });
    const d2 = (await call(api, 'GET', `${DEPLOYMENTS}/web`)).body;
    expect(d2.metadata.generation).toBe(2);
    expect(d2.spec.replicas).toBe(5);
  });

  it('keeps a Deployment pinned unready at zero ready (Available=False)', async () => {
    await api.markUnready(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web-unready' },
      'unready',
    );
    await call(api, 'POST', DEPLOYMENTS, deployment('web-unready'));
    const d = await waitFor(async () => {
      const o = (await call(api, 'GET', `${DEPLOYMENTS}/web-unready`)).body;
      return o.status?.observedGeneration === 1 &&
        o.status?.conditions?.find((c: any) => c.type === 'Available' && c.status === 'False')
        ? o
        : undefined;
    });
    expect(d.status.readyReplicas).toBeUndefined();
  });

  it('marks a rollout that cannot finish within progressDeadlineSeconds Progressing=False (ProgressDeadlineExceeded)', async () => {
    // Pinned failed before it exists: its Pods crash-loop (real) or its status is pinned (sim). The apiserver's
    // deployment controller reports the deadline only for a rollout in progress, so the deadline is short.
    await api.markUnready(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web-failed' },
      'failed',
    );
    await call(api, 'POST', DEPLOYMENTS, deployment('web-failed', { progressDeadlineSeconds: 2 }));
    const failed = await waitFor(
      async () => {
        const d = (await call(api, 'GET', `${DEPLOYMENTS}/web-failed`)).body;
        return d.status?.conditions?.find((c: any) => c.type === 'Progressing' && c.status === 'False')
          ? d
          : undefined;
      },
      { timeoutMs: 20_000, what: 'Progressing=False' },
    );
    expect(failed.status.conditions.find((c: any) => c.type === 'Progressing').reason).toBe(
      'ProgressDeadlineExceeded',
    );
    expect(failed.status.readyReplicas).toBeUndefined();
  });

  it('completes Jobs, or fails them when pinned', async () => {
    const job = (name: string) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name },
      spec: {
        // The real Job controller retries failed Pods with exponential backoff (10 s, 20 s, …) up to 6 times.
        backoffLimit: 0,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      },
    });
    await api.markUnready(
      { apiVersion: 'batch/v1', kind: 'Job', namespace: 'default', name: 'bad-job' },
      'failed',
    );
    await call(api, 'POST', '/apis/batch/v1/namespaces/default/jobs', job('good-job'));
    await call(api, 'POST', '/apis/batch/v1/namespaces/default/jobs', job('bad-job'));
    const cond = async (name: string, type: string) =>
      waitFor(
        async () =>
          (
            await call(api, 'GET', `/apis/batch/v1/namespaces/default/jobs/${name}`)
          ).body.status?.conditions?.find((c: any) => c.type === type && c.status === 'True'),
        { timeoutMs: 20_000, what: `job ${name} ${type}` },
      );
    expect((await cond('good-job', 'Complete')).reason).toBe('CompletionsReached');
    expect((await cond('bad-job', 'Failed')).reason).toBe('BackoffLimitExceeded');
  });

  it('prunes, defaults and validates custom resources against a structural schema', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gizmos.example.org' },
      spec: {
        group: 'example.org',
        scope: 'Namespaced',
        names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    required: ['size'],
                    properties: {
                      size: { type: 'integer', minimum: 1 },
                      color: { type: 'string', default: 'blue' },
                    },
                  },
                  status: { type: 'object', properties: { phase: { type: 'string' } } },
                },
              },
            },
          },
        ],
      },
    };
    await call(api, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    const url = '/apis/example.org/v1/namespaces/default/gizmos';
    await waitFor(async () => (await call(api, 'GET', url)).status === 200, { what: 'gizmos served' });
    const ok = await call(api, 'POST', url, {
      apiVersion: 'example.org/v1',
      kind: 'Gizmo',
      metadata: { name: 'g' },
      spec: { size: 2, bogus: true },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.spec).toEqual({ size: 2, color: 'blue' });
    const bad = await call(api, 'POST', url, {
      apiVersion: 'example.org/v1',
      kind: 'Gizmo',
      metadata: { name: 'h' },
      spec: { size: 'big' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({
      reason: 'Invalid',
      details: { name: 'h', group: 'example.org', kind: 'Gizmo' },
    });
    // The apiserver shows the value's type as the invalid value; the simulator the value (sim-divergent).
    expect(bad.body.message).toBe(
      `Gizmo.example.org "h" is invalid: spec.size: Invalid value: ${kind === 'real' ? '"string"' : '"big"'}: spec.size in body must be of type integer: "string"`,
    );
    const st = await call(
      api,
      'PATCH',
      `${url}/g/status`,
      { status: { phase: 'Ready', junk: 1 } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(st.body.status).toEqual({ phase: 'Ready' });
    const gizmo = (spec: Record<string, unknown>) => ({
      apiVersion: 'example.org/v1',
      kind: 'Gizmo',
      metadata: { name: 'a' },
      spec,
    });
    const APPLY = { contentType: 'application/apply-patch+yaml' };
    // Unlike create, an apply does not prune: a field the schema does not declare fails it (500).
    const undeclared = await call(
      api,
      'PATCH',
      `${url}/a?fieldManager=m`,
      gizmo({ size: 1, bogus: 1 }),
      APPLY,
    );
    expect(undeclared.status).toBe(500);
    expect(undeclared.body.message).toContain('.spec.bogus: field not declared in schema');
    const applied = await call(api, 'PATCH', `${url}/a?fieldManager=m`, gizmo({ size: 1 }), APPLY);
    expect(applied.body.spec).toEqual({ size: 1, color: 'blue' });
    expect(Object.keys(applied.body.metadata.managedFields[0].fieldsV1['f:spec'])).toEqual(['f:size']);
  });

  it('answers the immediate delete of a custom resource with a Status', async () => {
    const w = (
      await call(api, 'POST', WIDGETS, {
        apiVersion: 'example.org/v1',
        kind: 'Widget',
        metadata: { name: 'w-del' },
        spec: { size: 1 },
      })
    ).body;
    const del = await call(api, 'DELETE', `${WIDGETS}/w-del`);
    expect(del.status).toBe(200);
    // The apiserver answers Status Success; the simulator the deleted object (sim-divergent).
    if (kind === 'real')
      expect(del.body).toMatchObject({
        kind: 'Status',
        status: 'Success',
        details: { name: 'w-del', group: 'example.org', kind: 'widgets', uid: w.metadata.uid },
      });
    else expect(del.body).toMatchObject({ kind: 'Widget', metadata: { name: 'w-del' } });
  });

  it('deletes a CRD only after its custom resources are gone', async () => {
    await call(api, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.org');
    await waitFor(() => gone('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.org'), {
      what: 'CRD removed',
    });
    expect((await call(api, 'GET', WIDGETS)).status).toBe(404);
  });
});
