/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- suites read untyped JSON API responses */
import { startKubeSim, type KubeSim } from '@lostromos/kube-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './sim-client.js';

let sim: KubeSim;
beforeAll(async () => {
  sim = await startKubeSim({ workloads: { enabled: false } });
});
afterAll(() => sim.stop());

const APPLY = 'application/apply-patch+yaml';
const path = (name: string, q: string) => `/api/v1/namespaces/default/configmaps/${name}?${q}`;
const apply = (name: string, manager: string, body: unknown, extra = '') =>
  call(sim, 'PATCH', path(name, `fieldManager=${manager}${extra}`), body, { contentType: APPLY });
const cmBody = (name: string, data: Record<string, string>, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: labels ? { name, labels } : { name },
  data,
});

describe('kube-sim server-side apply', () => {
  it('creates on first apply (201) and records an Apply managedFields entry in FieldsV1 form', async () => {
    const r = await apply('ssa-a', 'alpha', cmBody('ssa-a', { x: '1' }, { app: 'a' }));
    expect(r.status).toBe(201);
    const mf = r.body.metadata.managedFields;
    expect(mf).toHaveLength(1);
    expect(mf[0]).toMatchObject({
      manager: 'alpha',
      operation: 'Apply',
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
    });
    expect(mf[0].fieldsV1).toEqual({
      'f:data': { '.': {}, 'f:x': {} },
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    });
  });

  it('accepts YAML apply bodies and requires fieldManager', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-yaml\ndata:\n  k: "v"\n';
    const r = await call(sim, 'PATCH', path('ssa-yaml', 'fieldManager=y'), yaml, { contentType: APPLY });
    expect(r.status).toBe(201);
    expect(r.body.data).toEqual({ k: 'v' });
    const missing = await call(sim, 'PATCH', path('ssa-yaml', ''), yaml, { contentType: APPLY });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe('fieldManager is required for apply requests');
  });

  it('conflicts when another manager owns a field with a different value, unless forced; force transfers ownership', async () => {
    await apply('ssa-c', 'alpha', cmBody('ssa-c', { x: '1', y: '2' }));
    const conflict = await apply('ssa-c', 'beta', cmBody('ssa-c', { x: 'other' }));
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({
      reason: 'Conflict',
      code: 409,
      details: { name: 'ssa-c', kind: 'configmaps' },
    });
    expect(conflict.body.message).toBe(
      'Apply failed with 1 conflict: conflict with "alpha" using v1: .data.x',
    );
    expect(conflict.body.details.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "alpha" using v1', field: '.data.x' },
    ]);
    const forced = await apply('ssa-c', 'beta', cmBody('ssa-c', { x: 'other' }), '&force=true');
    expect(forced.status).toBe(200);
    expect(forced.body.data).toEqual({ x: 'other', y: '2' });
    const owners = Object.fromEntries(
      forced.body.metadata.managedFields.map((m: any) => [m.manager, Object.keys(m.fieldsV1['f:data'])]),
    );
    expect(owners).toEqual({ alpha: ['.', 'f:y'], beta: ['.', 'f:x'] });
  });

  it('shares ownership of equal values and removes fields a manager stops applying unless someone else owns them', async () => {
    await apply('ssa-r', 'alpha', cmBody('ssa-r', { shared: 's', mine: 'm' }));
    await apply('ssa-r', 'beta', cmBody('ssa-r', { shared: 's' }));
    const r = await apply('ssa-r', 'alpha', cmBody('ssa-r', {}));
    expect(r.body.data).toEqual({ shared: 's' });
    const r2 = await apply('ssa-r', 'beta', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ssa-r' },
    });
    expect(r2.body.data ?? {}).toEqual({});
  });

  it('gives non-apply writers ownership of the fields they change, so a later apply conflicts with them', async () => {
    await apply('ssa-u', 'alpha', cmBody('ssa-u', { x: '1' }));
    await call(
      sim,
      'PATCH',
      '/api/v1/namespaces/default/configmaps/ssa-u?fieldManager=editor',
      { data: { x: 'edited' } },
      { contentType: 'application/merge-patch+json' },
    );
    const c = await apply('ssa-u', 'alpha', cmBody('ssa-u', { x: '1' }));
    expect(c.status).toBe(409);
    expect(c.body.message).toContain('conflict with "editor"');
  });

  it("merges associative lists by key (containers by name) and keeps other managers' elements", async () => {
    const dep = (containers: any[]) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ssa-d' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers } },
      },
    });
    const url = (m: string, extra = '') =>
      `/apis/apps/v1/namespaces/default/deployments/ssa-d?fieldManager=${m}${extra}`;
    await call(sim, 'PATCH', url('alpha'), dep([{ name: 'app', image: 'a:1' }]), { contentType: APPLY });
    const r = await call(sim, 'PATCH', url('beta'), dep([{ name: 'sidecar', image: 's:1' }]), {
      contentType: APPLY,
    });
    expect(r.status).toBe(200);
    expect(r.body.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['app', 'sidecar']);
    const beta = r.body.metadata.managedFields.find((m: any) => m.manager === 'beta');
    expect(Object.keys(beta.fieldsV1['f:spec']['f:template']['f:spec']['f:containers'])).toEqual([
      'k:{"name":"sidecar"}',
    ]);
    const c = await call(sim, 'PATCH', url('beta'), dep([{ name: 'app', image: 'a:2' }]), {
      contentType: APPLY,
    });
    expect(c.status).toBe(409);
    expect(c.body.message).toContain('.spec.template.spec.containers[name="app"].image');
  });

  it('ignores status in main-resource applies when status is a subresource, and applies it on /status', async () => {
    const body = (status: any) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ssa-s' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
      status,
    });
    const main = await call(
      sim,
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/ssa-s?fieldManager=m',
      body({ replicas: 9 }),
      { contentType: APPLY },
    );
    expect(main.body.status).toBeUndefined();
    const st = await call(
      sim,
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/ssa-s/status?fieldManager=ctl',
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-s' }, status: { replicas: 9 } },
      { contentType: APPLY },
    );
    expect(st.status).toBe(200);
    expect(st.body.status).toEqual({ replicas: 9 });
    expect(st.body.metadata.managedFields.find((m: any) => m.manager === 'ctl')).toMatchObject({
      operation: 'Apply',
      subresource: 'status',
    });
  });

  it('is a no-op (same resourceVersion) when re-applying the same configuration', async () => {
    const a = await apply('ssa-n', 'alpha', cmBody('ssa-n', { x: '1' }));
    const b = await apply('ssa-n', 'alpha', cmBody('ssa-n', { x: '1' }));
    expect(b.body.metadata.resourceVersion).toBe(a.body.metadata.resourceVersion);
  });

  it('rejects apply bodies whose kind or apiVersion do not match the URL', async () => {
    const r = await apply('ssa-k', 'alpha', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'ssa-k' },
    });
    expect(r.status).toBe(400);
  });
});

describe('kube-sim field ownership across subresources', () => {
  it('keeps main-resource owners when status is written, and status owners when the spec is written', async () => {
    const url = '/apis/apps/v1/namespaces/default/deployments/own';
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'own' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
    };
    await call(sim, 'PATCH', `${url}?fieldManager=app`, dep, { contentType: APPLY });
    await call(
      sim,
      'PATCH',
      `${url}/status?fieldManager=ctl`,
      { status: { replicas: 1 } },
      { contentType: 'application/merge-patch+json' },
    );
    await call(
      sim,
      'PATCH',
      `${url}?fieldManager=labeler`,
      { metadata: { labels: { x: 'y' } } },
      { contentType: 'application/merge-patch+json' },
    );
    const d = (await call(sim, 'GET', url)).body;
    const managers = d.metadata.managedFields.map(
      (m: any) => `${m.manager}/${m.operation}/${m.subresource ?? ''}`,
    );
    expect(managers).toEqual(['app/Apply/', 'ctl/Update/status', 'labeler/Update/']);
  });
});

describe('kube-sim SSA of defaulted list-map keys', () => {
  it('matches applied ports without a protocol to the defaulted TCP element, so re-applying does not duplicate them', async () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ports' },
      spec: { selector: { app: 'x' }, ports: [{ port: 80, targetPort: 8080 }] },
    };
    const url = '/api/v1/namespaces/default/services/ports?fieldManager=op';
    await call(sim, 'PATCH', url, svc, { contentType: APPLY });
    const again = await call(sim, 'PATCH', url, svc, { contentType: APPLY });
    expect(again.body.spec.ports).toEqual([{ port: 80, targetPort: 8080, protocol: 'TCP' }]);
    const mf = again.body.metadata.managedFields.find((m: any) => m.manager === 'op');
    expect(Object.keys(mf.fieldsV1['f:spec']['f:ports'])).toEqual(['k:{"port":80,"protocol":"TCP"}']);
    const changed = await call(
      sim,
      'PATCH',
      url,
      { ...svc, spec: { ...svc.spec, ports: [{ port: 80, targetPort: 9090 }] } },
      { contentType: APPLY },
    );
    expect(changed.body.spec.ports).toEqual([{ port: 80, targetPort: 9090, protocol: 'TCP' }]);
  });
});
