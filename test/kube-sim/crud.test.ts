/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- suites read untyped JSON API responses */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { startSubstrate, type Substrate } from '../support/substrate.js';
import { call, cm, namespace, notRootCa, ROOT_CA, SUBSTRATES } from './sim-client.js';

const CMS = '/api/v1/namespaces/default/configmaps';

describe.each(SUBSTRATES)('CRUD over HTTP (%s)', (kind) => {
  let api: Substrate;
  beforeAll(async () => {
    api = await startSubstrate({ kind, sim: { workloads: { enabled: false } } });
  });
  afterAll(() => api?.stop());

  it('creates with uid, resourceVersion and creationTimestamp, and answers 409 AlreadyExists with a Status body', async () => {
    const r = await call(api, 'POST', CMS, cm('crud-a', { k: 'v' }));
    expect(r.status).toBe(201);
    expect(r.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(r.body.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(r.body.metadata.creationTimestamp).toMatch(/Z$/);
    const dup = await call(api, 'POST', CMS, cm('crud-a'));
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "crud-a" already exists',
      reason: 'AlreadyExists',
      details: { name: 'crud-a', kind: 'configmaps' },
      code: 409,
    });
  });

  it('returns 404 NotFound with group details for named objects and for unknown resources', async () => {
    const r = await call(api, 'GET', '/apis/apps/v1/namespaces/default/deployments/nope');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({
      reason: 'NotFound',
      message: 'deployments.apps "nope" not found',
      details: { name: 'nope', group: 'apps', kind: 'deployments' },
      code: 404,
    });
    const u = await call(api, 'GET', '/apis/apps/v1/widgets');
    expect(u.status).toBe(404);
    expect(u.body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'the server could not find the requested resource',
    });
    // An API group nobody serves: the apiserver's catch-all handler answers text/plain; the simulator a
    // Status (sim-divergent, listed in docs/kube-sim.md; clients only look at the code).
    const g = await call(api, 'GET', '/apis/example.com/v1/widgets');
    expect(g.status).toBe(404);
    if (kind === 'real') expect(g.body).toBe('404 page not found\n');
    else expect(g.body).toMatchObject({ kind: 'Status', reason: 'NotFound' });
  });

  it('generates names from generateName', async () => {
    const r = await call(api, 'POST', CMS, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { generateName: 'gen-' },
    });
    expect(r.status).toBe(201);
    expect(r.body.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('rejects a PUT with a stale resourceVersion with 409 Conflict and accepts the current one', async () => {
    const created = (await call(api, 'POST', CMS, cm('crud-put', { a: '1' }))).body;
    const ok = await call(api, 'PUT', `${CMS}/crud-put`, { ...created, data: { a: '2' } });
    expect(ok.status).toBe(200);
    expect(Number(ok.body.metadata.resourceVersion)).toBeGreaterThan(
      Number(created.metadata.resourceVersion),
    );
    const stale = await call(api, 'PUT', `${CMS}/crud-put`, { ...created, data: { a: '3' } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    expect(stale.body.message).toBe(
      'Operation cannot be fulfilled on configmaps "crud-put": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('does not bump resourceVersion for a no-op update', async () => {
    const created = (await call(api, 'POST', CMS, cm('crud-noop', { a: '1' }))).body;
    const same = await call(api, 'PUT', `${CMS}/crud-noop`, created);
    expect(same.body.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });

  it('validates names and labels with 422 Invalid and field causes', async () => {
    const r = await call(api, 'POST', CMS, cm('Bad_Name'));
    expect(r.status).toBe(422);
    expect(r.body.reason).toBe('Invalid');
    expect(r.body.details.causes[0].field).toBe('metadata.name');
    const l = await call(api, 'POST', CMS, cm('ok-name', {}, { labels: { 'bad key!': 'x' } }));
    expect(l.status).toBe(422);
  });

  it('applies JSON merge patch, JSON patch and strategic merge patch (merging containers by name)', async () => {
    await call(api, 'POST', CMS, cm('crud-patch', { a: '1', b: '2' }));
    const merge = await call(
      api,
      'PATCH',
      `${CMS}/crud-patch`,
      { data: { a: null, c: '3' } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(merge.body.data).toEqual({ b: '2', c: '3' });
    const json = await call(
      api,
      'PATCH',
      `${CMS}/crud-patch`,
      [
        { op: 'replace', path: '/data/b', value: 'x' },
        { op: 'add', path: '/data/d', value: '4' },
      ],
      {
        contentType: 'application/json-patch+json',
      },
    );
    expect(json.body.data).toEqual({ b: 'x', c: '3', d: '4' });
    const failed = await call(
      api,
      'PATCH',
      `${CMS}/crud-patch`,
      [{ op: 'test', path: '/data/b', value: 'nope' }],
      { contentType: 'application/json-patch+json' },
    );
    expect(failed.status).toBe(422);

    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'crud-smp' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: {
          metadata: { labels: { a: 'b' } },
          spec: {
            containers: [
              { name: 'app', image: 'one' },
              { name: 'side', image: 'two' },
            ],
          },
        },
      },
    };
    await call(api, 'POST', '/apis/apps/v1/namespaces/default/deployments', dep);
    const smp = await call(
      api,
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/crud-smp',
      { spec: { template: { spec: { containers: [{ name: 'app', image: 'three' }] } } } },
      { contentType: 'application/strategic-merge-patch+json' },
    );
    expect(smp.status).toBe(200);
    // The apiserver also defaults each container (imagePullPolicy, terminationMessagePath, …); the
    // simulator does not default Pod templates.
    expect(smp.body.spec.template.spec.containers.map((c: any) => [c.name, c.image])).toEqual([
      ['app', 'three'],
      ['side', 'two'],
    ]);
    expect(smp.body.spec.replicas).toBe(1);
  });

  it('answers 415 for unknown patch types and 405 for unsupported methods', async () => {
    await call(api, 'POST', CMS, cm('crud-415'));
    const r = await call(api, 'PATCH', `${CMS}/crud-415`, { data: {} }, { contentType: 'text/plain' });
    expect(r.status).toBe(415);
    expect(r.body.reason).toBe('UnsupportedMediaType');
    const m = await call(api, 'POST', `${CMS}/crud-415`, {});
    expect(m.status).toBe(405);
    expect(m.body.reason).toBe('MethodNotAllowed');
  });

  it('lists with label selectors (all operators) and field selectors, and rejects unsupported fields with 400', async () => {
    for (const [n, labels] of [
      ['sel-1', { tier: 'web', env: 'prod' }],
      ['sel-2', { tier: 'db', env: 'prod' }],
      ['sel-3', { tier: 'web' }],
    ] as const)
      await call(api, 'POST', CMS, cm(n, {}, { labels }));
    const names = async (q: string): Promise<string[]> =>
      (await call(api, 'GET', `${CMS}?${q}`)).body.items
        .map((i: any) => i.metadata.name)
        .filter((n: string) => n.startsWith('sel-'));
    expect(await names('labelSelector=tier%3Dweb')).toEqual(['sel-1', 'sel-3']);
    expect(await names('labelSelector=tier!%3Dweb')).toEqual(['sel-2']);
    expect(await names('labelSelector=env')).toEqual(['sel-1', 'sel-2']);
    expect(await names('labelSelector=!env')).toEqual(['sel-3']);
    expect(await names('labelSelector=tier%20in%20(db,cache)')).toEqual(['sel-2']);
    expect(await names('labelSelector=tier%20notin%20(db),env%3Dprod')).toEqual(['sel-1']);
    expect(await names('fieldSelector=metadata.name%3Dsel-2')).toEqual(['sel-2']);
    expect(
      await names('fieldSelector=metadata.name!%3Dsel-2,metadata.namespace%3Ddefault&labelSelector=tier'),
    ).toEqual(['sel-1', 'sel-3']);
    const bad = await call(api, 'GET', `${CMS}?fieldSelector=spec.foo%3Dx`);
    expect(bad.status).toBe(400);
    expect(bad.body.reason).toBe('BadRequest');
    // Message (sim-divergent): the apiserver names the supported fields for kinds without their own.
    expect(bad.body.message).toBe(
      kind === 'real'
        ? '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"'
        : 'field label not supported: spec.foo',
    );
  });

  it('paginates with limit/continue and remainingItemCount', async () => {
    await namespace(api, 'pages');
    for (let i = 0; i < 7; i++) await call(api, 'POST', '/api/v1/namespaces/pages/configmaps', cm(`p-${i}`));
    // On a real cluster the namespace also gets kube-root-ca.crt (it sorts before p-0): wait for it so the
    // page counts below are stable.
    if (kind === 'real')
      await waitFor(
        async () => (await call(api, 'GET', `/api/v1/namespaces/pages/configmaps/${ROOT_CA}`)).status === 200,
        { what: `${ROOT_CA} published` },
      );
    const total = (await call(api, 'GET', '/api/v1/namespaces/pages/configmaps')).body.items.length;
    const seen: string[] = [];
    let cont = '';
    let pages = 0;
    do {
      const r = await call(
        api,
        'GET',
        `/api/v1/namespaces/pages/configmaps?limit=3${cont ? `&continue=${cont}` : ''}`,
      );
      pages++;
      expect(r.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...r.body.items.filter(notRootCa).map((i: any) => i.metadata.name));
      if (pages === 1) {
        expect(r.body.metadata.remainingItemCount).toBe(total - 3);
        // Pages are a snapshot at the first page's resourceVersion: later writes do not show up.
        await call(api, 'POST', '/api/v1/namespaces/pages/configmaps', cm('p-9'));
        await call(api, 'DELETE', '/api/v1/namespaces/pages/configmaps/p-5');
      }
      cont = r.body.metadata.continue ?? '';
    } while (cont);
    expect(pages).toBe(Math.ceil(total / 3));
    expect(seen).toEqual(['p-0', 'p-1', 'p-2', 'p-3', 'p-4', 'p-5', 'p-6']);
  });

  it('serves resourceVersionMatch=Exact lists from history and 504s for a future resourceVersion', async () => {
    const before = (await call(api, 'GET', CMS)).body;
    await call(api, 'POST', CMS, cm('exact-later'));
    const exact = await call(
      api,
      'GET',
      `${CMS}?resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`,
    );
    expect(exact.status).toBe(200);
    expect(exact.body.items.map((i: any) => i.metadata.name)).not.toContain('exact-later');
    expect(exact.body.items.length).toBe(before.items.length);
    const future = await call(api, 'GET', `${CMS}?resourceVersion=99999999`);
    expect(future.status).toBe(504);
    expect(future.body.reason).toBe('Timeout');
  });

  it('refuses an update (409 precondition) or patch (422 immutable) naming another uid, writing nothing', async () => {
    const created = (await call(api, 'POST', CMS, cm('uid-a'))).body;
    const other = '0c8b1f1e-0000-4000-8000-000000000000';
    const put = await call(api, 'PUT', `${CMS}/uid-a`, {
      ...cm('uid-a'),
      metadata: { name: 'uid-a', uid: other },
    });
    expect(put.status).toBe(409);
    expect(put.body.reason).toBe('Conflict');
    expect(put.body.message).toContain(
      `Precondition failed: UID in precondition: ${other}, UID in object meta: ${created.metadata.uid}`,
    );
    const patched = await call(
      api,
      'PATCH',
      `${CMS}/uid-a`,
      { metadata: { uid: other }, data: { changed: 'yes' } },
      { contentType: 'application/merge-patch+json' },
    );
    expect(patched.status).toBe(422);
    expect(patched.body.message).toBe(
      `ConfigMap "uid-a" is invalid: metadata.uid: Invalid value: "${other}": field is immutable`,
    );
    const after = (await call(api, 'GET', `${CMS}/uid-a`)).body;
    expect(after.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const same = await call(api, 'PUT', `${CMS}/uid-a`, {
      ...cm('uid-a', { k: 'v' }),
      metadata: { name: 'uid-a', uid: created.metadata.uid },
    });
    expect(same.status).toBe(200);
  });

  it('deletes with a Status Success body, honours preconditions and supports deletecollection and dryRun', async () => {
    const created = (await call(api, 'POST', CMS, cm('del-a'))).body;
    const pre = await call(api, 'DELETE', `${CMS}/del-a`, { preconditions: { uid: 'not-the-uid' } });
    expect(pre.status).toBe(409);
    const dry = await call(api, 'DELETE', `${CMS}/del-a?dryRun=All`);
    expect(dry.status).toBe(200);
    expect((await call(api, 'GET', `${CMS}/del-a`)).status).toBe(200);
    const del = await call(api, 'DELETE', `${CMS}/del-a`, { preconditions: { uid: created.metadata.uid } });
    expect(del.body).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'del-a', kind: 'configmaps', uid: created.metadata.uid },
    });
    expect((await call(api, 'GET', `${CMS}/del-a`)).status).toBe(404);
    await call(api, 'POST', CMS, cm('dc-1', {}, { labels: { dc: 'yes' } }));
    await call(api, 'POST', CMS, cm('dc-2', {}, { labels: { dc: 'yes' } }));
    const dc = await call(api, 'DELETE', `${CMS}?labelSelector=dc%3Dyes`);
    expect(dc.body.items.map((i: any) => i.metadata.name)).toEqual(['dc-1', 'dc-2']);
    expect((await call(api, 'GET', `${CMS}?labelSelector=dc`)).body.items).toEqual([]);
  });

  it('answers an immediate delete of pods and service accounts with the object, like their registries', async () => {
    const sa = (
      await call(api, 'POST', '/api/v1/namespaces/default/serviceaccounts', {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'sa-del' },
      })
    ).body;
    const del = await call(api, 'DELETE', '/api/v1/namespaces/default/serviceaccounts/sa-del');
    expect(del.body).toMatchObject({
      kind: 'ServiceAccount',
      metadata: { name: 'sa-del', uid: sa.metadata.uid },
    });
  });

  it('finalizes a namespace through /finalize', async () => {
    await call(api, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'fin-ns' },
    });
    const ns = (await call(api, 'GET', '/api/v1/namespaces/fin-ns')).body;
    expect(ns.spec.finalizers).toEqual(['kubernetes']);
    const r = await call(api, 'PUT', '/api/v1/namespaces/fin-ns/finalize', {
      ...ns,
      spec: { finalizers: [] },
    });
    expect(r.status).toBe(200);
    // The apiserver omits the emptied list (Go omitempty); the simulator keeps `[]` as sent.
    expect(r.body.spec.finalizers).toEqual(kind === 'real' ? undefined : []);
  });

  it('refuses to create in a missing namespace with 404', async () => {
    const r = await call(api, 'POST', '/api/v1/namespaces/ghost/configmaps', cm('x'));
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('namespaces "ghost" not found');
  });

  it('serves Table output for kubectl get', async () => {
    await call(api, 'POST', CMS, cm('table-a', { x: '1', y: '2' }));
    const r = await call(api, 'GET', `${CMS}/table-a`, undefined, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    expect(r.body.kind).toBe('Table');
    expect(r.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Data', 'Age']);
    expect(r.body.rows[0].cells.slice(0, 2)).toEqual(['table-a', 2]);
    expect(r.body.rows[0].object).toMatchObject({
      kind: 'PartialObjectMetadata',
      metadata: { name: 'table-a' },
    });
  });

  it('serves legacy and aggregated discovery', async () => {
    const legacy = await call(api, 'GET', '/apis');
    expect(legacy.body.kind).toBe('APIGroupList');
    expect(legacy.body.groups.map((g: any) => g.name)).toContain('apps');
    const agg = await call(api, 'GET', '/apis', undefined, {
      accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
    });
    expect(agg.headers.get('content-type')).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    const apps = agg.body.items.find((i: any) => i.metadata.name === 'apps');
    const deploy = apps.versions[0].resources.find((r: any) => r.resource === 'deployments');
    // The apiserver leaves group and version of responseKind empty when they are the resource's own.
    expect(deploy).toMatchObject({
      scope: 'Namespaced',
      responseKind:
        kind === 'real'
          ? { group: '', version: '', kind: 'Deployment' }
          : { group: 'apps', version: 'v1', kind: 'Deployment' },
    });
    // Sorted by the apiserver; the simulator lists status first (order only).
    expect(deploy.subresources.map((s: any) => s.subresource).sort()).toEqual(['scale', 'status']);
    const rl = await call(api, 'GET', '/api/v1');
    expect(rl.body.resources.find((r: any) => r.name === 'configmaps')).toMatchObject({
      namespaced: true,
      kind: 'ConfigMap',
      shortNames: ['cm'],
    });
    expect((await call(api, 'GET', '/version')).body.major).toBe('1');
  });
});
