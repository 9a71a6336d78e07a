/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- suites read untyped JSON API responses */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSubstrate, type Substrate } from '../support/substrate.js';
import { call, cm, namespace, notRootCa, ROOT_CA, SUBSTRATES, watch } from './sim-client.js';

const MERGE = { contentType: 'application/merge-patch+json' };
/** Every test watches its own namespace; kube-root-ca.crt (real clusters put it in each one) is left out. */
const cms = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;
const notRootCaEvent = (e: any): boolean => notRootCa(e.object);

describe.each(SUBSTRATES)('watch (%s)', (kind) => {
  let api: Substrate;
  beforeAll(async () => {
    api = await startSubstrate({ kind, sim: { bookmarkIntervalMs: 100 } });
  });
  afterAll(() => api?.stop());
  const rvOf = async (ns: string): Promise<string> =>
    (await call(api, 'GET', cms(ns))).body.metadata.resourceVersion;

  it('starts with synthetic ADDED events for existing objects, then streams ADDED/MODIFIED/DELETED', async () => {
    await namespace(api, 'w-start');
    const CMS = cms('w-start');
    await call(api, 'POST', CMS, cm('w-existing'));
    const w = await watch(api, `${CMS}?watch=true`, { filter: notRootCaEvent });
    await w.waitFor((e) => e.length >= 1);
    expect(w.events[0]).toMatchObject({
      type: 'ADDED',
      object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'w-existing' } },
    });
    await call(api, 'POST', CMS, cm('w-new'));
    await call(api, 'PATCH', `${CMS}/w-new`, { data: { a: 'b' } }, MERGE);
    await call(api, 'DELETE', `${CMS}/w-new`);
    const ev = await w.waitFor((e) => e.length >= 4);
    expect(ev.slice(1).map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    const rvs = ev.slice(1).map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
    expect(new Set(rvs).size).toBe(3);
    w.stop();
  });

  it('replays events after a resourceVersion and then continues live', async () => {
    await namespace(api, 'w-replay');
    const CMS = cms('w-replay');
    const rv = await rvOf('w-replay');
    await call(api, 'POST', CMS, cm('r-1'));
    await call(api, 'POST', CMS, cm('r-2'));
    const w = await watch(api, `${CMS}?watch=true&resourceVersion=${rv}`, { filter: notRootCaEvent });
    await call(api, 'POST', CMS, cm('r-3'));
    const ev = await w.waitFor((e) => e.length >= 3);
    expect(ev.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED r-1',
      'ADDED r-2',
      'ADDED r-3',
    ]);
    w.stop();
  });

  // Simulator only: its history window is a count of events (here 3). The real apiserver keeps at least 75 s
  // of events in its watch cache and serves older watches from etcd until etcd compacts (every 5 minutes), so
  // a natural 410 cannot be produced within a test run there.
  it.runIf(kind === 'sim')(
    'answers a watch from a resourceVersion older than its history window with 410 Expired',
    async () => {
      const small = await startSubstrate({ kind: 'sim', sim: { historyWindow: 3 } });
      try {
        const CMS = cms('default');
        const rv0 = (await call(small, 'GET', CMS)).body.metadata.resourceVersion;
        for (let i = 0; i < 5; i++) await call(small, 'POST', CMS, cm(`h-${i}`));
        const w = await watch(small, `${CMS}?watch=true&resourceVersion=${rv0}`);
        await w.closed;
        expect(w.events).toHaveLength(1);
        expect(w.events[0]).toMatchObject({
          type: 'ERROR',
          object: { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 },
        });
        expect(w.events[0].object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
      } finally {
        await small.stop();
      }
    },
  );

  // On the real server compact() is the fault proxy's emulation of an etcd compaction (see fault-proxy.ts):
  // this checks the substrates' shared fault surface, not the apiserver.
  it('answers a watch from a compacted resourceVersion with an ERROR event carrying 410 Expired', async () => {
    await namespace(api, 'w-compact');
    const CMS = cms('w-compact');
    const rv1 = await rvOf('w-compact');
    await call(api, 'POST', CMS, cm('h-after'));
    await api.faults.compact();
    const w2 = await watch(api, `${CMS}?watch=true&resourceVersion=${rv1}`);
    await w2.closed;
    expect(w2.events).toHaveLength(1);
    expect(w2.events[0].object).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
  });

  it('turns objects entering or leaving a label selector into ADDED/DELETED for that watcher', async () => {
    await namespace(api, 'w-sel');
    const CMS = cms('w-sel');
    const rv = await rvOf('w-sel');
    const w = await watch(api, `${CMS}?watch=true&resourceVersion=${rv}&labelSelector=team%3Dblue`);
    await call(api, 'POST', CMS, cm('sel', {}, { labels: { team: 'red' } }));
    await call(api, 'PATCH', `${CMS}/sel`, { metadata: { labels: { team: 'blue' } } }, MERGE);
    await call(api, 'PATCH', `${CMS}/sel`, { data: { x: 'y' } }, MERGE);
    await call(api, 'PATCH', `${CMS}/sel`, { metadata: { labels: { team: 'green' } } }, MERGE);
    const ev = await w.waitFor((e) => e.length >= 3);
    expect(ev.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    w.stop();
  });

  it('sends BOOKMARKs when allowed, the initial-events-end bookmark for sendInitialEvents, and ends at timeoutSeconds', async () => {
    await namespace(api, 'w-bm');
    const CMS = cms('w-bm');
    await call(api, 'POST', CMS, cm('bm'));
    const w = await watch(
      api,
      `${CMS}?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1`,
      { filter: notRootCaEvent },
    );
    await w.closed;
    const types = w.events.map((e) => e.type);
    expect(types[0]).toBe('ADDED');
    const end = w.events.find((e) => e.type === 'BOOKMARK');
    expect(end.object).toMatchObject({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } },
    });
    // The simulator here sends a bookmark every 100 ms (bookmarkIntervalMs); the apiserver about once a
    // minute and shortly before timeoutSeconds, so in one second only the initial-events-end one.
    expect(types.filter((t) => t === 'BOOKMARK').length).toBeGreaterThanOrEqual(kind === 'sim' ? 3 : 1);
    const bad = await call(api, 'GET', `${CMS}?watch=true&sendInitialEvents=true`);
    expect(bad.status).toBe(422);
    expect(bad.body.reason).toBe('Invalid');
  });

  it('fans each event out to every watcher and closes streams on dropWatches', async () => {
    await namespace(api, 'w-fan');
    const CMS = cms('w-fan');
    const rv = await rvOf('w-fan');
    const open = api.stats().watchesOpen;
    const ws = await Promise.all([1, 2, 3].map(() => watch(api, `${CMS}?watch=true&resourceVersion=${rv}`)));
    await call(api, 'POST', CMS, cm('fan'));
    for (const w of ws) await w.waitFor((e) => e.some((x) => x.object.metadata.name === 'fan'));
    expect(api.stats().watchesOpen).toBe(open + 3);
    api.faults.dropWatches();
    await Promise.all(ws.map((w) => w.closed));
    expect(api.stats().watchesOpen).toBe(0);
  });

  it('serves the legacy /watch/ paths and watches of a single named object', async () => {
    await namespace(api, 'w-legacy');
    const CMS = cms('w-legacy');
    const rv = await rvOf('w-legacy');
    const legacy = await watch(api, `/api/v1/watch/namespaces/w-legacy/configmaps?resourceVersion=${rv}`, {
      filter: notRootCaEvent,
    });
    const named = await watch(api, `/api/v1/watch/namespaces/w-legacy/configmaps/only?resourceVersion=${rv}`);
    const selected = await watch(
      api,
      `${CMS}?watch=true&resourceVersion=${rv}&fieldSelector=metadata.name%3Donly`,
    );
    await call(api, 'POST', CMS, cm('other'));
    await call(api, 'POST', CMS, cm('only'));
    await legacy.waitFor((e) => e.length >= 2);
    for (const w of [named, selected]) {
      const ev = await w.waitFor((e) => e.length >= 1);
      expect(ev.map((e) => e.object.metadata.name)).toEqual(['only']);
      w.stop();
    }
    legacy.stop();
    // `?watch=true` on a named object's own path is a plain GET on the apiserver; the simulator streams a
    // watch there (sim-divergent; clients watch one object as above).
    if (kind === 'real')
      expect((await call(api, 'GET', `${CMS}/only?watch=true`)).body).toMatchObject({
        kind: 'ConfigMap',
        metadata: { name: 'only' },
      });
  });

  it('serves watch events as Tables when kubectl asks for them', async () => {
    await namespace(api, 'w-table');
    const CMS = cms('w-table');
    const w = await watch(api, `${CMS}?watch=true&timeoutSeconds=1`, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
      filter: (e) => e.object?.rows?.[0]?.cells?.[0] !== ROOT_CA,
    });
    await call(api, 'POST', CMS, cm('tw'));
    await w.closed;
    expect(w.events[0].object.kind).toBe('Table');
    expect(w.events[0].object.rows[0].cells[0]).toBe('tw');
  });
});
