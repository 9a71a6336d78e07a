import { createOperatorMetrics } from '@lostromos/observability';
import { parseMetricsText } from '../../../test/support/metrics-text.js';
import { RenderFailedError, type KubeObject } from '@lostromos/reconcile';
import { RenderError } from '@lostromos/render';
import { describe, expect, it } from 'vitest';
import { measuredRenderer, renderErrorReason } from './render-metrics.js';

const cr: KubeObject = { apiVersion: 'g/v1', kind: 'K', metadata: { name: 'a', namespace: 'ns' } };

describe('render metrics', () => {
  it('name the renderer error code, also behind the reconcile wrapper', () => {
    const inner = new RenderError('LZ_RENDER_YAML', 'bad yaml');
    expect(renderErrorReason(inner)).toBe('LZ_RENDER_YAML');
    expect(renderErrorReason(new RenderFailedError('templates failed to load', { cause: inner }))).toBe(
      'LZ_RENDER_YAML',
    );
    expect(renderErrorReason(new RenderFailedError('no code inside', { cause: new Error('x') }))).toBe(
      'LZ_RENDER_FAILED',
    );
    expect(renderErrorReason(new Error('plain'))).toBe('unknown');
    expect(renderErrorReason('not an error')).toBe('unknown');
  });

  it('time every render and count failures by reason, passing results and errors through', async () => {
    const m = createOperatorMetrics({ collectDefault: false });
    let t = 0;
    const broken: { error?: Error } = {};
    const renderer = measuredRenderer(
      {
        revision: 'rev-1',
        render: () => {
          t += 250;
          return broken.error ? Promise.reject(broken.error) : Promise.resolve([cr]);
        },
      },
      'ships',
      m,
      () => t,
    );
    expect(renderer.revision).toBe('rev-1');
    expect(await renderer.render(cr)).toEqual([cr]);
    const fail = new RenderError('LZ_RENDER_VALUE_NOT_SCALAR', 'a mapping was inserted');
    broken.error = fail;
    await expect(renderer.render(cr)).rejects.toBe(fail);
    await expect(renderer.render(cr)).rejects.toBe(fail);
    const s = parseMetricsText(await m.registry.metrics());
    expect(s.get('lostromos_render_duration_seconds_count{controller="ships"}')).toBe(3);
    expect(s.get('lostromos_render_duration_seconds_sum{controller="ships"}')).toBe(0.75);
    expect(
      s.get('lostromos_render_errors_total{controller="ships",reason="LZ_RENDER_VALUE_NOT_SCALAR"}'),
    ).toBe(2);
  });
});
