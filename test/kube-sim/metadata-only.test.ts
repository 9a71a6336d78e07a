/* eslint-disable @typescript-eslint/no-explicit-any -- suites read untyped JSON API responses */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { startSubstrate, type Substrate } from '../support/substrate.js';
import { call, cm, namespace, notRootCa, SUBSTRATES, watch } from './sim-client.js';

// Metadata-only reads (client-go's metadata informers, the watcher's owned-object informers): the Accept
// header asks for PartialObjectMetadata(List) and the server sends each object's metadata alone.

const LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
const ONE = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';
const cms = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;
const MERGE = { contentType: 'application/merge-patch+json' };

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gizmos.meta.example.org' },
  spec: {
    group: 'meta.example.org',
    scope: 'Namespaced',
    names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};
const gizmos = (ns: string) => `/apis/meta.example.org/v1/namespaces/${ns}/gizmos`;

/** What every PartialObjectMetadata looks like: kind, apiVersion and metadata, nothing else. */
function expectPartial(o: any, version = 'v1'): void {
  expect(Object.keys(o).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
  expect(o.kind).toBe('PartialObjectMetadata');
  expect(o.apiVersion).toBe(`meta.k8s.io/${version}`);
}

describe.each(SUBSTRATES)('metadata-only reads (%s)', (kind) => {
  let api: Substrate;
  beforeAll(async () => {
    api = await startSubstrate({ kind });
    expect(
      (await call(api, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD)).status,
    ).toBe(201);
    await waitFor(async () => (await call(api, 'GET', gizmos('default'))).status === 200, {
      what: 'gizmos served',
    });
  });
  afterAll(() => api?.stop());

  it('lists as PartialObjectMetadataList: the list metadata, each item its whole ObjectMeta and nothing else', async () => {
    await namespace(api, 'm-list');
    await call(
      api,
      'POST',
      cms('m-list'),
      cm('a', { big: 'x'.repeat(100) }, { labels: { l: '1' }, annotations: { n: 'v' } }),
    );
    await call(api, 'POST', cms('m-list'), cm('b'));
    const whole = (await call(api, 'GET', `${cms('m-list')}/a`)).body;
    const r = await call(api, 'GET', `${cms('m-list')}?labelSelector=l%3D1`, undefined, { accept: LIST });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body).toMatchObject({
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: expect.any(String) },
    });
    expect(r.body.items).toHaveLength(1);
    const item = r.body.items[0];
    expectPartial(item);
    // The same metadata a whole read returns, managedFields included.
    expect(item.metadata).toEqual(whole.metadata);
    expect(item.metadata.managedFields?.length).toBeGreaterThan(0);
  });

  it('pages a metadata-only list with limit/continue and remainingItemCount', async () => {
    await namespace(api, 'm-page');
    for (const n of ['p1', 'p2', 'p3']) await call(api, 'POST', cms('m-page'), cm(n));
    const names: string[] = [];
    let cont = '';
    let first: any;
    do {
      const r = await call(
        api,
        'GET',
        `${cms('m-page')}?limit=2${cont ? `&continue=${cont}` : ''}`,
        undefined,
        {
          accept: LIST,
        },
      );
      expect(r.status).toBe(200);
      first ??= r.body;
      for (const i of r.body.items) {
        expectPartial(i);
        names.push(i.metadata.name);
      }
      cont = r.body.metadata.continue ?? '';
    } while (cont);
    expect(names.filter((n) => n !== 'kube-root-ca.crt')).toEqual(['p1', 'p2', 'p3']);
    expect(first.metadata.remainingItemCount).toBeGreaterThan(0);
  });

  it('lists and gets custom resources as metadata (generation and all), without spec or status', async () => {
    await namespace(api, 'm-cr');
    await call(api, 'POST', gizmos('m-cr'), {
      apiVersion: 'meta.example.org/v1',
      kind: 'Gizmo',
      metadata: { name: 'g1', labels: { team: 'a' }, finalizers: ['example.org/hold'] },
      spec: { size: 1 },
    });
    const list = (await call(api, 'GET', gizmos('m-cr'), undefined, { accept: LIST })).body;
    expect(list.kind).toBe('PartialObjectMetadataList');
    expectPartial(list.items[0]);
    expect(list.items[0].metadata).toMatchObject({
      name: 'g1',
      namespace: 'm-cr',
      generation: 1,
      labels: { team: 'a' },
      finalizers: ['example.org/hold'],
    });
    const one = (await call(api, 'GET', `${gizmos('m-cr')}/g1`, undefined, { accept: ONE })).body;
    expectPartial(one);
    expect(one.metadata.uid).toBe(list.items[0].metadata.uid);
    // meta.k8s.io/v1beta1 is served too.
    const beta = (
      await call(api, 'GET', gizmos('m-cr'), undefined, {
        accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1',
      })
    ).body;
    expect(beta.apiVersion).toBe('meta.k8s.io/v1beta1');
    expectPartial(beta.items[0], 'v1beta1');
    await call(api, 'PATCH', `${gizmos('m-cr')}/g1`, { metadata: { finalizers: null } }, MERGE);
  });

  it('takes the JSON alternative of a client that prefers protobuf, as client-go metadata clients ask', async () => {
    await namespace(api, 'm-neg');
    await call(api, 'POST', cms('m-neg'), cm('n1'));
    const r = await call(api, 'GET', `${cms('m-neg')}/n1`, undefined, {
      accept: `application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1, application/json`,
    });
    expectPartial(r.body);
  });

  it('watches as PartialObjectMetadata from a resourceVersion: ADDED/MODIFIED/DELETED, each object metadata only', async () => {
    await namespace(api, 'm-watch');
    await call(api, 'POST', gizmos('m-watch'), {
      apiVersion: 'meta.example.org/v1',
      kind: 'Gizmo',
      metadata: { name: 'w0' },
      spec: { size: 1 },
    });
    const rv = (await call(api, 'GET', gizmos('m-watch'), undefined, { accept: LIST })).body.metadata
      .resourceVersion;
    const w = await watch(
      api,
      `${gizmos('m-watch')}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}&timeoutSeconds=3`,
      {
        accept: ONE,
      },
    );
    await call(api, 'POST', gizmos('m-watch'), {
      apiVersion: 'meta.example.org/v1',
      kind: 'Gizmo',
      metadata: { name: 'w1' },
      spec: { size: 1 },
    });
    await call(api, 'PATCH', `${gizmos('m-watch')}/w1`, { spec: { size: 2 } }, MERGE);
    await call(api, 'DELETE', `${gizmos('m-watch')}/w1`);
    await w.closed; // timeoutSeconds ends it
    const objects = w.events.filter((e) => e.type !== 'BOOKMARK');
    expect(objects.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED w1',
      'MODIFIED w1',
      'DELETED w1',
    ]);
    for (const e of objects) expectPartial(e.object);
    expect(objects[1].object.metadata.generation).toBe(2);
  });

  it('sends the initial state as metadata, and bookmarks as PartialObjectMetadata', async () => {
    await namespace(api, 'm-initial');
    await call(api, 'POST', cms('m-initial'), cm('i1', { k: 'v' }));
    const w = await watch(
      api,
      `${cms('m-initial')}?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1`,
      { accept: ONE, filter: (e) => notRootCa(e.object) },
    );
    await w.closed;
    const added = w.events.find((x) => x.object.metadata.name === 'i1');
    expect(added.type).toBe('ADDED');
    expectPartial(added.object);
    const end = w.events.find((e) => e.type === 'BOOKMARK');
    expect(end.object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: expect.any(String), annotations: { 'k8s.io/initial-events-end': 'true' } },
    });
  });

  it('refuses a form that does not fit: a list as PartialObjectMetadata, an object as a list', async () => {
    await namespace(api, 'm-bad');
    await call(api, 'POST', cms('m-bad'), cm('x'));
    const listAsOne = await call(api, 'GET', cms('m-bad'), undefined, { accept: ONE });
    expect(listAsOne.status).toBe(406);
    expect(listAsOne.body).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406 });
    expect(listAsOne.body.message).toBe(
      'you requested PartialObjectMetadata, but the requested object is a list (*core.ConfigMapList)',
    );
    const crListAsOne = await call(api, 'GET', gizmos('m-bad'), undefined, { accept: ONE });
    expect(crListAsOne.body.message).toBe(
      'you requested PartialObjectMetadata, but the requested object is a list (*unstructured.UnstructuredList)',
    );
    const oneAsList = await call(api, 'GET', `${cms('m-bad')}/x`, undefined, { accept: LIST });
    expect(oneAsList.status).toBe(406);
    expect(oneAsList.body.message).toBe(
      'you requested PartialObjectMetadataList, but the requested object is not a list (*core.ConfigMap)',
    );
    // A custom resource asked for as a list: kube-apiserver answers 500 without a reason (so does the sim).
    await call(api, 'POST', gizmos('m-bad'), {
      apiVersion: 'meta.example.org/v1',
      kind: 'Gizmo',
      metadata: { name: 'g' },
    });
    const crOneAsList = await call(api, 'GET', `${gizmos('m-bad')}/g`, undefined, { accept: LIST });
    expect(crOneAsList.status).toBe(500);
    expect(crOneAsList.body).toMatchObject({ kind: 'Status', message: 'content is not a list', code: 500 });
    expect(crOneAsList.body.reason).toBeUndefined();
  });

  // Differs (docs/kube-sim.md, Differences): kube-apiserver accepts the watch and then sends no event at all
  // (each event fails to encode as a list); the simulator refuses it at once.
  it('a watch asked for as PartialObjectMetadataList: no events on kube-apiserver, 406 on the simulator', async () => {
    await namespace(api, 'm-watchlist');
    const path = `${cms('m-watchlist')}?watch=true&timeoutSeconds=2`;
    if (kind === 'sim') {
      await expect(watch(api, path, { accept: LIST })).rejects.toThrow(/HTTP 406/);
      return;
    }
    const w = await watch(api, path, { accept: LIST });
    await call(api, 'POST', cms('m-watchlist'), cm('ignored'));
    await w.closed;
    expect(w.events).toEqual([]);
  });

  // Differs (docs/kube-sim.md, Differences): an `as=` form nobody serves is 406 on kube-apiserver unless a later
  // clause of the Accept header is plain JSON; the simulator ignores the unknown form.
  it('an unknown as= form: 406 on kube-apiserver, plain JSON on the simulator; a plain JSON fallback works on both', async () => {
    await namespace(api, 'm-unknown');
    const foo = 'application/json;as=Foo;g=meta.k8s.io;v=v1';
    const r = await call(api, 'GET', cms('m-unknown'), undefined, { accept: foo });
    if (kind === 'sim') expect(r.body.kind).toBe('ConfigMapList');
    else {
      expect(r.status).toBe(406);
      expect(r.body).toMatchObject({ reason: 'NotAcceptable', code: 406 });
    }
    const fallback = await call(api, 'GET', cms('m-unknown'), undefined, {
      accept: `${foo}, application/json`,
    });
    expect(fallback.body.kind).toBe('ConfigMapList');
  });
});
