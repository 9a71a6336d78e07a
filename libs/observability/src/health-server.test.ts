import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthRegistry } from './health-registry.js';
import { startHealthServer, type HealthServer } from './health-server.js';
import { createLogger } from './logger.js';
import { parseMetricsText } from '../../../test/support/metrics-text.js';
import { createOperatorMetrics } from './operator-metrics.js';

const servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(extra: Partial<Parameters<typeof startHealthServer>[0]> = {}) {
  const metrics = createOperatorMetrics({ collectDefault: false });
  const health = new HealthRegistry();
  const logs = new PassThrough();
  let logText = '';
  logs.on('data', (d: Buffer) => (logText += d.toString()));
  const server = await startHealthServer({
    address: '127.0.0.1:0',
    registry: metrics.registry,
    health,
    logger: createLogger({ level: 'info', format: 'json', destination: logs }),
    ...extra,
  });
  servers.push(server);
  return { server, metrics, health, logs: () => logText };
}

describe('startHealthServer', () => {
  it('serves metrics in the Prometheus text format at the metrics path', async () => {
    const { server, metrics } = await start({ metricsPath: '/custom-metrics' });
    metrics.observeReconcile('characters', 'success', 0.1);
    const res = await fetch(`${server.url}/custom-metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    const series = parseMetricsText(await res.text());
    expect(series.get('controller_runtime_reconcile_total{controller="characters",result="success"}')).toBe(
      1,
    );
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  });

  it('/readyz follows the readiness checks with JSON detail; /healthz stays up', async () => {
    const { server, health } = await start();
    let res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    health.setReady('redis', true);
    health.setReady('worker/characters', true);
    res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', checks: { redis: { ok: true } } });
    health.setReady('redis', false, 'connect ECONNREFUSED 127.0.0.1:6390');
    res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 'failing',
      checks: {
        redis: { ok: false, detail: 'connect ECONNREFUSED 127.0.0.1:6390' },
        'worker/characters': { ok: true },
      },
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    health.setLive('lease', false, 'renew deadline passed');
    res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(503);
    expect((await fetch(`${server.url}/livez`)).status).toBe(503);
  });

  it('/status is the original success document plus the status callback, without secrets', async () => {
    const { server, health } = await start({
      statusPath: '/state',
      status: () =>
        Promise.resolve({
          role: 'all',
          leader: true,
          resources: { characters: { crs: 2 } },
          redis: 'redis://:pw@h:1',
        }),
    });
    health.setReady('redis', true);
    const res = await fetch(`${server.url}/state`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      success: true,
      ready: true,
      role: 'all',
      leader: true,
      resources: { characters: { crs: 2 } },
    });
    expect(JSON.stringify(body)).not.toContain(':pw@');
  });

  it('answers 500 with the reason when the status callback fails, and logs it', async () => {
    const { server, logs } = await start({
      status: () => {
        throw new Error('leader state unavailable');
      },
    });
    const res = await fetch(`${server.url}/status`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ success: false, error: 'leader state unavailable' });
    expect(logs()).toContain('operations endpoint failed');
  });

  it('refuses other methods and unknown paths; supports HEAD', async () => {
    const { server } = await start();
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('reports a clear error for a bad or busy address', async () => {
    const { server } = await start();
    const port = new URL(server.url).port;
    const base = {
      registry: createOperatorMetrics({ collectDefault: false }).registry,
      health: new HealthRegistry(),
    };
    const logger = createLogger({ level: 'silent', format: 'json' });
    await expect(startHealthServer({ ...base, logger, address: 'localhost' })).rejects.toThrow(
      /invalid server.address "localhost": expected host:port/,
    );
    await expect(startHealthServer({ ...base, logger, address: `127.0.0.1:${port}` })).rejects.toThrow(
      /cannot listen on 127.0.0.1:\d+ \(server.address\): EADDRINUSE/,
    );
  });

  it('close() is idempotent', async () => {
    const { server } = await start();
    await Promise.all([server.close(), server.close()]);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
