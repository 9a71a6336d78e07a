import perfHooks from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { parseMetricsText as parseExposition } from '../../../test/support/metrics-text.js';
import {
  addCollectHook,
  createOperatorMetrics,
  EVENT_LOOP_MONITORING_PRECISION_MS,
} from './operator-metrics.js';

const EXPECTED = {
  controller_runtime_reconcile_total: 'counter',
  controller_runtime_reconcile_errors_total: 'counter',
  controller_runtime_terminal_reconcile_errors_total: 'counter',
  controller_runtime_reconcile_time_seconds: 'histogram',
  controller_runtime_active_workers: 'gauge',
  controller_runtime_max_concurrent_reconciles: 'gauge',
  workqueue_depth: 'gauge',
  workqueue_adds_total: 'counter',
  workqueue_queue_duration_seconds: 'histogram',
  workqueue_work_duration_seconds: 'histogram',
  workqueue_retries_total: 'counter',
  workqueue_unfinished_work_seconds: 'gauge',
  workqueue_longest_running_processor_seconds: 'gauge',
  leader_election_master_status: 'gauge',
  rest_client_requests_total: 'counter',
  rest_client_request_duration_seconds: 'histogram',
  lostromos_watch_restarts_total: 'counter',
  lostromos_watch_relists_total: 'counter',
  lostromos_objects_applied_total: 'counter',
  lostromos_objects_pruned_total: 'counter',
  lostromos_objects_deleted_total: 'counter',
  lostromos_recheck_reconciles_total: 'counter',
  lostromos_recheck_requests_total: 'counter',
  lostromos_render_duration_seconds: 'histogram',
  lostromos_render_errors_total: 'counter',
  lostromos_managed_crs: 'gauge',
  lostromos_redis_up: 'gauge',
  lostromos_info: 'gauge',
  releases_create_total: 'counter',
  releases_create_error_total: 'counter',
  releases_update_total: 'counter',
  releases_update_error_total: 'counter',
  releases_delete_total: 'counter',
  releases_delete_error_total: 'counter',
  releases_total: 'gauge',
  releases_events_total: 'counter',
  releases_last_create_timestamp_utc_seconds: 'gauge',
  releases_last_update_timestamp_utc_seconds: 'gauge',
  releases_last_delete_timestamp_utc_seconds: 'gauge',
} as const;

describe('createOperatorMetrics', () => {
  it('registers every controller-runtime, Lostrómos and original-tool metric with its type', async () => {
    const m = createOperatorMetrics({ collectDefault: false });
    const text = await m.registry.metrics();
    for (const [name, type] of Object.entries(EXPECTED)) {
      expect(text, name).toContain(`# TYPE ${name} ${type}\n`);
    }
    const names = m.registry.getMetricsAsArray().map((x) => x.name);
    expect(names.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('the original-tool series exist without labels from the start (existing alerts evaluate)', async () => {
    const series = parseExposition(await createOperatorMetrics({ collectDefault: false }).registry.metrics());
    expect(series.get('releases_create_total')).toBe(0);
    expect(series.get('releases_delete_error_total')).toBe(0);
    expect(series.get('releases_total')).toBe(0);
  });

  it('observeReconcile moves total by result, errors and the histogram by the right amounts', async () => {
    const m = createOperatorMetrics({ collectDefault: false });
    m.observeReconcile('characters', 'success', 0.02);
    m.observeReconcile('characters', 'success', 0.3);
    m.observeReconcile('characters', 'error', 1.1);
    m.observeReconcile('gadgets', 'requeue', 0.004);
    const s = parseExposition(await m.registry.metrics());
    expect(s.get('controller_runtime_reconcile_total{controller="characters",result="success"}')).toBe(2);
    expect(s.get('controller_runtime_reconcile_total{controller="characters",result="error"}')).toBe(1);
    expect(s.get('controller_runtime_reconcile_total{controller="gadgets",result="requeue"}')).toBe(1);
    expect(s.get('controller_runtime_reconcile_errors_total{controller="characters"}')).toBe(1);
    expect(s.get('controller_runtime_reconcile_errors_total{controller="gadgets"}')).toBeUndefined();
    expect(s.get('controller_runtime_reconcile_time_seconds_count{controller="characters"}')).toBe(3);
    expect(
      s.get('controller_runtime_reconcile_time_seconds_bucket{le="0.025",controller="characters"}'),
    ).toBe(1);
    expect(s.get('controller_runtime_reconcile_time_seconds_bucket{le="0.005",controller="gadgets"}')).toBe(
      1,
    );
    expect(s.get('controller_runtime_reconcile_time_seconds_sum{controller="characters"}')).toBeCloseTo(1.42);
  });

  it('observeRelease counts successes and errors and stamps the last success time', async () => {
    const m = createOperatorMetrics({ collectDefault: false });
    m.observeRelease('create', true, new Date('2026-01-01T00:00:00Z'));
    m.observeRelease('create', true, new Date('2026-01-01T00:00:10Z'));
    m.observeRelease('update', false);
    m.observeRelease('delete', true, new Date('2026-01-01T00:01:00Z'));
    const s = parseExposition(await m.registry.metrics());
    expect(s.get('releases_create_total')).toBe(2);
    expect(s.get('releases_last_create_timestamp_utc_seconds')).toBe(1767225610);
    expect(s.get('releases_update_total')).toBe(0);
    expect(s.get('releases_update_error_total')).toBe(1);
    expect(s.get('releases_last_update_timestamp_utc_seconds')).toBe(0);
    expect(s.get('releases_delete_total')).toBe(1);
  });

  it('labels workqueue series with both name and controller, and other handles with their own labels', async () => {
    const m = createOperatorMetrics({ collectDefault: false, info: { role: 'worker', version: '0.1.0' } });
    m.workqueueAdds.inc({ name: 'characters', controller: 'characters' }, 3);
    m.leaderElectionMasterStatus.set({ name: 'lostromos-watcher' }, 1);
    m.objectsApplied.inc({ controller: 'characters', kind: 'ConfigMap' }, 2);
    m.renderErrors.inc({ controller: 'gadgets', reason: 'TemplateError' });
    m.managedCrs.set({ controller: 'characters', ready: 'true' }, 4);
    m.restClientRequests.inc({ method: 'PATCH', code: '200' });
    m.redisUp.set(1);
    const s = parseExposition(await m.registry.metrics());
    expect(s.get('workqueue_adds_total{name="characters",controller="characters"}')).toBe(3);
    expect(s.get('leader_election_master_status{name="lostromos-watcher"}')).toBe(1);
    expect(s.get('lostromos_objects_applied_total{controller="characters",kind="ConfigMap"}')).toBe(2);
    expect(s.get('lostromos_render_errors_total{controller="gadgets",reason="TemplateError"}')).toBe(1);
    expect(s.get('lostromos_managed_crs{controller="characters",ready="true"}')).toBe(4);
    expect(s.get('rest_client_requests_total{method="PATCH",code="200"}')).toBe(1);
    expect(s.get('lostromos_redis_up')).toBe(1);
    expect(s.get('lostromos_info{role="worker",version="0.1.0"}')).toBe(1);
  });

  it('keeps processes apart: each call has its own registry, and a given registry is used as is', async () => {
    const a = createOperatorMetrics({ collectDefault: false });
    const b = createOperatorMetrics({ collectDefault: false });
    a.releasesEvents.inc(5);
    expect(parseExposition(await b.registry.metrics()).get('releases_events_total')).toBe(0);
    const shared = new Registry();
    const c = createOperatorMetrics({ registry: shared });
    expect(c.registry).toBe(shared);
    expect(await shared.metrics()).toContain('process_cpu_user_seconds_total');
    expect(() => createOperatorMetrics({ registry: shared, collectDefault: false })).toThrow(
      /already been registered/,
    );
  });

  it('beginWork feeds unfinished work and the longest running processor at scrape time', async () => {
    let t = 0;
    const m = createOperatorMetrics({ collectDefault: false, now: () => t });
    const a = m.beginWork('characters');
    t = 2000;
    const b = m.beginWork('characters');
    t = 5000;
    let s = parseExposition(await m.registry.metrics());
    expect(s.get('workqueue_unfinished_work_seconds{name="characters",controller="characters"}')).toBe(8); // 5 + 3
    expect(
      s.get('workqueue_longest_running_processor_seconds{name="characters",controller="characters"}'),
    ).toBe(5);
    a();
    a(); // idempotent
    s = parseExposition(await m.registry.metrics());
    expect(
      s.get('workqueue_longest_running_processor_seconds{name="characters",controller="characters"}'),
    ).toBe(3);
    b();
    s = parseExposition(await m.registry.metrics());
    expect(s.get('workqueue_unfinished_work_seconds{name="characters",controller="characters"}')).toBe(0);
    expect(
      s.get('workqueue_longest_running_processor_seconds{name="characters",controller="characters"}'),
    ).toBe(0);
  });

  it('managed CRs and releases_total are computed at scrape time by a collect hook, which can be removed', async () => {
    const m = createOperatorMetrics({ collectDefault: false });
    let crs = 3;
    const unhookCrs = addCollectHook(m.managedCrs, () => {
      m.managedCrs.reset();
      m.managedCrs.set({ controller: 'characters', ready: 'true' }, crs);
      return Promise.resolve();
    });
    const unhookTotal = addCollectHook(m.releasesTotal, () => {
      m.releasesTotal.set(crs);
      return Promise.resolve();
    });
    let s = parseExposition(await m.registry.metrics());
    expect(s.get('lostromos_managed_crs{controller="characters",ready="true"}')).toBe(3);
    expect(s.get('releases_total')).toBe(3);
    crs = 1;
    s = parseExposition(await m.registry.metrics());
    expect(s.get('lostromos_managed_crs{controller="characters",ready="true"}')).toBe(1);
    expect(s.get('releases_total')).toBe(1);
    unhookCrs();
    unhookTotal();
    crs = 9;
    s = parseExposition(await m.registry.metrics());
    expect(s.get('releases_total')).toBe(1);
  });

  it('samples the event-loop delay every 500 ms, not every 10 ms (an idle process is not woken 100 times a second)', async () => {
    const monitor = vi.spyOn(perfHooks, 'monitorEventLoopDelay');
    try {
      const m = createOperatorMetrics();
      expect(EVENT_LOOP_MONITORING_PRECISION_MS).toBe(500);
      expect(monitor).toHaveBeenCalledTimes(1);
      expect(monitor).toHaveBeenCalledWith({ resolution: EVENT_LOOP_MONITORING_PRECISION_MS });
      // The lag series are still there, fed by that histogram.
      const series = parseExposition(await m.registry.metrics());
      expect(series.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
      expect(series.has('nodejs_eventloop_lag_seconds')).toBe(true);
    } finally {
      monitor.mockRestore();
    }
  });
});
