import { PassThrough } from 'node:stream';
import {
  createLogger,
  createOperatorMetrics,
  HealthRegistry,
  startHealthServer,
  trackRedis,
  type HealthServer,
} from '@lostromos/observability';
import { parseMetricsText } from '../support/metrics-text.js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, waitFor, type TestRedis } from '../support/index.js';

describe('readiness follows Redis (real redis-server killed and restarted)', () => {
  let redis: TestRedis;
  let client: Redis;
  let server: HealthServer;
  let untrack: () => void;
  const health = new HealthRegistry();
  const metrics = createOperatorMetrics({ collectDefault: false });
  const logs = new PassThrough();
  let logText = '';
  logs.on('data', (d: Buffer) => (logText += d.toString()));

  beforeAll(async () => {
    redis = await startRedis();
    // the password is ignored by a server without requirepass, but must never reach a log line
    const url = redis.url.replace('redis://', 'redis://:do-not-log-me@');
    client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    const logger = createLogger({ level: 'info', format: 'json', destination: logs });
    untrack = trackRedis({ client, health, metrics, logger, pingIntervalMs: 200, pingTimeoutMs: 500 });
    health.watchEventLoop();
    server = await startHealthServer({
      address: '127.0.0.1:0',
      registry: metrics.registry,
      health,
      logger,
      status: () => ({ role: 'test' }),
    });
  });

  afterAll(async () => {
    untrack?.();
    client?.disconnect();
    await server?.close();
    await redis?.stop();
  });

  const readyz = async (): Promise<number> => (await fetch(`${server.url}/readyz`)).status;
  const redisUp = async (): Promise<number | undefined> =>
    parseMetricsText(await (await fetch(`${server.url}/metrics`)).text()).get('lostromos_redis_up');

  it('is ready while Redis answers, not ready after it is killed (healthz stays up), ready again after restart', async () => {
    await waitFor(async () => (await readyz()) === 200, { what: 'ready with redis up' });
    expect(await redisUp()).toBe(1);

    await redis.kill();
    await waitFor(async () => (await readyz()) === 503, {
      timeoutMs: 5000,
      what: 'not ready after redis was killed',
    });
    const body = (await (await fetch(`${server.url}/readyz`)).json()) as {
      checks: Record<string, { detail?: string }>;
    };
    expect(body.checks.redis?.detail).toBeTruthy();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await redisUp()).toBe(0);
    expect((await (await fetch(`${server.url}/status`)).json()) as object).toMatchObject({
      success: true,
      ready: false,
    });

    await redis.start();
    await waitFor(async () => (await readyz()) === 200, {
      timeoutMs: 10_000,
      what: 'ready after redis came back',
    });
    expect(await redisUp()).toBe(1);
    expect(logText).toContain('redis unreachable');
    expect(logText).toContain('redis reachable again');
    expect(logText).not.toContain('do-not-log-me');
  });
});
