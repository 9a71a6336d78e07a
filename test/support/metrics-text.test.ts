import { describe, expect, it } from 'vitest';
import { parseMetricsText, sumSeries } from './metrics-text.js';

describe('parseMetricsText / sumSeries', () => {
  const text = [
    '# HELP controller_runtime_reconcile_total x',
    '# TYPE controller_runtime_reconcile_total counter',
    'controller_runtime_reconcile_total{controller="a",result="success"} 3',
    'controller_runtime_reconcile_total{controller="a",result="error"} 1',
    'controller_runtime_reconcile_total{controller="b",result="success"} 5',
    'releases_total 2',
    '',
  ].join('\n');
  it('maps each series to its value', () => {
    const s = parseMetricsText(text);
    expect(s.get('controller_runtime_reconcile_total{controller="a",result="error"}')).toBe(1);
    expect(s.get('releases_total')).toBe(2);
    expect(s.size).toBe(4);
  });
  it('sums the series of a metric that carry the given labels', () => {
    const s = parseMetricsText(text);
    expect(sumSeries(s, 'controller_runtime_reconcile_total', { controller: 'a' })).toBe(4);
    expect(sumSeries(s, 'controller_runtime_reconcile_total', { result: 'success' })).toBe(8);
    expect(sumSeries(s, 'controller_runtime_reconcile_total')).toBe(9);
    expect(sumSeries(s, 'nope')).toBe(0);
  });
});
