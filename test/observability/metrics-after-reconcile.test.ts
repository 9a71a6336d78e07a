import path from 'node:path';
import { parseMetricsText, sumSeries } from '@lostromos/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { FIXTURES, ship, startHarness, type Harness, type RoleHandle } from '../controller/harness.js';

// End to end through the built CLI: the kube simulator, a real redis-server and one `lostromos start --role all`
// process. Scrapes its /metrics around CR create/update/delete and checks the counters moved as they should.

let h: Harness;
let all: RoleHandle;

const scrape = async (): Promise<Map<string, number>> =>
  parseMetricsText(await (await fetch(`http://127.0.0.1:${all.port}/metrics`)).text());
const cm = (name: string) => h.get('v1', 'configmaps', 'default', name);

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
  // The client limiter comes from config flags; /status shows the values the Kubernetes client really uses.
  all = await h.start('all', ['--kube-api-qps', '150', '--kube-api-burst', '250']);
});

afterAll(async () => {
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
      kubernetes: { server: h.sim.url, qps: 150, burst: 250 },
    });
    const events = JSON.parse(await h.kubectl('get', 'events', '-o', 'json')) as {
      items: Array<{ involvedObject?: { name?: string; kind?: string }; reason?: string }>;
    };
    const reasons = events.items.filter((e) => e.involvedObject?.name === 'nautilus').map((e) => e.reason);
    expect(reasons).toContain('Created');
  });
});
