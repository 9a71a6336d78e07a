import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createOperatorMetrics, registerQueueMetrics } from '@lostromos/observability';
import { describe, expect, it } from 'vitest';

const DASHBOARD = path.resolve(import.meta.dirname, '../../deploy/grafana/lostromos-dashboard.json');

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ refId: string; expr: string }>;
}

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/** Metric names a PromQL expression selects: identifiers followed by a `{…}` selector or a bare `[range]`. */
export function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const names = new Set<string>();
  for (const m of withoutStrings.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{|\[)/g)) names.add(m[1]!);
  for (const m of withoutStrings.matchAll(/label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/g)) names.add(m[1]!);
  return [...names];
}

/** name → type of every metric a Lostrómos process can expose (operator + queue metrics). */
function knownMetrics(): Map<string, string> {
  const m = createOperatorMetrics({ collectDefault: false });
  registerQueueMetrics(m.registry, { queues: [] });
  return new Map(m.registry.getMetricsAsArray().map((x) => [x.name, String(x.type)]));
}

function resolve(name: string, known: Map<string, string>): string | undefined {
  if (known.has(name)) return name;
  for (const suffix of HISTOGRAM_SUFFIXES) {
    const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
    if (base && known.get(base) === 'histogram') return base;
  }
  return undefined;
}

describe('Grafana dashboard deploy/grafana/lostromos-dashboard.json', () => {
  it('extracts metric names from PromQL', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (controller, le) (rate(a_bucket{x="y{z}"}[5m]))) + sum(rate(b[1m])) / time()',
      ),
    ).toEqual(['a_bucket', 'b']);
  });

  it('rejects unknown names and histogram suffixes on non-histograms', () => {
    const known = knownMetrics();
    expect(resolve('controller_runtime_reconcile_time_seconds_bucket', known)).toBe(
      'controller_runtime_reconcile_time_seconds',
    );
    expect(resolve('controller_runtime_reconcile_total_bucket', known)).toBeUndefined();
    expect(resolve('controller_runtime_reconcile_totals', known)).toBeUndefined();
  });

  it('references only metrics that Lostrómos exposes, with histogram suffixes on histograms only', async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as {
      panels: Panel[];
      templating: { list: Array<{ name: string; definition?: string }> };
    };
    const known = knownMetrics();
    const exprs = [
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr }))),
      ...dashboard.templating.list.flatMap((v) =>
        v.definition ? [{ where: `$${v.name}`, expr: v.definition }] : [],
      ),
    ];
    expect(exprs.length).toBeGreaterThan(20);
    const used = new Set<string>();
    for (const { where, expr } of exprs) {
      const names = metricNamesIn(expr);
      expect(names.length, `${where}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) {
        const base = resolve(name, known);
        expect(base, `${where}: unknown metric ${name}`).toBeDefined();
        used.add(base!);
      }
    }
    // the required views are present
    for (const must of [
      'controller_runtime_reconcile_total',
      'controller_runtime_reconcile_errors_total',
      'controller_runtime_reconcile_time_seconds',
      'workqueue_depth',
      'lostromos_queue_oldest_job_age_seconds',
      'workqueue_queue_duration_seconds',
      'leader_election_master_status',
      'lostromos_info',
      'controller_runtime_active_workers',
    ]) {
      expect(used, must).toContain(must);
    }
  });

  it('is a well-formed dashboard: unique panel ids, panels within the 24-column grid, variables defined', async () => {
    const raw = await readFile(DASHBOARD, 'utf8');
    const dashboard = JSON.parse(raw) as {
      uid: string;
      panels: Panel[];
      templating: { list: Array<{ name: string }> };
    };
    expect(dashboard.uid).toBe('lostromos-operator');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type !== 'row') expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
    const vars = new Set(dashboard.templating.list.map((v) => v.name));
    for (const m of raw.matchAll(/\$\{?([a-zA-Z_]+)/g)) {
      if (m[1]!.startsWith('__')) continue; // Grafana built-ins such as $__rate_interval
      expect(vars, `undefined variable $${m[1]}`).toContain(m[1]);
    }
  });
});
