import path from 'node:path';
import { Informer } from '@lostromos/kube';
import { parseMetricsText, sumSeries } from '../support/metrics-text.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import {
  condition,
  FIXTURES,
  gadget,
  ship,
  startHarness,
  type Harness,
  type RoleHandle,
} from '../controller/harness.js';

// End to end through the built CLI: the kube simulator, a real redis-server and one `lostromos start --role all`
// process. Scrapes its /metrics around CR create/update/delete and checks the counters moved as they should.

let h: Harness;
let all: RoleHandle;
/** An independent informer on ships: every notification it gets, the operator's informer gets too. */
let shipsInformer: Informer;
let shipNotifications = 0;

const scrape = async (): Promise<Map<string, number>> =>
  parseMetricsText(await (await fetch(`http://127.0.0.1:${all.port}/metrics`)).text());
const cm = (name: string) => h.get('v1', 'configmaps', 'default', name);
const managed = (s: Map<string, number>, controller: string, ready: string) =>
  s.get(`lostromos_managed_crs{controller="${controller}",ready="${ready}"}`);
/** releases_events_total equals the ships notifications seen independently (no gadget is opted in). */
const eventsMatch = () =>
  waitFor(
    async () => {
      const s = await scrape();
      return shipNotifications > 0 && sumSeries(s, 'releases_events_total') === shipNotifications;
    },
    { timeoutMs: 30_000, what: 'releases_events_total = ships informer notifications' },
  );

beforeAll(async () => {
  h = await startHarness({
    prefix: 'metrics',
    configExtra: 'dashboard: { address: 127.0.0.1:0, auth: { username: admin, password: itest-dash-pw } }\n',
  });
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  await waitFor(() => h.kubectl('get', 'ships').then(() => true), {
    timeoutMs: 10_000,
    what: 'the ships CRD',
  });
  shipsInformer = new Informer({ client: h.kube.rest, apiVersion: 'fleet.example.io/v1', plural: 'ships' });
  for (const ev of ['add', 'update', 'delete'] as const) shipsInformer.on(ev, () => shipNotifications++);
  shipsInformer.start();
  await waitFor(() => shipsInformer.hasSynced, { what: 'the test informer' });
  // The client limiter comes from config flags; /status shows the values the Kubernetes client really uses.
  all = await h.start('all', ['--kube-api-qps', '150', '--kube-api-burst', '250']);
});

afterAll(async () => {
  await shipsInformer?.stop();
  await h?.close();
});

describe('metrics, status and Events of a running operator', () => {
  it('counts reconciles, releases and objects by the right amounts across create, update and delete', async () => {
    await waitFor(
      async () => (await scrape()).get('leader_election_master_status{name="itest-watcher"}') === 1,
      {
        timeoutMs: 20_000,
        what: 'leadership',
      },
    );
    const before = await scrape();
    expect(sumSeries(before, 'releases_create_total')).toBe(0);
    expect(sumSeries(before, 'controller_runtime_reconcile_total', { controller: 'ships' })).toBe(0);

    // create: one release, two ConfigMaps applied
    await h.apply(ship('nautilus', { captain: 'Nemo', crew: 40, withLog: true }));
    await waitFor(() => cm('nautilus-log'), { timeoutMs: 20_000, what: 'nautilus objects' });
    await h.kubectl('wait', '--for=condition=Ready', 'ship/nautilus', '--timeout=30s');
    const created = await waitFor(
      async () => {
        const s = await scrape();
        return sumSeries(s, 'releases_create_total') === 1 ? s : undefined;
      },
      { what: 'releases_create_total = 1' },
    );
    const reconciles = sumSeries(created, 'controller_runtime_reconcile_total', { controller: 'ships' });
    expect(
      sumSeries(created, 'controller_runtime_reconcile_total', { controller: 'ships', result: 'success' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sumSeries(created, 'controller_runtime_reconcile_errors_total', { controller: 'ships' })).toBe(0);
    // every reconcile is observed once in the histogram
    expect(created.get('controller_runtime_reconcile_time_seconds_count{controller="ships"}')).toBe(
      reconciles,
    );
    expect(
      sumSeries(created, 'lostromos_objects_applied_total', { controller: 'ships', kind: 'ConfigMap' }),
    ).toBeGreaterThanOrEqual(2);
    expect(sumSeries(created, 'workqueue_adds_total', { controller: 'ships' })).toBeGreaterThanOrEqual(1);
    expect(sumSeries(created, 'rest_client_requests_total')).toBeGreaterThan(0);
    expect(sumSeries(created, 'releases_create_error_total')).toBe(0);
    expect(created.get('releases_last_create_timestamp_utc_seconds')).toBeGreaterThan(
      Date.now() / 1000 - 120,
    );
    expect(created.get('workqueue_depth{name="ships",controller="ships"}')).toBeDefined();
    // every reconcile so far rendered the CR once, without an error (a follow-up reconcile may be in flight,
    // so wait for the two counts to meet)
    await waitFor(
      async () => {
        const m = await scrape();
        const n = sumSeries(m, 'controller_runtime_reconcile_total', { controller: 'ships' });
        return n >= 1 && m.get('lostromos_render_duration_seconds_count{controller="ships"}') === n;
      },
      { what: 'one render per reconcile' },
    );
    expect(sumSeries(await scrape(), 'lostromos_render_errors_total')).toBe(0);

    // CRs by Ready state, from the watcher's cache: one Ready ship, no gadget (none is opted in)
    const readyNow = await waitFor(
      async () => {
        const s = await scrape();
        return managed(s, 'ships', 'true') === 1 ? s : undefined;
      },
      { what: 'lostromos_managed_crs{ships,true} = 1' },
    );
    expect(managed(readyNow, 'ships', 'false')).toBe(0);
    expect(managed(readyNow, 'ships', 'unknown')).toBe(0);
    expect(sumSeries(readyNow, 'lostromos_managed_crs', { controller: 'gadgets' })).toBe(0);
    expect(readyNow.get('releases_total')).toBe(1);
    await eventsMatch();

    // update: the create counter stays, the update counter moves
    await h.kubectl('patch', 'ship', 'nautilus', '--type=merge', '-p', '{"spec":{"captain":"Aronnax"}}');
    await waitFor(
      async () =>
        ((await cm('nautilus-config'))?.data as { captain?: string } | undefined)?.captain === 'Aronnax',
      {
        timeoutMs: 15_000,
        what: 'update',
      },
    );
    const updated = await waitFor(
      async () => {
        const s = await scrape();
        return sumSeries(s, 'releases_update_total') >= 1 ? s : undefined;
      },
      { what: 'releases_update_total ≥ 1' },
    );
    expect(sumSeries(updated, 'releases_create_total')).toBe(1);
    // One spec change that changed one ConfigMap is one update; reconciles that change nothing are none.
    await h.kubectl('wait', '--for=condition=Ready', 'ship/nautilus', '--timeout=30s');
    expect(sumSeries(await scrape(), 'releases_update_total')).toBe(1);
    expect(sumSeries(updated, 'controller_runtime_reconcile_total', { controller: 'ships' })).toBeGreaterThan(
      reconciles,
    );

    // delete: one release deleted
    await h.kubectl('delete', 'ship', 'nautilus', '--wait=false');
    await waitFor(async () => (await cm('nautilus-config')) === undefined, {
      timeoutMs: 20_000,
      what: 'objects deleted',
    });
    const deleted = await waitFor(
      async () => {
        const s = await scrape();
        return sumSeries(s, 'releases_delete_total') === 1 ? s : undefined;
      },
      { what: 'releases_delete_total = 1' },
    );
    expect(sumSeries(deleted, 'releases_delete_error_total')).toBe(0);
    expect(sumSeries(deleted, 'releases_create_total')).toBe(1);
    const gone = await waitFor(
      async () => {
        const s = await scrape();
        return s.get('releases_total') === 0 ? s : undefined;
      },
      { what: 'releases_total = 0' },
    );
    expect(sumSeries(gone, 'lostromos_managed_crs', { controller: 'ships' })).toBe(0);
    await eventsMatch();
  });

  it('counts render errors by reason, together with the failed release, and the CR as not Ready', async () => {
    // A gadget without the opt-in annotation is neither managed nor counted as a release event.
    await h.apply(gadget('ignored', 1, false));
    // A mapping inserted with {{spec.captain}}: the template cannot render it.
    await h.apply(ship('broken', { captain: { first: 'Ahab' }, crew: 1 }));
    await waitFor(
      async () =>
        condition(await h.get('fleet.example.io/v1', 'ships', 'default', 'broken'), 'Ready')?.reason ===
        'RenderFailed',
      { timeoutMs: 15_000, what: 'Ready=False RenderFailed on the broken ship' },
    );
    const s = await waitFor(
      async () => {
        const m = await scrape();
        const errors = sumSeries(m, 'lostromos_render_errors_total', {
          controller: 'ships',
          reason: 'LZ_RENDER_VALUE_NOT_SCALAR',
        });
        // each failed render of a never-applied CR is one failed release create
        return errors >= 1 &&
          errors === sumSeries(m, 'releases_create_error_total') &&
          managed(m, 'ships', 'false') === 1
          ? m
          : undefined;
      },
      { what: 'render errors = release create errors, broken ship not Ready' },
    );
    expect(sumSeries(s, 'lostromos_render_errors_total')).toBe(
      sumSeries(s, 'lostromos_render_errors_total', { reason: 'LZ_RENDER_VALUE_NOT_SCALAR' }),
    );
    expect(sumSeries(s, 'lostromos_managed_crs', { controller: 'gadgets' })).toBe(0);
    expect(s.get('releases_total')).toBe(1);
    await eventsMatch();
  });

  it('shows a running reconcile in the unfinished-work and longest-running gauges until it ends', async () => {
    // Slow API requests stretch one reconcile over seconds, so a scrape catches it in flight.
    h.api.faults.set({ latencyMs: 300 });
    try {
      await h.apply(ship('slowboat', { captain: 'Slow', crew: 2 }));
      const during = await waitFor(
        async () => {
          const m = await scrape();
          const longest = m.get(
            'workqueue_longest_running_processor_seconds{name="ships",controller="ships"}',
          );
          return longest !== undefined && longest >= 0.5 ? m : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100, what: 'a reconcile running for 0.5 s' },
      );
      // the sum over running jobs is at least the longest one (each gauge reads the clock on its own: 10 ms slack)
      const longest = during.get(
        'workqueue_longest_running_processor_seconds{name="ships",controller="ships"}',
      )!;
      expect(
        during.get('workqueue_unfinished_work_seconds{name="ships",controller="ships"}'),
      ).toBeGreaterThanOrEqual(longest - 0.01);
      expect(during.get('controller_runtime_active_workers{controller="ships"}')).toBeGreaterThanOrEqual(1);
    } finally {
      h.api.faults.clear();
    }
    await waitFor(() => cm('slowboat-config'), { timeoutMs: 20_000, what: 'slowboat objects' });
    await waitFor(
      async () => {
        const m = await scrape();
        return (
          m.get('controller_runtime_active_workers{controller="ships"}') === 0 &&
          m.get('workqueue_unfinished_work_seconds{name="ships",controller="ships"}') === 0 &&
          m.get('workqueue_longest_running_processor_seconds{name="ships",controller="ships"}') === 0
        );
      },
      { timeoutMs: 20_000, what: 'no reconcile in flight: both gauges back at 0' },
    );
  });

  it('counts one relist per resource when the watch history expired (410 Gone)', async () => {
    const before = await scrape();
    const relists = (m: Map<string, number>, controller: string) =>
      m.get(`lostromos_watch_relists_total{controller="${controller}"}`) ?? 0;
    // Quiet first: a CR written while the two informers relist at different moments is seen as one update by
    // the one that relists over it and as two by the one still watching, so the counts below would differ for
    // a reason that is not the operator's. Both must agree, and stay agreed for a moment, before the cut.
    await eventsMatch();
    let settled = -1;
    await waitFor(
      async () => {
        const now = sumSeries(await scrape(), 'releases_events_total');
        const quiet = now === settled && now === shipNotifications;
        settled = now;
        return quiet;
      },
      { timeoutMs: 60_000, intervalMs: 2000, what: 'no ship written for 2 s' },
    );
    // A write the informers do not see moves the store past their resourceVersions; then forget the watch
    // history and cut every watch: the resumed watches get 410 Gone and relist.
    await h.kubectl('create', 'configmap', 'unrelated-write');
    await h.api.faults.compact();
    h.api.faults.dropWatches();
    await waitFor(
      async () => {
        const m = await scrape();
        return (
          relists(m, 'ships') > relists(before, 'ships') && relists(m, 'gadgets') > relists(before, 'gadgets')
        );
      },
      { timeoutMs: 30_000, what: 'relists of ships and gadgets' },
    );
    const after = await scrape();
    expect(relists(after, 'ships')).toBe(relists(before, 'ships') + 1);
    expect(relists(after, 'gadgets')).toBe(relists(before, 'gadgets') + 1);
    // the relist found nothing new: no extra release events, and the operator keeps reconciling
    await eventsMatch();
    await h.kubectl('patch', 'ship', 'slowboat', '--type=merge', '-p', '{"spec":{"captain":"Quick"}}');
    await waitFor(
      async () =>
        ((await cm('slowboat-config'))?.data as { captain?: string } | undefined)?.captain === 'Quick',
      { timeoutMs: 15_000, what: 'a change after the relist' },
    );
    await eventsMatch();
  });

  it('serves ready, status and Kubernetes Events on the CR', async () => {
    expect((await fetch(`http://127.0.0.1:${all.port}/readyz`)).status).toBe(200);
    const status = (await (await fetch(`http://127.0.0.1:${all.port}/status`)).json()) as Record<
      string,
      unknown
    >;
    expect(status).toMatchObject({
      success: true,
      ready: true,
      role: 'all',
      kubernetes: { server: h.api.url, qps: 150, burst: 250 },
    });
    const events = JSON.parse(await h.kubectl('get', 'events', '-o', 'json')) as {
      items: Array<{ involvedObject?: { name?: string; kind?: string }; reason?: string }>;
    };
    const reasons = events.items.filter((e) => e.involvedObject?.name === 'nautilus').map((e) => e.reason);
    expect(reasons).toContain('Created');
  });
});
