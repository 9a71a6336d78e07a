/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- suites read untyped JSON API responses */
import { startKubeSim, type KubeSim } from '@lostromos/kube-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { call, cm } from './sim-client.js';

let sim: KubeSim;
beforeAll(async () => {
  sim = await startKubeSim({ workloads: { delayMs: 20 } });
});
afterAll(() => sim.stop());

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
const gone = async (path: string): Promise<boolean> => (await call(sim, 'GET', path)).status === 404;

describe('kube-sim object lifecycle', () => {
  it('serves a CRD resource as soon as the CRD is created, reports Established, and removes its objects when deleted', async () => {
    const r = await call(sim, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD);
    expect(r.status).toBe(201);
    expect((await call(sim, 'GET', WIDGETS)).status).toBe(200);
    const crd = await waitFor(async () => {
      const c = (
        await call(sim, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.org')
      ).body;
      return c.status?.conditions?.find((x: any) => x.type === 'Established' && x.status === 'True')
        ? c
        : undefined;
    });
    expect(crd.status.acceptedNames.kind).toBe('Widget');
    const disc = (await call(sim, 'GET', '/apis/example.org/v1')).body;
    expect(disc.resources.map((x: any) => x.name)).toEqual(['widgets', 'widgets/status']);
    await call(sim, 'POST', WIDGETS, {
      apiVersion: 'example.org/v1',
      kind: 'Widget',
      metadata: { name: 'w1' },
      spec: { size: 3 },
    });
    const table = (
      await call(sim, 'GET', WIDGETS, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })
    ).body;
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Size']);
    expect(table.rows[0].cells).toEqual(['w1', 3]);
  });

  it('bumps generation on spec changes only, and keeps status and spec apart with the status subresource', async () => {
    const w = (
      await call(sim, 'POST', WIDGETS, {
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
        sim,
        'PATCH',
        `${WIDGETS}/gen`,
        { metadata: { labels: { a: 'b' } } },
        { contentType: 'application/merge-patch+json' },
      )
    ).body;
    expect(labelled.metadata.generation).toBe(1);
    const specced = (
      await call(
        sim,
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
        sim,
        'PATCH',
        `${WIDGETS}/gen/status`,
        { spec: { size: 99 }, status: { phase: 'Ready' } },
        { contentType: 'application/merge-patch+json' },
      )
    ).body;
    expect(st.status).toEqual({ phase: 'Ready' });
    expect(st.spec.size).toBe(2);
    expect(st.metadata.generation).toBe(2);
    expect((await call(sim, 'GET', `${CMS}/x/status`)).status).toBe(404);
  });

  it('holds an object with finalizers (deletionTimestamp set) until they are removed, and forbids new finalizers', async () => {
    await call(sim, 'POST', CMS, cm('held', {}, { finalizers: ['example.org/hold'] }));
    const del = await call(sim, 'DELETE', `${CMS}/held`);
    expect(del.status).toBe(200);
    expect(del.body.metadata.deletionTimestamp).toBeTruthy();
    const more = await call(
      sim,
      'PATCH',
      `${CMS}/held`,
      { metadata: { finalizers: ['example.org/hold', 'example.org/more'] } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(more.status).toBe(422);
    expect((await call(sim, 'GET', `${CMS}/held`)).status).toBe(200);
    await call(
      sim,
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
    const owner = (await call(sim, 'POST', CMS, cm('owner-bg'))).body;
    await call(sim, 'POST', CMS, owned('dep-bg', owner));
    await call(sim, 'DELETE', `${CMS}/owner-bg`);
    await waitFor(() => gone(`${CMS}/dep-bg`), { what: 'dependent deleted' });
  });

  it('foreground deletion keeps the owner (foregroundDeletion finalizer) until dependents are gone', async () => {
    const owner = (await call(sim, 'POST', CMS, cm('owner-fg'))).body;
    await call(sim, 'POST', CMS, owned('dep-fg', owner, { blockOwnerDeletion: true }));
    await call(
      sim,
      'PATCH',
      `${CMS}/dep-fg`,
      { metadata: { finalizers: ['example.org/slow'] } },
      { contentType: 'application/merge-patch+json' },
    );
    const del = await call(sim, 'DELETE', `${CMS}/owner-fg`, { propagationPolicy: 'Foreground' });
    expect(del.body.metadata.finalizers).toContain('foregroundDeletion');
    await waitFor(async () => (await call(sim, 'GET', `${CMS}/dep-fg`)).body.metadata.deletionTimestamp, {
      what: 'dependent deleting',
    });
    expect((await call(sim, 'GET', `${CMS}/owner-fg`)).status).toBe(200);
    await call(
      sim,
      'PATCH',
      `${CMS}/dep-fg`,
      { metadata: { finalizers: null } },
      { contentType: 'application/merge-patch+json' },
    );
    await waitFor(() => gone(`${CMS}/owner-fg`), { what: 'owner deleted after dependents' });
  });

  it('foreground deletion does not wait for dependents without blockOwnerDeletion, but still deletes them', async () => {
    const owner = (await call(sim, 'POST', CMS, cm('owner-fg2'))).body;
    await call(sim, 'POST', CMS, {
      ...owned('dep-fg2', owner),
      metadata: { ...owned('dep-fg2', owner).metadata, finalizers: ['example.org/slow'] },
    });
    await call(sim, 'DELETE', `${CMS}/owner-fg2`, { propagationPolicy: 'Foreground' });
    await waitFor(() => gone(`${CMS}/owner-fg2`), { what: 'owner deleted without waiting' });
    const dep = (await call(sim, 'GET', `${CMS}/dep-fg2`)).body;
    expect(dep.metadata.deletionTimestamp).toBeTruthy();
    await call(
      sim,
      'PATCH',
      `${CMS}/dep-fg2`,
      { metadata: { finalizers: null } },
      { contentType: 'application/merge-patch+json' },
    );
  });

  it('orphan deletion strips owner references and keeps the dependents', async () => {
    const owner = (await call(sim, 'POST', CMS, cm('owner-or'))).body;
    await call(sim, 'POST', CMS, owned('dep-or', owner));
    await call(sim, 'DELETE', `${CMS}/owner-or?propagationPolicy=Orphan`);
    await waitFor(() => gone(`${CMS}/owner-or`), { what: 'owner deleted' });
    const dep = (await call(sim, 'GET', `${CMS}/dep-or`)).body;
    expect(dep.metadata.ownerReferences).toBeUndefined();
  });

  it('deletes a dependent whose owner never existed', async () => {
    await call(
      sim,
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
    await call(sim, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'doomed' },
    });
    await call(
      sim,
      'POST',
      '/api/v1/namespaces/doomed/configmaps',
      cm('a', {}, { finalizers: ['example.org/x'] }),
    );
    await call(sim, 'POST', '/api/v1/namespaces/doomed/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      stringData: { k: 'v' },
    });
    const del = await call(sim, 'DELETE', '/api/v1/namespaces/doomed');
    expect(del.body.status.phase).toBe('Terminating');
    await waitFor(
      async () => (await call(sim, 'GET', '/api/v1/namespaces/doomed/secrets/s')).status === 404,
      { what: 'secret removed' },
    );
    const blocked = await call(sim, 'POST', '/api/v1/namespaces/doomed/configmaps', cm('late'));
    expect(blocked.status).toBe(403);
    expect(blocked.body.message).toContain('because it is being terminated');
    expect((await call(sim, 'GET', '/api/v1/namespaces/doomed')).status).toBe(200);
    await call(
      sim,
      'PATCH',
      '/api/v1/namespaces/doomed/configmaps/a',
      { metadata: { finalizers: [] } },
      { contentType: 'application/merge-patch+json' },
    );
    await waitFor(() => gone('/api/v1/namespaces/doomed'), { what: 'namespace removed' });
  });

  it('simulates Deployment status (observedGeneration, ready counts, Available) and can pin it unready or failed', async () => {
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        },
      },
    };
    await call(sim, 'POST', '/apis/apps/v1/namespaces/default/deployments', dep);
    const ready = await waitFor(async () => {
      const d = (await call(sim, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).body;
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
    sim.markUnready(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' },
      'failed',
    );
    const failed = await waitFor(async () => {
      const d = (await call(sim, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).body;
      return d.status?.conditions?.find((c: any) => c.type === 'Progressing' && c.status === 'False')
        ? d
        : undefined;
    });
    expect(failed.status.conditions.find((c: any) => c.type === 'Progressing').reason).toBe(
      'ProgressDeadlineExceeded',
    );
    expect(failed.status.readyReplicas).toBeUndefined();
    const scaled = await call(
      sim,
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/web/scale',
      { spec: { replicas: 5 } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(scaled.body).toMatchObject({ kind: 'Scale', spec: { replicas: 5 } });
    const d2 = (await call(sim, 'GET', '/apis/apps/v1/namespaces/default/deployments/web')).body;
    expect(d2.metadata.generation).toBe(2);
  });

  it('completes Jobs, or fails them when pinned', async () => {
    const job = (name: string) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    sim.markUnready({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'default', name: 'bad-job' }, 'failed');
    await call(sim, 'POST', '/apis/batch/v1/namespaces/default/jobs', job('good-job'));
    await call(sim, 'POST', '/apis/batch/v1/namespaces/default/jobs', job('bad-job'));
    const cond = async (name: string, type: string) =>
      waitFor(async () =>
        (
          await call(sim, 'GET', `/apis/batch/v1/namespaces/default/jobs/${name}`)
        ).body.status?.conditions?.find((c: any) => c.type === type && c.status === 'True'),
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
    await call(sim, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    const url = '/apis/example.org/v1/namespaces/default/gizmos';
    const ok = await call(sim, 'POST', url, {
      apiVersion: 'example.org/v1',
      kind: 'Gizmo',
      metadata: { name: 'g' },
      spec: { size: 2, bogus: true },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.spec).toEqual({ size: 2, color: 'blue' });
    const bad = await call(sim, 'POST', url, {
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
    expect(bad.body.message).toBe(
      'Gizmo.example.org "h" is invalid: spec.size: Invalid value: "big": spec.size in body must be of type integer: "string"',
    );
    const st = await call(
      sim,
      'PATCH',
      `${url}/g/status`,
      { status: { phase: 'Ready', junk: 1 } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(st.body.status).toEqual({ phase: 'Ready' });
    const applied = await call(
      sim,
      'PATCH',
      `${url}/a?fieldManager=m`,
      { apiVersion: 'example.org/v1', kind: 'Gizmo', metadata: { name: 'a' }, spec: { size: 1, bogus: 1 } },
      { contentType: 'application/apply-patch+yaml' },
    );
    expect(applied.body.spec).toEqual({ size: 1, color: 'blue' });
    expect(Object.keys(applied.body.metadata.managedFields[0].fieldsV1['f:spec'])).toEqual(['f:size']);
  });

  it('deletes a CRD only after its custom resources are gone', async () => {
    await call(sim, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.org');
    await waitFor(() => gone('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.org'), {
      what: 'CRD removed',
    });
    expect((await call(sim, 'GET', WIDGETS)).status).toBe(404);
  });
});
