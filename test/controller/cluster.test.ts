import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { condition, FIXTURES, gadget, ship, startHarness, type Harness } from './harness.js';

// The multi-process proof: a real sim, a real redis-server, 2 watcher and 3 worker processes of the built CLI.

let h: Harness;
let redis: Redis;
const RESYNC_SECONDS = 4;

const cm = (name: string) => h.get('v1', 'configmaps', 'default', name);
const getShip = (name: string) => h.get('fleet.example.io/v1', 'ships', 'default', name);

beforeAll(async () => {
  h = await startHarness({ resyncSeconds: RESYNC_SECONDS });
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  await waitFor(() => h.kubectl('get', 'ships').then(() => true), {
    timeoutMs: 10_000,
    what: 'the ships CRD',
  });
  await Promise.all([h.start('watcher'), h.start('watcher')]);
  await Promise.all([0, 1, 2].map(() => h.start('worker', ['--trace-reconciles'])));
  redis = new Redis(h.redis.url);
});

afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

describe('controller cluster (2 watchers, 3 workers)', () => {
  it('applies the objects of CRs of several CRDs, reports status and Events; kubectl wait Ready succeeds', async () => {
    await h.apply(ship('nautilus', { captain: 'Nemo', crew: 40, withLog: true }));
    await h.apply(gadget('g1', 3, true));
    const config = await waitFor(() => cm('nautilus-config'), { timeoutMs: 20_000, what: 'nautilus-config' });
    expect(config.data).toEqual({ captain: 'Nemo', crew: '40' });
    expect(config.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'lostromos',
      'lostromos.io/resource': 'ships',
    });
    const cr = await getShip('nautilus');
    expect(config.metadata.labels?.['lostromos.io/owner-uid']).toBe(cr?.metadata.uid);
    expect(config.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Ship',
      name: 'nautilus',
      uid: cr?.metadata.uid,
    });
    await waitFor(() => cm('nautilus-log'), { what: 'nautilus-log' });
    await waitFor(() => cm('gadget-g1'), { timeoutMs: 20_000, what: 'gadget-g1' });

    await h.kubectl('wait', '--for=condition=Ready', 'ship/nautilus', '--timeout=30s');
    const ready = await getShip('nautilus');
    expect(condition(ready, 'Reconciled')?.status).toBe('True');
    expect((ready?.status as { observedGeneration?: number }).observedGeneration).toBe(
      ready?.metadata.generation,
    );
    expect((ready?.status as { resources?: unknown[] }).resources).toHaveLength(2);
    expect(ready?.metadata.finalizers).toContain('lostromos.io/cleanup');

    const events = JSON.parse(await h.kubectl('get', 'events', '-o', 'json')) as {
      items: Array<{ involvedObject?: { name?: string; kind?: string }; reason?: string }>;
    };
    const onCr = events.items.filter(
      (e) => e.involvedObject?.name === 'nautilus' && e.involvedObject.kind === 'Ship',
    );
    expect(onCr.map((e) => e.reason)).toContain('Created');

    await h.kubectl('patch', 'ship', 'nautilus', '--type=merge', '-p', '{"spec":{"captain":"Aronnax"}}');
    await waitFor(
      async () =>
        ((await cm('nautilus-config'))?.data as Record<string, string> | undefined)?.captain === 'Aronnax',
      {
        timeoutMs: 15_000,
        what: 'the updated captain',
      },
    );
  });

  it('prunes an object the templates no longer render and never touches objects not labelled as ours', async () => {
    await h.kubectl('create', 'configmap', 'nautilus-notes', '--from-literal=note=mine');
    await h.kubectl('patch', 'ship', 'nautilus', '--type=merge', '-p', '{"spec":{"withLog":false}}');
    await waitFor(async () => (await cm('nautilus-log')) === undefined, {
      timeoutMs: 15_000,
      what: 'nautilus-log pruned',
    });
    await waitFor(async () => {
      const s = await getShip('nautilus');
      return (s?.status as { observedGeneration?: number })?.observedGeneration === s?.metadata.generation;
    });
    expect((await cm('nautilus-notes'))?.data).toEqual({ note: 'mine' });
    expect(await cm('nautilus-config')).toBeDefined();
  });

  it('repairs drift: an owned object deleted or edited by someone else is restored', async () => {
    await h.kubectl('delete', 'configmap', 'nautilus-config');
    await waitFor(() => cm('nautilus-config'), { timeoutMs: 15_000, what: 'nautilus-config recreated' });
    await h.kubectl(
      'patch',
      'configmap',
      'nautilus-config',
      '--type=merge',
      '-p',
      '{"data":{"captain":"Ned Land"}}',
    );
    await waitFor(
      async () =>
        ((await cm('nautilus-config'))?.data as Record<string, string> | undefined)?.captain === 'Aronnax',
      {
        timeoutMs: 15_000,
        what: 'the edited field reverted',
      },
    );
    // Removal-only drift (no field of someone else's is added): a removed rendered field, a removed and an
    // overwritten owner label are all put back without waiting for a resync.
    const labels = async (): Promise<Record<string, string>> =>
      (await cm('nautilus-config'))?.metadata.labels ?? {};
    const uid = (await labels())['lostromos.io/owner-uid'];
    expect(uid).toBeTruthy();
    await h.kubectl(
      'patch',
      'configmap',
      'nautilus-config',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/data/crew"}]',
    );
    await waitFor(
      async () =>
        ((await cm('nautilus-config'))?.data as Record<string, string> | undefined)?.crew !== undefined,
      { timeoutMs: 15_000, what: 'the removed field restored' },
    );
    await h.kubectl('label', 'configmap', 'nautilus-config', 'lostromos.io/owner-uid-');
    await waitFor(async () => (await labels())['lostromos.io/owner-uid'] === uid, {
      timeoutMs: 15_000,
      what: 'the removed owner label restored',
    });
    await h.kubectl(
      'label',
      'configmap',
      'nautilus-config',
      '--overwrite',
      'lostromos.io/owner-uid=someone-else',
    );
    await waitFor(async () => (await labels())['lostromos.io/owner-uid'] === uid, {
      timeoutMs: 15_000,
      what: 'the overwritten owner label restored',
    });
  });

  it('watches the kinds the templates render, never kinds a CR status claims', async () => {
    const leader = async (): Promise<{ ownedKinds: string[] } | undefined> => {
      for (const r of h.roles.filter((x) => x.role === 'watcher')) {
        const st = (await (await fetch(`http://127.0.0.1:${r.port}/status`)).json()) as {
          watcher?: { isLeader?: boolean; ownedKinds: string[] };
        };
        if (st.watcher?.isLeader) return st.watcher;
      }
      return undefined;
    };
    await waitFor(async () => (await leader())?.ownedKinds.includes('v1/ConfigMap'), {
      timeoutMs: 15_000,
      what: 'the ConfigMaps the templates render watched',
    });
    // Whoever may write a CR's status writes an inventory naming Secrets and ClusterRoles …
    await h.kube.rest.request({
      method: 'PATCH',
      path: '/apis/fleet.example.io/v1/namespaces/default/ships/nautilus/status',
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          resources: [
            { apiVersion: 'v1', kind: 'Secret', name: 'x' },
            { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'y' },
          ],
        },
      },
    });
    await new Promise((r) => setTimeout(r, 3000));
    // … and the watcher starts no watch on them.
    expect((await leader())?.ownedKinds).toEqual(['v1/ConfigMap']);
  });

  it('never reconciles one CR concurrently under 200 rapid updates across 3 workers; the result matches the last spec', async () => {
    await h.apply(ship('hammer', { captain: 'Ahab', crew: 0 }));
    await waitFor(() => cm('hammer-config'), { timeoutMs: 15_000, what: 'hammer-config' });
    const path = '/apis/fleet.example.io/v1/namespaces/default/ships/hammer';
    for (let i = 1; i <= 200; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          h.kube.rest.request({
            method: 'PATCH',
            path,
            body: { spec: { crew: i + j } },
            contentType: 'application/merge-patch+json',
          }),
        ),
      );
    }
    // The last write wins at the API server; the final objects must match whatever spec it holds now.
    const final = (await getShip('hammer'))!;
    const crew = String((final.spec as { crew: number }).crew);
    await waitFor(
      async () => {
        const s = await getShip('hammer');
        return (
          ((await cm('hammer-config'))?.data as Record<string, string> | undefined)?.crew === crew &&
          (s?.status as { observedGeneration?: number })?.observedGeneration === s?.metadata.generation
        );
      },
      { timeoutMs: 30_000, what: `hammer-config crew=${crew}` },
    );
    const overlaps = Number((await redis.get('itest:trace:overlaps')) ?? '0');
    const runs = Number(await redis.get('itest:trace:count:fleet.example.io/ships/default/hammer'));
    expect(overlaps).toBe(0);
    expect(runs).toBeGreaterThan(1); // instrumentation really ran
    expect(runs).toBeLessThan(200); // bursts coalesced
  });

  it('follows the filter annotation: absent → ignored, added → applied, removed → deleted and finalizer released', async () => {
    await h.apply(gadget('g2', 5, false));
    await h.apply(gadget('g3', 1, true));
    await waitFor(() => cm('gadget-g3'), {
      timeoutMs: 15_000,
      what: 'gadget-g3 (annotated, created after g2)',
    });
    expect(await cm('gadget-g2')).toBeUndefined();
    expect(
      (await h.get('toys.example.org/v1alpha1', 'gadgets', 'default', 'g2'))?.metadata.finalizers ?? [],
    ).toEqual([]);

    await h.kubectl('annotate', 'gadget', 'g2', 'example.io/managed=yes');
    await waitFor(() => cm('gadget-g2'), { timeoutMs: 15_000, what: 'gadget-g2 after opting in' });

    await h.kubectl('annotate', 'gadget', 'g2', 'example.io/managed-');
    await waitFor(async () => (await cm('gadget-g2')) === undefined, {
      timeoutMs: 15_000,
      what: 'gadget-g2 deleted',
    });
    await waitFor(
      async () =>
        !((await h.get('toys.example.org/v1alpha1', 'gadgets', 'default', 'g2'))?.metadata.finalizers ?? [])
          .length,
      { what: 'the finalizer released' },
    );
  });

  it('a resync of unchanged CRs performs zero writes (counted at the API server)', async () => {
    // Let everything settle, then count writes over more than one resync period.
    await new Promise((r) => setTimeout(r, 3000));
    h.api.resetStats();
    await new Promise((r) => setTimeout(r, (RESYNC_SECONDS * 1.5 + 1) * 1000));
    const stats = h.api.stats();
    // The resync really reconciled (fresh reads of the CRs)…
    expect(stats.byVerbResource['get ships'] ?? 0).toBeGreaterThan(0);
    // …and wrote nothing: only Lease renewals (and no Events either).
    const writes = Object.entries(stats.byVerbResource).filter(
      ([k, n]) =>
        n > 0 && /^(create|update|patch|apply|delete|deletecollection) /.test(k) && !k.endsWith(' leases'),
    );
    expect(writes).toEqual([]);
  });

  it('deletes the objects of a deleted CR and releases its finalizer', async () => {
    await h.kubectl('delete', 'ship', 'nautilus', '--timeout=30s');
    expect(await getShip('nautilus')).toBeUndefined();
    expect(await cm('nautilus-config')).toBeUndefined();
    expect(await cm('nautilus-notes')).toBeDefined(); // not ours
  });
});
