/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- suites read untyped JSON API responses */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSubstrate, type Substrate } from '../support/substrate.js';
import { waitFor } from '../support/index.js';
import { call, SUBSTRATES } from './sim-client.js';

const APPLY = 'application/apply-patch+yaml';
const path = (name: string, q: string) => `/api/v1/namespaces/default/configmaps/${name}?${q}`;
const cmBody = (name: string, data: Record<string, string>, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: labels ? { name, labels } : { name },
  data,
});

describe.each(SUBSTRATES)('server-side apply (%s)', (kind) => {
  let api: Substrate;
  beforeAll(async () => {
    api = await startSubstrate({ kind, sim: { workloads: { enabled: false } } });
  });
  afterAll(() => api?.stop());
  const apply = (name: string, manager: string, body: unknown, extra = '') =>
    call(api, 'PATCH', path(name, `fieldManager=${manager}${extra}`), body, { contentType: APPLY });

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
    // An applied configuration owns its leaves; maps and structs that have children are not owned themselves
    // (no '.' entry), unlike in the field set of an Update.
    expect(mf[0].fieldsV1).toEqual({
      'f:data': { 'f:x': {} },
      'f:metadata': { 'f:labels': { 'f:app': {} } },
    });
  });

  it('accepts YAML apply bodies and requires fieldManager', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-yaml\ndata:\n  k: "v"\n';
    const r = await call(api, 'PATCH', path('ssa-yaml', 'fieldManager=y'), yaml, { contentType: APPLY });
    expect(r.status).toBe(201);
    expect(r.body.data).toEqual({ k: 'v' });
    const missing = await call(api, 'PATCH', path('ssa-yaml', ''), yaml, { contentType: APPLY });
    // The apiserver validates PatchOptions (422 Invalid); the simulator answers 400 (sim-divergent).
    if (kind === 'real') {
      expect(missing.status).toBe(422);
      expect(missing.body.message).toBe(
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    } else {
      expect(missing.status).toBe(400);
      expect(missing.body.message).toBe('fieldManager is required for apply requests');
    }
  });

  it('conflicts when another manager owns a field with a different value, unless forced; force transfers ownership', async () => {
    await apply('ssa-c', 'alpha', cmBody('ssa-c', { x: '1', y: '2' }));
    const conflict = await apply('ssa-c', 'beta', cmBody('ssa-c', { x: 'other' }));
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ reason: 'Conflict', code: 409 });
    // The apiserver names an Apply manager alone ("using <apiVersion> at <time>" only for Update managers)
    // and puts no name/kind into details; the simulator adds "using v1" and name/kind (sim-divergent).
    const who = kind === 'real' ? '"alpha"' : '"alpha" using v1';
    expect(conflict.body.message).toBe(`Apply failed with 1 conflict: conflict with ${who}: .data.x`);
    expect(conflict.body.details.causes).toEqual([
      { reason: 'FieldManagerConflict', message: `conflict with ${who}`, field: '.data.x' },
    ]);
    const forced = await apply('ssa-c', 'beta', cmBody('ssa-c', { x: 'other' }), '&force=true');
    expect(forced.status).toBe(200);
    expect(forced.body.data).toEqual({ x: 'other', y: '2' });
    const owners = Object.fromEntries(
      forced.body.metadata.managedFields.map((m: any) => [m.manager, Object.keys(m.fieldsV1['f:data'])]),
    );
    expect(owners).toEqual({ alpha: ['f:y'], beta: ['f:x'] });
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
      api,
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
    await call(api, 'PATCH', url('alpha'), dep([{ name: 'app', image: 'a:1' }]), { contentType: APPLY });
    const r = await call(api, 'PATCH', url('beta'), dep([{ name: 'sidecar', image: 's:1' }]), {
      contentType: APPLY,
    });
    expect(r.status).toBe(200);
    expect(r.body.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['app', 'sidecar']);
    const beta = r.body.metadata.managedFields.find((m: any) => m.manager === 'beta');
    expect(Object.keys(beta.fieldsV1['f:spec']['f:template']['f:spec']['f:containers'])).toEqual([
      'k:{"name":"sidecar"}',
    ]);
    const c = await call(api, 'PATCH', url('beta'), dep([{ name: 'app', image: 'a:2' }]), {
      contentType: APPLY,
    });
    expect(c.status).toBe(409);
    expect(c.body.message).toContain('.spec.template.spec.containers[name="app"].image');
  });

  it('ignores status in main-resource applies when status is a subresource, and applies it on /status', async () => {
    // A Service: no controller of the real control plane writes its status (there is no cloud provider).
    const url = '/api/v1/namespaces/default/services/ssa-s';
    const condition = {
      type: 'Ready',
      status: 'True',
      reason: 'Tested',
      message: 'set by the test',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    };
    const body = (status?: any) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ssa-s' },
      ...(status ? { status } : {}),
    });
    const main = await call(
      api,
      'PATCH',
      `${url}?fieldManager=m`,
      { ...body({ conditions: [condition] }), spec: { selector: { a: 'b' }, ports: [{ port: 80 }] } },
      { contentType: APPLY },
    );
    expect(main.status).toBe(201);
    expect(main.body.status?.conditions).toBeUndefined();
    const st = await call(api, 'PATCH', `${url}/status?fieldManager=ctl`, body({ conditions: [condition] }), {
      contentType: APPLY,
    });
    expect(st.status).toBe(200);
    expect(st.body.status.conditions).toEqual([condition]);
    expect(st.body.spec.ports).toHaveLength(1);
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

  // The precondition of libs/kube's create-only apply (KubeClusterPorts.applyIfAbsent): deletionGracePeriodSeconds
  // is dropped when an apply creates the object, and changing it on an existing object is invalid.
  it('create-only apply: creates when absent; refuses (422, nothing written) an existing object, even a deleting one', async () => {
    const grace = Number.MAX_SAFE_INTEGER;
    const guarded = (name: string, data: Record<string, string>) => {
      const body = cmBody(name, data, { app: 'mine' });
      return { ...body, metadata: { ...body.metadata, deletionGracePeriodSeconds: grace } };
    };
    const created = await apply('ssa-co', 'lostromos', guarded('ssa-co', { x: '1' }), '&force=true');
    expect(created.status).toBe(201);
    expect(created.body.metadata.deletionGracePeriodSeconds).toBeUndefined();
    expect(created.body.data).toEqual({ x: '1' });

    const theirs = await call(
      api,
      'POST',
      '/api/v1/namespaces/default/configmaps',
      cmBody('ssa-co2', { x: 'theirs' }),
    );
    expect(theirs.status).toBe(201);
    for (const name of ['ssa-co', 'ssa-co2']) {
      const before = (await call(api, 'GET', path(name, ''))).body;
      const refused = await apply(name, 'lostromos', guarded(name, { x: 'taken' }), '&force=true');
      expect(refused.status).toBe(422);
      expect(refused.body.reason).toBe('Invalid');
      expect(refused.body.details.causes).toEqual([
        {
          reason: 'FieldValueInvalid',
          message: `Invalid value: ${grace}: field is immutable`,
          field: 'metadata.deletionGracePeriodSeconds',
        },
      ]);
      const after = (await call(api, 'GET', path(name, ''))).body;
      expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    }

    // An object being deleted (held by a finalizer) carries a grace period of 0: still refused.
    const held = cmBody('ssa-co3', { x: 'held' });
    await call(api, 'POST', '/api/v1/namespaces/default/configmaps', {
      ...held,
      metadata: { ...held.metadata, finalizers: ['example.com/hold'] },
    });
    await call(api, 'DELETE', path('ssa-co3', ''));
    const deleting = (await call(api, 'GET', path('ssa-co3', ''))).body;
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    expect(
      (await apply('ssa-co3', 'lostromos', guarded('ssa-co3', { x: 'taken' }), '&force=true')).status,
    ).toBe(422);
    await call(
      api,
      'PATCH',
      path('ssa-co3', ''),
      { metadata: { finalizers: null } },
      {
        contentType: 'application/merge-patch+json',
      },
    );
  });

  // The precondition of libs/kube's uid apply (KubeClusterPorts.applyIfUid): an applied configuration naming
  // metadata.uid applies to that object only; another object of the name, or none, refuses it unchanged.
  it('uid apply: applies to the object with that uid; refuses a replaced one (422) and an absent one (409), writing nothing', async () => {
    const created = await apply('ssa-uid', 'lostromos', cmBody('ssa-uid', { x: '1' }), '&force=true');
    expect(created.status).toBe(201);
    const uid = created.body.metadata.uid;
    const withUid = (name: string, data: Record<string, string>, u: string) => {
      const body = cmBody(name, data);
      return { ...body, metadata: { ...body.metadata, uid: u } };
    };
    const same = await apply('ssa-uid', 'lostromos', withUid('ssa-uid', { x: '2' }, uid), '&force=true');
    expect(same.status).toBe(200);
    expect(same.body.data).toEqual({ x: '2' });
    expect(same.body.metadata.uid).toBe(uid);
    // The uid is no field of the applied configuration: nothing new in the manager's entry.
    const mine = same.body.metadata.managedFields.find((m: any) => m.manager === 'lostromos');
    expect(mine.fieldsV1).toEqual({ 'f:data': { 'f:x': {} } });

    // Replaced: same name, another object.
    await call(api, 'DELETE', path('ssa-uid', ''));
    const theirs = await call(
      api,
      'POST',
      '/api/v1/namespaces/default/configmaps',
      cmBody('ssa-uid', { x: 'theirs' }),
    );
    const replaced = await apply('ssa-uid', 'lostromos', withUid('ssa-uid', { x: '3' }, uid), '&force=true');
    expect(replaced.status).toBe(422);
    expect(replaced.body).toMatchObject({
      reason: 'Invalid',
      message: `ConfigMap "ssa-uid" is invalid: metadata.uid: Invalid value: "${uid}": field is immutable`,
      details: {
        name: 'ssa-uid',
        kind: 'ConfigMap',
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: `Invalid value: "${uid}": field is immutable`,
            field: 'metadata.uid',
          },
        ],
      },
    });
    const after = (await call(api, 'GET', path('ssa-uid', ''))).body;
    expect(after.data).toEqual({ x: 'theirs' });
    expect(after.metadata.resourceVersion).toBe(theirs.body.metadata.resourceVersion);

    // Absent: never created (also for a kind of a named group, whose validation it precedes).
    const absent = await apply(
      'ssa-uid-none',
      'lostromos',
      withUid('ssa-uid-none', { x: '1' }, uid),
      '&force=true',
    );
    expect(absent.status).toBe(409);
    expect(absent.body).toMatchObject({
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on configmaps "ssa-uid-none": uid mismatch: the provided object specified uid ${uid}, and no existing object was found`,
      details: { name: 'ssa-uid-none', kind: 'configmaps' },
    });
    expect((await call(api, 'GET', path('ssa-uid-none', ''))).status).toBe(404);
    const deployment = await call(
      api,
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/ssa-uid-none?fieldManager=lostromos&force=true',
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-uid-none', uid } },
      { contentType: APPLY },
    );
    expect(deployment.status).toBe(409);
    expect(deployment.body.details).toEqual({ name: 'ssa-uid-none', group: 'apps', kind: 'deployments' });

    // An object being deleted (held by a finalizer) is still that object: applied.
    const held = cmBody('ssa-uid-held', { x: 'held' });
    const heldObj = await call(api, 'POST', '/api/v1/namespaces/default/configmaps', {
      ...held,
      metadata: { ...held.metadata, finalizers: ['example.com/hold'] },
    });
    await call(api, 'DELETE', path('ssa-uid-held', ''));
    const deleting = await apply(
      'ssa-uid-held',
      'lostromos',
      withUid('ssa-uid-held', { x: 'still' }, heldObj.body.metadata.uid),
      '&force=true',
    );
    expect(deleting.status).toBe(200);
    expect(deleting.body.metadata.deletionTimestamp).toBeDefined();
    await call(
      api,
      'PATCH',
      path('ssa-uid-held', ''),
      { metadata: { finalizers: null } },
      { contentType: 'application/merge-patch+json' },
    );
  });

  describe('field ownership across subresources', () => {
    it('keeps main-resource owners when status is written, and status owners when the spec is written', async () => {
      // A Service: no controller of the real control plane writes its status (there is no cloud provider).
      const url = '/api/v1/namespaces/default/services/own';
      const svc = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'own' },
        spec: { selector: { app: 'own' }, ports: [{ port: 80 }] },
      };
      await call(api, 'PATCH', `${url}?fieldManager=app`, svc, { contentType: APPLY });
      const condition = {
        type: 'Ready',
        status: 'True',
        reason: 'Tested',
        message: 'set by the test',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      };
      const st = await call(
        api,
        'PATCH',
        `${url}/status?fieldManager=ctl`,
        { status: { conditions: [condition] } },
        { contentType: 'application/merge-patch+json' },
      );
      expect(st.status).toBe(200);
      await call(
        api,
        'PATCH',
        `${url}?fieldManager=labeler`,
        { metadata: { labels: { x: 'y' } } },
        { contentType: 'application/merge-patch+json' },
      );
      const d = (await call(api, 'GET', url)).body;
      expect(d.status.conditions).toEqual([condition]);
      const managers = d.metadata.managedFields.map(
        (m: any) => `${m.manager}/${m.operation}/${m.subresource ?? ''}`,
      );
      expect(managers).toEqual(['app/Apply/', 'ctl/Update/status', 'labeler/Update/']);
    });
  });

  describe('SSA of defaulted list-map keys', () => {
    it('matches applied ports without a protocol to the defaulted TCP element, so re-applying does not duplicate them', async () => {
      const svc = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'ports' },
        spec: { selector: { app: 'x' }, ports: [{ port: 80, targetPort: 8080 }] },
      };
      const url = '/api/v1/namespaces/default/services/ports?fieldManager=op';
      await call(api, 'PATCH', url, svc, { contentType: APPLY });
      const again = await call(api, 'PATCH', url, svc, { contentType: APPLY });
      expect(again.body.spec.ports).toEqual([{ port: 80, targetPort: 8080, protocol: 'TCP' }]);
      const mf = again.body.metadata.managedFields.find((m: any) => m.manager === 'op');
      expect(Object.keys(mf.fieldsV1['f:spec']['f:ports'])).toEqual(['k:{"port":80,"protocol":"TCP"}']);
      const changed = await call(
        api,
        'PATCH',
        url,
        { ...svc, spec: { ...svc.spec, ports: [{ port: 80, targetPort: 9090 }] } },
        { contentType: APPLY },
      );
      expect(changed.body.spec.ports).toEqual([{ port: 80, targetPort: 9090, protocol: 'TCP' }]);
    });
  });

  describe('field ownership of non-apply writes', () => {
    const fields = (obj: any) =>
      Object.fromEntries(obj.metadata.managedFields.map((m: any) => [m.manager, m.fieldsV1]));
    it('owns what an Update added (objects with `.`) or changed, and takes changed leaves from their owner', async () => {
      const CMS = '/api/v1/namespaces/default/configmaps';
      const created = await call(api, 'POST', `${CMS}?fieldManager=creator`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'upd' },
        data: { a: '1' },
      });
      expect(fields(created.body)).toEqual({ creator: { 'f:data': { '.': {}, 'f:a': {} } } });
      const edited = await call(
        api,
        'PATCH',
        `${CMS}/upd?fieldManager=editor`,
        { metadata: { labels: { x: 'y' } }, data: { a: '2', b: '1' } },
        { contentType: 'application/merge-patch+json' },
      );
      // data existed, so the editor owns only the leaves it set; the creator keeps `data` itself.
      expect(fields(edited.body)).toEqual({
        creator: { 'f:data': {} },
        editor: {
          'f:data': { 'f:a': {}, 'f:b': {} },
          'f:metadata': { 'f:labels': { '.': {}, 'f:x': {} } },
        },
      });
      const removed = await call(
        api,
        'PATCH',
        `${CMS}/upd?fieldManager=editor`,
        [{ op: 'remove', path: '/data' }],
        { contentType: 'application/json-patch+json' },
      );
      // Removed fields leave every manager.
      expect(fields(removed.body)).toEqual({
        editor: { 'f:metadata': { 'f:labels': { '.': {}, 'f:x': {} } } },
      });
    });
  });

  describe('custom resources', () => {
    const crd = (plural: string, kind: string, openAPIV3Schema: Record<string, unknown>) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.ssa.example.org` },
      spec: {
        group: 'ssa.example.org',
        scope: 'Namespaced',
        names: { plural, singular: kind.toLowerCase(), kind },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema } }],
      },
    });
    const GADGETS = '/apis/ssa.example.org/v1/namespaces/default/gadgets';
    const BLOBS = '/apis/ssa.example.org/v1/namespaces/default/blobs';
    beforeAll(async () => {
      await call(
        api,
        'POST',
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
        crd('gadgets', 'Gadget', {
          type: 'object',
          properties: {
            spec: {
              type: 'object',
              properties: {
                a: { type: 'object', properties: { b: { type: 'string' }, c: { type: 'string' } } },
                m: {
                  type: 'object',
                  additionalProperties: { type: 'object', properties: { z: { type: 'string' } } },
                },
              },
            },
          },
        }),
      );
      await call(
        api,
        'POST',
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
        crd('blobs', 'Blob', { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }),
      );
      for (const url of [GADGETS, BLOBS])
        await waitFor(async () => (await call(api, 'GET', url)).status === 200, { what: `${url} served` });
    });
    const gadget = (name: string, spec: unknown, metadata: Record<string, unknown> = {}) => ({
      apiVersion: 'ssa.example.org/v1',
      kind: 'Gadget',
      metadata: { name, ...metadata },
      spec,
    });

    it('owns map entries (additionalProperties, preserved unknown fields) themselves, declared structs not', async () => {
      const g = await call(
        api,
        'PATCH',
        `${GADGETS}/g1?fieldManager=m`,
        gadget('g1', { a: { b: '1', c: '2' }, m: { k1: { z: 'q' } } }),
        { contentType: APPLY },
      );
      expect(g.status).toBe(201);
      expect(g.body.metadata.managedFields[0].fieldsV1).toEqual({
        'f:spec': { 'f:a': { 'f:b': {}, 'f:c': {} }, 'f:m': { 'f:k1': { '.': {}, 'f:z': {} } } },
      });
      const b = await call(
        api,
        'PATCH',
        `${BLOBS}/b1?fieldManager=m`,
        {
          apiVersion: 'ssa.example.org/v1',
          kind: 'Blob',
          metadata: { name: 'b1' },
          spec: { a: { b: '1', c: '2' }, l: [1, 2], e: {} },
        },
        { contentType: APPLY },
      );
      expect(b.body.metadata.managedFields[0].fieldsV1).toEqual({
        'f:spec': { '.': {}, 'f:a': { '.': {}, 'f:b': {}, 'f:c': {} }, 'f:e': {}, 'f:l': {} },
      });
      // Fields no longer applied are removed, and so is the object they leave empty.
      const again = await call(
        api,
        'PATCH',
        `${GADGETS}/g1?fieldManager=m`,
        gadget('g1', { m: { k1: { z: 'q' } } }),
        { contentType: APPLY },
      );
      expect(again.body.spec).toEqual({ m: { k1: { z: 'q' } } });
      expect(again.body.metadata.managedFields[0].fieldsV1).toEqual({
        'f:spec': { 'f:m': { 'f:k1': { '.': {}, 'f:z': {} } } },
      });
    });

    it('records a create and a patch of a custom resource with the objects each added', async () => {
      const created = await call(
        api,
        'POST',
        `${GADGETS}?fieldManager=creator`,
        gadget('g2', { a: { b: '1' }, m: { k1: { z: 'q' } } }, { labels: { l: '1' } }),
      );
      expect(created.body.metadata.managedFields[0].fieldsV1).toEqual({
        'f:metadata': { 'f:labels': { '.': {}, 'f:l': {} } },
        'f:spec': {
          '.': {},
          'f:a': { '.': {}, 'f:b': {} },
          'f:m': { '.': {}, 'f:k1': { '.': {}, 'f:z': {} } },
        },
      });
      const edited = await call(
        api,
        'PATCH',
        `${GADGETS}/g2?fieldManager=editor`,
        { spec: { a: { b: '2', c: '3' }, m: { k2: { z: 'r' } } } },
        { contentType: 'application/merge-patch+json' },
      );
      const byManager = Object.fromEntries(
        edited.body.metadata.managedFields.map((m: any) => [m.manager, m.fieldsV1]),
      );
      expect(byManager).toEqual({
        creator: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:l': {} } },
          'f:spec': { '.': {}, 'f:a': {}, 'f:m': { '.': {}, 'f:k1': { '.': {}, 'f:z': {} } } },
        },
        editor: { 'f:spec': { 'f:a': { 'f:b': {}, 'f:c': {} }, 'f:m': { 'f:k2': { '.': {}, 'f:z': {} } } } },
      });
    });

    it('fails an apply that sets a field the schema does not declare with 500 (nothing is pruned or stored)', async () => {
      const r = await call(
        api,
        'PATCH',
        `${GADGETS}/g3?fieldManager=m`,
        gadget('g3', { a: { b: '1' }, bogus: 1 }, { namespace: 'default' }),
        { contentType: APPLY },
      );
      expect(r.status).toBe(500);
      expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', code: 500 });
      expect(r.body.reason).toBeUndefined();
      expect(r.body.message).toBe(
        'failed to create typed patch object (default/g3; ssa.example.org/v1, Kind=Gadget): .spec.bogus: field not declared in schema',
      );
      expect((await call(api, 'GET', `${GADGETS}/g3`)).status).toBe(404);
      const meta = await call(
        api,
        'PATCH',
        '/api/v1/namespaces/default/configmaps/undeclared?fieldManager=m',
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'undeclared', labelz: { a: 'b' } },
          bogus: 1,
        },
        { contentType: APPLY },
      );
      expect(meta.status).toBe(500);
      // The apiserver stops at the first undeclared field of an object, visiting keys in Go's random map order,
      // so which of these it lists varies; the simulator lists both.
      expect(meta.body.message).toMatch(
        /^failed to create typed patch object \(\/undeclared; \/v1, Kind=ConfigMap\): (errors:\n {2})?(\.metadata\.labelz: field not declared in schema\n {2})?\.bogus: field not declared in schema/,
      );
      // A schema that declares nothing under an object (no properties) accepts and prunes, like create.
      const blob = await call(
        api,
        'PATCH',
        `${BLOBS}/b2?fieldManager=m`,
        { apiVersion: 'ssa.example.org/v1', kind: 'Blob', metadata: { name: 'b2' }, anything: { x: 1 } },
        { contentType: APPLY },
      );
      expect(blob.status).toBe(201);
    });
  });
});
