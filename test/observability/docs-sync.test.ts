import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DASHBOARD_ERROR_CODES } from '@lostromos/dashboard';
import { createOperatorMetrics, registerQueueMetrics } from '@lostromos/observability';
import { RolloutMetrics } from '@lostromos/watcher';
import { describe, expect, it } from 'vitest';

const docs = (name: string) => readFile(path.resolve(import.meta.dirname, '../../docs', name), 'utf8');

describe('docs stay in sync with the code', () => {
  it('docs/observability.md documents every Lostrómos metric with its type', async () => {
    const text = await docs('observability.md');
    const m = createOperatorMetrics({ collectDefault: false });
    registerQueueMetrics(m.registry, { queues: [] });
    new RolloutMetrics(m.registry); // the leading watcher's lostromos_rollout_*
    for (const metric of m.registry.getMetricsAsArray()) {
      const row = text.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${metric.name}\``));
      expect(row, `${metric.name} is not in a table of docs/observability.md`).toBeDefined();
      expect(row, `${metric.name} row should say ${String(metric.type)}`).toContain(
        `| ${String(metric.type)} |`,
      );
    }
  });

  it('docs/dashboard.md lists every dashboard error code', async () => {
    const text = await docs('dashboard.md');
    for (const code of Object.values(DASHBOARD_ERROR_CODES)) expect(text).toContain(`\`${code}\``);
  });
});
