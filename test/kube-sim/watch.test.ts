/* eslint-disable @typescript-eslint/no-unsafe-return -- suites read untyped JSON API responses */
import { startKubeSim, type KubeSim } from '@lostromos/kube-sim';
import { afterEach, describe, expect, it } from 'vitest';
import { call, cm, watch } from './sim-client.js';

const CMS = '/api/v1/namespaces/default/configmaps';
let sim: KubeSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe('kube-sim watch', () => {
  it('starts with synthetic ADDED events for existing objects, then streams ADDED/MODIFIED/DELETED', async () => {
    sim = await startKubeSim();
    await call(sim, 'POST', CMS, cm('w-existing'));
    const w = await watch(sim, `${CMS}?watch=true`);
    await w.waitFor((e) => e.length >= 1);
    expect(w.events[0]).toMatchObject({
      type: 'ADDED',
      object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'w-existing' } },
    });
    await call(sim, 'POST', CMS, cm('w-new'));
    await call(
      sim,
      'PATCH',
      `${CMS}/w-new`,
      { data: { a: 'b' } },
      { contentType: 'application/merge-patch+json' },
    );
    await call(sim, 'DELETE', `${CMS}/w-new`);
    const ev = await w.waitFor((e) => e.length >= 4);
    expect(ev.slice(1).map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    const rvs = ev.slice(1).map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
    expect(new Set(rvs).size).toBe(3);
    w.stop();
  });

  it('replays events after a resourceVersion and then continues live', async () => {
    sim = await startKubeSim();
    const list = (await call(sim, 'GET', CMS)).body;
    await call(sim, 'POST', CMS, cm('r-1'));
    await call(sim, 'POST', CMS, cm('r-2'));
    const w = await watch(sim, `${CMS}?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
    await call(sim, 'POST', CMS, cm('r-3'));
    const ev = await w.waitFor((e) => e.length >= 3);
    expect(ev.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED r-1',
      'ADDED r-2',
      'ADDED r-3',
    ]);
    w.stop();
  });

  it('answers a watch from a compacted resourceVersion with an ERROR event carrying 410 Expired', async () => {
    sim = await startKubeSim({ historyWindow: 3 });
    const rv0 = (await call(sim, 'GET', CMS)).body.metadata.resourceVersion;
    for (let i = 0; i < 5; i++) await call(sim, 'POST', CMS, cm(`h-${i}`));
    const w = await watch(sim, `${CMS}?watch=true&resourceVersion=${rv0}`);
    await w.closed;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 },
    });
    expect(w.events[0].object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    // compact() forces the same for any older resourceVersion, even inside the window
    const rv1 = (await call(sim, 'GET', CMS)).body.metadata.resourceVersion;
    await call(sim, 'POST', CMS, cm('h-after'));
    sim.faults.compact();
    const w2 = await watch(sim, `${CMS}?watch=true&resourceVersion=${rv1}`);
    await w2.closed;
    expect(w2.events[0].object.code).toBe(410);
  });

  it('turns objects entering or leaving a label selector into ADDED/DELETED for that watcher', async () => {
    sim = await startKubeSim();
    const rv = (await call(sim, 'GET', CMS)).body.metadata.resourceVersion;
    const w = await watch(sim, `${CMS}?watch=true&resourceVersion=${rv}&labelSelector=team%3Dblue`);
    await call(sim, 'POST', CMS, cm('sel', {}, { labels: { team: 'red' } }));
    await call(
      sim,
      'PATCH',
      `${CMS}/sel`,
      { metadata: { labels: { team: 'blue' } } },
      { contentType: 'application/merge-patch+json' },
    );
    await call(
      sim,
      'PATCH',
      `${CMS}/sel`,
      { data: { x: 'y' } },
      { contentType: 'application/merge-patch+json' },
    );
    await call(
      sim,
      'PATCH',
      `${CMS}/sel`,
      { metadata: { labels: { team: 'green' } } },
      { contentType: 'application/merge-patch+json' },
    );
    const ev = await w.waitFor((e) => e.length >= 3);
    expect(ev.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    w.stop();
  });

  it('sends BOOKMARKs when allowed, the initial-events-end bookmark for sendInitialEvents, and ends at timeoutSeconds', async () => {
    sim = await startKubeSim({ bookmarkIntervalMs: 100 });
    await call(sim, 'POST', CMS, cm('bm'));
    const w = await watch(
      sim,
      `${CMS}?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1`,
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
    expect(types.filter((t) => t === 'BOOKMARK').length).toBeGreaterThanOrEqual(3);
    const bad = await call(sim, 'GET', `${CMS}?watch=true&sendInitialEvents=true`);
    expect(bad.status).toBe(422);
  });

  it('fans each event out to every watcher and closes streams on dropWatches', async () => {
    sim = await startKubeSim();
    const ws = await Promise.all(
      [1, 2, 3].map(() => watch(sim!, `${CMS}?watch=true&resourceVersion=${sim!.stats().resourceVersion}`)),
    );
    await call(sim, 'POST', CMS, cm('fan'));
    for (const w of ws) await w.waitFor((e) => e.some((x) => x.object.metadata.name === 'fan'));
    expect(sim.stats().watchesOpen).toBe(3);
    sim.faults.dropWatches();
    await Promise.all(ws.map((w) => w.closed));
    expect(sim.stats().watchesOpen).toBe(0);
  });

  it('serves the legacy /watch/ paths and watches of a single named object', async () => {
    sim = await startKubeSim();
    const rv = sim.stats().resourceVersion;
    const legacy = await watch(sim, `/api/v1/watch/namespaces/default/configmaps?resourceVersion=${rv}`);
    const named = await watch(sim, `${CMS}/only?watch=true&resourceVersion=${rv}`);
    await call(sim, 'POST', CMS, cm('other'));
    await call(sim, 'POST', CMS, cm('only'));
    await legacy.waitFor((e) => e.length >= 2);
    const ev = await named.waitFor((e) => e.length >= 1);
    expect(ev.map((e) => e.object.metadata.name)).toEqual(['only']);
    legacy.stop();
    named.stop();
  });

  it('serves watch events as Tables when kubectl asks for them', async () => {
    sim = await startKubeSim();
    const res = await fetch(`${sim.url}${CMS}?watch=true&timeoutSeconds=1`, {
      headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    });
    await call(sim, 'POST', CMS, cm('tw'));
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0].object.kind).toBe('Table');
    expect(lines[0].object.rows[0].cells[0]).toBe('tw');
  });
});
