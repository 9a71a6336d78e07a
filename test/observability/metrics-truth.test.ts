import path from 'node:path';
import { QUEUE_STATES, type JobCountSource, WATCHER_METRICS, WORKER_METRICS } from '@lostromos/observability';
import { parseMetricsText, sumSeries } from '../support/metrics-text.js';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnLostromos, waitFor, type LostromosProcess } from '../support/index.js';
import {
  condition,
  FIXTURES,
  ship,
  startHarness,
  type Harness,
  type RoleHandle,
} from '../controller/harness.js';

// Every metric is true on every process that exports it. One process of each kind (`--role watcher`,
// `worker`, `dashboard`) runs against the real API server and a real redis-server; after CRs are reconciled
// each one's /metrics is read and every series it exports is compared with what the test reads itself from
// the API server and Redis. A process exports only what it knows: a series that a process cannot know
// (a worker's leader gauge, a dashboard's reconcile counters) would be a lie of 0, so it must be absent.

const CRS = ['alpha', 'bravo', 'charlie', 'delta'];
/** ships render `<name>-config`, plus `<name>-log` while spec.withLog is true (alpha and bravo). */
const WITH_LOG = new Set(['alpha', 'bravo']);

let h: Harness;
let watcher: RoleHandle;
let worker: RoleHandle;
let dashboard: LostromosProcess & { port: number };

type Series = Map<string, number>;
const scrape = async (port: number): Promise<Series> =>
  parseMetricsText(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
const families = (s: Series): Set<string> => new Set([...s.keys()].map((k) => k.replace(/\{.*$/, '')));

beforeAll(async () => {
  h = await startHarness({
    prefix: 'truth',
    configExtra: 'dashboard: { auth: { username: admin, password: truth-dash-pw } }\n',
  });
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  await waitFor(() => h.kubectl('get', 'ships').then(() => true), {
    timeoutMs: 15_000,
    what: 'the ships CRD',
  });
  watcher = await h.start('watcher');
  worker = await h.start('worker');
  const port = await freePort();
  const p = spawnLostromos([
    'start',
    '--config',
    h.configFile,
    '--role',
    'dashboard',
    '--server-address',
    `127.0.0.1:${port}`,
    '--dashboard-address',
    '127.0.0.1:0',
  ]);
  dashboard = { ...p, port };
  await waitFor(
    async () => {
      if (p.proc.exitCode !== null)
        throw new Error(`dashboard exited ${p.proc.exitCode}: ${p.output().slice(-2000)}`);
      return (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok;
    },
    { timeoutMs: 20_000, what: 'the dashboard /healthz' },
  );
  for (const name of CRS) await h.apply(ship(name, { captain: name, crew: 3, withLog: WITH_LOG.has(name) }));
  await waitFor(
    async () => {
      for (const name of CRS)
        if (
          condition(await h.get('fleet.example.io/v1', 'ships', 'default', name), 'Ready')?.status !== 'True'
        )
          return false;
      return true;
    },
    { timeoutMs: 60_000, what: 'every ship Ready' },
  );
});

afterAll(async () => {
  await dashboard?.stop(8000);
  await h?.close();
});

async function readyShips(): Promise<{ ready: number; notReady: number }> {
  const ships = await h.list('fleet.example.io/v1', 'ships', 'default');
  const ready = ships.filter((s) => condition(s, 'Ready')?.status === 'True').length;
  return { ready, notReady: ships.length - ready };
}
async function managedConfigMaps(): Promise<number> {
  return (await h.list('v1', 'configmaps', 'default', 'app.kubernetes.io/managed-by=lostromos')).length;
}

/** What every process kind says about the queues and Redis equals what the test reads from Redis itself. */
async function expectQueueTruth(s: Series, role: string): Promise<void> {
  const connection = new Redis(h.redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue('ships', { connection, prefix: 'truth' });
  try {
    // The same call the metrics make (BullMQ's own type omits the legacy `paused` state they also export).
    const counts = await (queue as JobCountSource).getJobCounts(...QUEUE_STATES);
    for (const state of QUEUE_STATES)
      expect(s.get(`bullmq_job_count{queue="ships",state="${state}"}`), `${role}: ships ${state}`).toBe(
        counts[state] ?? 0,
      );
    expect(s.get('workqueue_depth{name="ships",controller="ships"}'), `${role}: depth`).toBe(
      (counts.waiting ?? 0) + (counts.prioritized ?? 0),
    );
  } finally {
    await queue.close();
    connection.disconnect();
  }
  expect(s.get('lostromos_redis_up'), `${role}: redis up`).toBe(1);
  expect(s.get(`lostromos_info{role="${role}",version="0.1.0"}`), `${role}: info`).toBe(1);
}

/** Reads /metrics until `check` passes (a scrape is a moment; the queue may still move). */
async function eventually(
  port: number,
  what: string,
  check: (s: Series) => Promise<void> | void,
): Promise<void> {
  let last: unknown;
  try {
    await waitFor(
      async () => {
        try {
          await check(await scrape(port));
          return true;
        } catch (err) {
          last = err;
          return false;
        }
      },
      { timeoutMs: 20_000, intervalMs: 300, what },
    );
  } catch {
    throw last instanceof Error ? last : new Error(String(last));
  }
}

describe('metrics truth, per process kind', () => {
  it('the watcher: leadership as the Lease says, CRs by Ready as the API server says, nothing a worker knows', async () => {
    const lease = await h.get('coordination.k8s.io/v1', 'leases', 'default', 'itest-watcher');
    const holder = (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
    const status = (await (await fetch(`http://127.0.0.1:${watcher.port}/status`)).json()) as {
      identity?: string;
    };
    expect(holder).toBeTruthy();
    expect(holder).toBe(status.identity);
    await eventually(watcher.port, 'the watcher metrics to match the cluster', async (s) => {
      const { ready, notReady } = await readyShips();
      expect(s.get('leader_election_master_status{name="itest-watcher"}')).toBe(1);
      expect(s.get('lostromos_managed_crs{controller="ships",ready="true"}')).toBe(ready);
      expect(
        (s.get('lostromos_managed_crs{controller="ships",ready="false"}') ?? 0) +
          (s.get('lostromos_managed_crs{controller="ships",ready="unknown"}') ?? 0),
      ).toBe(notReady);
      // No gadget carries the opt-in annotation: none is managed.
      expect(sumSeries(s, 'lostromos_managed_crs', { controller: 'gadgets' })).toBe(0);
      expect(s.get('releases_total')).toBe(ready + notReady);
      expect(s.get('lostromos_resource_watch_up{controller="ships"}')).toBe(1);
      await expectQueueTruth(s, 'watcher');
      const present = families(s);
      expect(WORKER_METRICS.filter((f) => present.has(f))).toEqual([]);
    });
  });

  it('the worker: creates, applied objects and reconciles as the cluster says, nothing a watcher knows', async () => {
    await eventually(worker.port, 'the worker metrics to match the cluster', async (s) => {
      expect(s.get('releases_create_total')).toBe(CRS.length);
      expect(s.get('releases_create_error_total')).toBe(0);
      expect(s.get('lostromos_objects_applied_total{controller="ships",kind="ConfigMap"}')).toBe(
        await managedConfigMaps(),
      );
      expect(
        sumSeries(s, 'controller_runtime_reconcile_total', { controller: 'ships', result: 'success' }),
      ).toBeGreaterThanOrEqual(CRS.length);
      expect(
        sumSeries(s, 'controller_runtime_reconcile_total', { controller: 'ships', result: 'error' }),
      ).toBe(0);
      expect(s.get('controller_runtime_active_workers{controller="ships"}')).toBe(0);
      await expectQueueTruth(s, 'worker');
      const present = families(s);
      expect(WATCHER_METRICS.filter((f) => present.has(f))).toEqual([]);
    });
  });

  it('the dashboard: queues and Redis only, no series of a watcher or a worker', async () => {
    await eventually(dashboard.port, 'the dashboard metrics to match Redis', async (s) => {
      await expectQueueTruth(s, 'dashboard');
      const present = families(s);
      expect([...WATCHER_METRICS, ...WORKER_METRICS].filter((f) => present.has(f))).toEqual([]);
    });
  });

  it('after a CR is deleted: the watcher counts one fewer, the worker one delete and its objects', async () => {
    const before = await managedConfigMaps();
    await h.kubectl('delete', 'ships', 'alpha', '--wait=true');
    await eventually(watcher.port, 'the watcher to count the deletion', async (s) => {
      const { ready, notReady } = await readyShips();
      expect(ready + notReady).toBe(CRS.length - 1);
      expect(s.get('lostromos_managed_crs{controller="ships",ready="true"}')).toBe(ready);
      expect(s.get('releases_total')).toBe(ready + notReady);
    });
    await eventually(worker.port, 'the worker to count the deletion', async (s) => {
      const after = await managedConfigMaps();
      expect(after).toBe(before - 2); // alpha-config and alpha-log
      expect(s.get('releases_delete_total')).toBe(1);
      expect(s.get('lostromos_objects_deleted_total{controller="ships",kind="ConfigMap"}')).toBe(
        before - after,
      );
    });
  });
});
