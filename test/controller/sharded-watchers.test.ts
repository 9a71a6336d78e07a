import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { FIXTURES, gadget, ship, startHarness, type Harness, type RoleHandle } from './harness.js';

// Sharded leadership: 6 resources over 6 shards (one Lease each), 3 watcher replicas. Every resource is led by
// exactly one replica at any time; kill -9 one and its resources are led elsewhere within
// leaseDuration + retryPeriod, and CRs created or changed in the gap are all reconciled.

// Longer than the harness default, so scheduling noise on a loaded 2-core machine is small beside the bound.
const LEASE = { duration: 6, renewDeadline: 4, retryPeriod: 2 };
const THINGS = [0, 1, 2, 3];
let h: Harness;
const watchers: RoleHandle[] = [];

interface Status {
  watcher?: { shards?: Array<{ shard: number; isLeader: boolean; resources: string[] }> };
}
const ledBy = async (w: RoleHandle): Promise<string[]> => {
  if (w.proc.exitCode !== null || w.proc.signalCode !== null) return [];
  const st = (await (await fetch(`http://127.0.0.1:${w.port}/status`)).json()) as Status;
  return (st.watcher?.shards ?? []).filter((s) => s.isLeader).flatMap((s) => s.resources);
};
const thing = (i: number, name: string, value: string): string =>
  JSON.stringify({
    apiVersion: `shard${i}.example.io/v1`,
    kind: 'Thing',
    metadata: { name, namespace: 'default' },
    spec: { captain: value, crew: i },
  });
const crd = (i: number): string =>
  JSON.stringify({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `things.shard${i}.example.io` },
    spec: {
      group: `shard${i}.example.io`,
      scope: 'Namespaced',
      names: { kind: 'Thing', plural: 'things', singular: 'thing' },
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
  });

beforeAll(async () => {
  h = await startHarness({
    prefix: 'shards',
    shards: 6,
    lease: LEASE,
    configExtra: THINGS.map(
      (i) => `  - name: things${i}
    group: shard${i}.example.io
    version: v1
    plural: things
    templates: ${path.join(FIXTURES, 'ships')}
    concurrency: 4
`,
    ).join(''),
  });
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  for (const i of THINGS) await h.apply(crd(i));
  for (let n = 0; n < 3; n++) watchers.push(await h.start('watcher'));
  await h.start('worker');
});

afterAll(async () => {
  await h?.close();
});

describe('sharded watchers (3 replicas, 6 resources, 6 shards)', () => {
  const ALL = ['ships', 'gadgets', ...THINGS.map((i) => `things${i}`)].sort();

  it('every resource is led by exactly one replica, and the shards are spread', async () => {
    const led = await waitFor(
      async () => {
        const each = await Promise.all(watchers.map(ledBy));
        const flat = each.flat().sort();
        // Spread: the replica started first takes every shard, and hands the shards it is not preferred for
        // to the replicas that join (within a retry period); one replica must not keep everything.
        const spread = each.filter((l) => l.length > 0).length >= 2;
        return JSON.stringify(flat) === JSON.stringify(ALL) && spread ? each : undefined;
      },
      { timeoutMs: 30_000, what: 'all 6 resources led, each by one replica, by at least two replicas' },
    );
    expect(led.flat().sort()).toEqual(ALL);
    // Each led resource works.
    await h.apply(ship('s-1', { captain: 'a', crew: 1 }));
    await h.apply(gadget('g-1', 1, true));
    for (const i of THINGS) await h.apply(thing(i, `t${i}-1`, 'first'));
    await waitFor(() => h.get('v1', 'configmaps', 'default', 's-1-config'), {
      timeoutMs: 30_000,
      what: 's-1',
    });
    await waitFor(() => h.get('v1', 'configmaps', 'default', 'gadget-g-1'), {
      timeoutMs: 30_000,
      what: 'g-1',
    });
    for (const i of THINGS) {
      await waitFor(() => h.get('v1', 'configmaps', 'default', `t${i}-1-config`), {
        timeoutMs: 30_000,
        what: `t${i}-1`,
      });
    }
  });

  it('kill -9 of a leading replica: its resources are led elsewhere within leaseDuration + retryPeriod; nothing is lost', async () => {
    const each = await Promise.all(watchers.map(ledBy));
    const victim = each.reduce((best, l, i) => (l.length > each[best]!.length ? i : best), 0);
    const moved = each[victim]!;
    expect(moved.length).toBeGreaterThan(0);
    await watchers[victim]!.kill();
    const killedAt = Date.now();
    const survivors = watchers.filter((_, i) => i !== victim);
    // Watched from the kill on, while the gap's events are written: the time is the failover's alone, not
    // the kubectl calls' below.
    const ledAgain = waitFor(
      async () => {
        const flat = (await Promise.all(survivors.map(ledBy))).flat().sort();
        return JSON.stringify(flat) === JSON.stringify(ALL);
      },
      {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: `the resources of the killed replica (${moved.join(', ')}) led again`,
      },
    ).then(() => Date.now() - killedAt);
    ledAgain.catch(() => undefined); // awaited below; no unhandled rejection while the applies run
    // Events in the gap: new CRs and an update for every resource.
    await h.apply(ship('s-2', { captain: 'b', crew: 2 }));
    await h.apply(ship('s-1', { captain: 'changed', crew: 1 }));
    for (const i of THINGS) await h.apply(thing(i, `t${i}-2`, 'gap'));
    for (const i of THINGS) await h.apply(thing(i, `t${i}-1`, 'changed'));
    const tookMs = await ledAgain;
    // leaseDuration + retryPeriod after the Lease's expiry is observed (which lags its last renew by up to one
    // retry period, as in client-go), plus status polling and scheduling on a loaded 2-core machine.
    expect(tookMs).toBeLessThan((LEASE.duration + 2 * LEASE.retryPeriod) * 1000 + 3000);
    await waitFor(async () => (await h.get('v1', 'configmaps', 'default', 's-2-config')) !== undefined, {
      timeoutMs: 30_000,
      what: 's-2 created in the gap',
    });
    await waitFor(
      async () =>
        (
          (await h.get('v1', 'configmaps', 'default', 's-1-config'))?.data as
            Record<string, string> | undefined
        )?.captain === 'changed',
      {
        timeoutMs: 30_000,
        what: 's-1 changed in the gap',
      },
    );
    for (const i of THINGS) {
      await waitFor(
        async () => (await h.get('v1', 'configmaps', 'default', `t${i}-2-config`)) !== undefined,
        {
          timeoutMs: 30_000,
          what: `t${i}-2 created in the gap`,
        },
      );
      await waitFor(
        async () =>
          (
            (await h.get('v1', 'configmaps', 'default', `t${i}-1-config`))?.data as
              Record<string, string> | undefined
          )?.captain === 'changed',
        { timeoutMs: 30_000, what: `t${i}-1 changed in the gap` },
      );
    }
    // Never two leaders of one resource among the survivors.
    const after = (await Promise.all(survivors.map(ledBy))).flat();
    expect(new Set(after).size).toBe(after.length);
  });
});
