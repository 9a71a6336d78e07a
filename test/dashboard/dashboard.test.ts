// Must come first: lets express load correctly under vitest's worker conditions (see the file).
import './require-conditions.js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import {
  createDashboard,
  DASHBOARD_ERROR_CODES,
  type Dashboard,
  type DashboardDeps,
} from '@lostromos/dashboard';
import {
  createLogger,
  createOperatorMetrics,
  HealthRegistry,
  parseMetricsText,
  startPresence,
} from '@lostromos/observability';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, waitFor, type TestRedis } from '../support/index.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/dashboard');
const PREFIX = 'dashtest';
const PASSWORD = 's3cret-dash-pass';

function logSink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

describe('dashboard (real redis-server, Bull Board, headless Chromium)', () => {
  let redis: TestRedis;
  let tmp: string;
  let passwordFile: string;
  let queues: Queue[];
  const dashboards: Dashboard[] = [];
  const logs = logSink();

  function config(dashboard: NonNullable<DashboardDeps['config']['dashboard']>): DashboardDeps['config'] {
    return {
      redis: { url: redis.url, prefix: PREFIX },
      resources: [{ name: 'characters' }, { name: 'gadgets' }],
      dashboard: { address: '127.0.0.1:0', ...dashboard },
    };
  }
  async function start(
    deps: Omit<DashboardDeps, 'logger'> & { logger?: DashboardDeps['logger'] },
  ): Promise<string> {
    const d = createDashboard({
      logger: createLogger({ level: 'debug', format: 'json', destination: logs.stream }),
      ...deps,
    });
    dashboards.push(d);
    return (await d.start()).url;
  }
  const auth = (user = 'admin', pass = PASSWORD) => ({
    authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`,
  });
  async function counts(name: string): Promise<Record<string, number>> {
    const q = queues.find((x) => x.name === name)!;
    return q.getJobCounts('waiting', 'delayed', 'failed');
  }

  beforeAll(async () => {
    redis = await startRedis();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'lostromos-dashboard-'));
    passwordFile = path.join(tmp, 'password');
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    const connection = { url: redis.url };
    queues = ['characters', 'gadgets'].map((n) => new Queue(n, { connection, prefix: PREFIX }));
    const [characters, gadgets] = queues as [Queue, Queue];
    // One failed job: a worker that throws, then goes away.
    await characters.add('reconcile', { key: 'stable.example.io/characters/default/broken' });
    const worker = new Worker('characters', () => Promise.reject(new Error('render failed: template boom')), {
      connection: { url: redis.url, maxRetriesPerRequest: null },
      prefix: PREFIX,
    });
    await waitFor(async () => (await characters.getJobCounts('failed')).failed === 1, {
      what: 'a failed job',
    });
    await worker.close();
    for (const name of ['ahab', 'ishmael', 'queequeg']) {
      await characters.add('reconcile', { key: `stable.example.io/characters/default/${name}` });
    }
    await characters.add(
      'reconcile',
      { key: 'stable.example.io/characters/default/starbuck' },
      { delay: 3_600_000 },
    );
    await gadgets.add('reconcile', { key: 'toys.example.org/gadgets/default/g1' });
    await gadgets.add('reconcile', { key: 'toys.example.org/gadgets/default/g2' });
  });

  afterAll(async () => {
    await Promise.all(dashboards.map((d) => d.stop()));
    await Promise.all((queues ?? []).map((q) => q.close()));
    await redis?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('shows every queue with its counts to a logged-in browser, and takes a screenshot', async () => {
    const url = await start({
      config: config({ basePath: '/', readOnly: true, auth: { username: 'admin', passwordFile } }),
    });
    // The overview shows the leader and CR counts a watcher publishes through presence.
    const presenceRedis = new Redis(redis.url);
    const presence = startPresence({
      redis: presenceRedis,
      prefix: PREFIX,
      role: 'watcher',
      id: 'watcher-1',
      describe: () => ({ leader: true, resources: { characters: { crs: 4, ready: 3, notReady: 1 } } }),
    });
    let browser: Browser | undefined;
    try {
      await presence.beat();
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      const context = await browser.newContext({
        httpCredentials: { username: 'admin', password: PASSWORD },
        viewport: { width: 1280, height: 800 },
      });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));

      const res = await page.goto(url);
      expect(res?.status()).toBe(200);
      // Home: one card per queue with its job total (waiting + delayed + failed + …).
      await page.getByText('5 Jobs').waitFor();
      const home = await page.innerText('body');
      expect(home).toContain('Lostrómos queues');
      expect(home).toMatch(/characters[\s\S]*5 Jobs|5 Jobs[\s\S]*characters/);
      expect(home).toMatch(/gadgets[\s\S]*2 Jobs|2 Jobs[\s\S]*gadgets/);
      await mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'queues.png'), fullPage: true });

      // Each queue's page: counts per state.
      await page.goto(`${url}queue/characters`);
      await page.getByText('Lostrómos resource "characters"').waitFor();
      await waitFor(
        async () => /WAITING\s+3[\s\S]*FAILED\s+1[\s\S]*DELAYED\s+1/i.test(await page.innerText('body')),
        {
          what: 'characters state counts',
        },
      );
      await page.screenshot({ path: path.join(SCREENSHOTS, 'queue-characters.png'), fullPage: true });
      await page.goto(`${url}queue/gadgets`);
      await waitFor(async () => /WAITING\s+2/i.test(await page.innerText('body')), {
        what: 'gadgets counts',
      });

      // Read-only: the UI offers no retry/clean buttons for failed jobs.
      await page.goto(`${url}queue/characters?status=failed`);
      await page.getByText('render failed: template boom').first().waitFor();
      expect(await page.getByRole('button', { name: /retry/i }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /clean/i }).count()).toBe(0);

      // Operator overview.
      await page.goto(`${url}overview`);
      const row = page.locator('tr[data-queue="characters"]');
      await expect.poll(() => row.innerText()).toMatch(/characters\s+3\s+0\s+0\s+1\s+1/);
      expect(await row.innerText()).toContain('4 (3 ready, 1 not ready)');
      expect(await page.locator('#leader').innerText()).toContain('watcher-1');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'overview.png'), fullPage: true });
      expect(pageErrors).toEqual([]);
    } finally {
      await browser?.close();
      await presence.stop();
      presenceRedis.disconnect();
    }
  });

  it('answers 401 without or with wrong credentials, HTML with the right ones, and never logs the password', async () => {
    const url = await start({
      config: config({ basePath: '/', readOnly: true, auth: { username: 'admin', passwordFile } }),
    });
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(anonymous.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect((await fetch(`${url}api/queues`)).status).toBe(401);
    expect((await fetch(url, { headers: auth('admin', 'wrong') })).status).toBe(401);
    expect((await fetch(url, { headers: auth('root', PASSWORD) })).status).toBe(401);
    const ok = await fetch(url, { headers: auth() });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/<html/i);
    expect(logs.text()).toContain('dashboard login failed');
    expect(logs.text()).not.toContain(PASSWORD);
  });

  it('read-only by default: mutating API calls are refused and change nothing', async () => {
    const url = await start({ config: config({ auth: { username: 'admin', passwordFile } }) });
    const origin = new URL(url).origin;
    const before = await counts('characters');
    for (const [method, route] of [
      ['PUT', 'api/queues/characters/retry/failed'],
      ['DELETE', 'api/queues/characters/clean/failed'],
      ['PUT', 'api/queues/characters/promote'],
      ['PUT', 'api/queues/characters/empty'],
      ['POST', 'api/queues/characters/add'],
    ] as const) {
      const res = await fetch(`${url}${route}`, {
        method,
        headers: { ...auth(), origin, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x', data: {} }),
      });
      expect(res.status, `${method} ${route}`).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'the dashboard is read-only' });
    }
    expect(await counts('characters')).toEqual(before);
  });

  it('in a real browser, a page on another site cannot make the logged-in dashboard act; the dashboard page can', async () => {
    const url = await start({
      config: config({ readOnly: false, auth: { username: 'admin', passwordFile } }),
    });
    const port = new URL(url).port;
    // "localhost" and "127.0.0.1" are different sites, so this page is cross-site to the dashboard.
    const evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><title>evil</title><p>hi</p>');
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    const evilUrl = `http://localhost:${(evil.address() as AddressInfo).port}/`;
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      const context = await browser.newContext({
        httpCredentials: { username: 'admin', password: PASSWORD },
      });
      const page = await context.newPage();
      const gadgets = queues.find((q) => q.name === 'gadgets')!;

      await page.goto(url); // logged in: the browser now holds the dashboard's credentials
      await page.goto(evilUrl);
      const jobsBefore = await gadgets.getJobCountByTypes('waiting', 'prioritized', 'delayed');
      // PUTs would need a CORS preflight (which fails without credentials), so an attacker uses a "simple"
      // request: a no-cors POST with a text/plain body, sent with the user's basic-auth credentials.
      await page.evaluate(async (target) => {
        // Opaque at best; with the dashboard's Cross-Origin-Resource-Policy the browser even fails the fetch.
        await fetch(target, {
          method: 'POST',
          mode: 'no-cors',
          credentials: 'include',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ name: 'evil', data: {} }),
        }).catch(() => undefined);
      }, `http://127.0.0.1:${port}/api/queues/gadgets/add`);
      // This Chromium does not attach the cached basic-auth credentials to the cross-site request, so it stops at
      // 401; the same-origin guard that stops browsers which do is proven over HTTP in the next test.
      await new Promise((r) => setTimeout(r, 300));
      expect(await gadgets.getJobCountByTypes('waiting', 'prioritized', 'delayed')).toBe(jobsBefore);

      await page.goto(url);
      const sameOrigin = await page.evaluate(
        async () => (await fetch('api/queues/gadgets/pause', { method: 'PUT' })).status,
      );
      expect(sameOrigin).toBe(200);
      await waitFor(() => gadgets.isPaused(), { what: 'gadgets paused by the dashboard page' });
      expect(
        await page.evaluate(async () => (await fetch('api/queues/gadgets/resume', { method: 'PUT' })).status),
      ).toBe(200);
      await waitFor(async () => !(await gadgets.isPaused()), { what: 'gadgets resumed' });
    } finally {
      await browser?.close();
      await new Promise((r) => evil.close(r));
    }
  });

  it('refuses cross-site mutating requests, and lets same-origin ones through when writable', async () => {
    const url = await start({
      config: config({ basePath: '/ops/queues', readOnly: false, auth: { username: 'admin', passwordFile } }),
    });
    expect(url).toMatch(/\/ops\/queues\/$/);
    const origin = new URL(url).origin;
    const retry = `${url}api/queues/characters/retry/failed`;
    const crossSite = [
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1:1' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
    ];
    for (const headers of crossSite) {
      const res = await fetch(retry, { method: 'PUT', headers: { ...auth(), ...headers } });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'cross-site request refused' });
    }
    expect((await counts('characters')).failed).toBe(1);
    expect(logs.text()).toContain('cross-site request to the dashboard refused');

    const same = await fetch(retry, {
      method: 'PUT',
      headers: { ...auth(), origin, 'sec-fetch-site': 'same-origin' },
    });
    expect(same.status).toBe(200);
    await waitFor(async () => (await counts('characters')).failed === 0, {
      what: 'the failed job to be retried',
    });
    // static assets are served under the base path too
    const html = await (await fetch(url, { headers: auth() })).text();
    const asset = /src="(static\/js\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    expect((await fetch(`${url}${asset}`, { headers: auth() })).status).toBe(200);
  });

  it('refuses to start without a password, and starts unauthenticated only with auth.mode none (warning)', async () => {
    const noPassword = createDashboard({
      config: config({ auth: { username: 'admin' } }),
      logger: createLogger({ level: 'silent', format: 'json' }),
    });
    await expect(noPassword.start()).rejects.toMatchObject({
      code: DASHBOARD_ERROR_CODES.NO_PASSWORD,
      message: expect.stringMatching(/refuses to start without authentication.*passwordFile.*mode: none/),
    });
    const missingFile = createDashboard({
      config: config({ auth: { passwordFile: path.join(tmp, 'nope') } }),
      logger: createLogger({ level: 'silent', format: 'json' }),
    });
    await expect(missingFile.start()).rejects.toMatchObject({
      code: DASHBOARD_ERROR_CODES.PASSWORD_FILE,
      message: expect.stringMatching(/cannot read dashboard.auth.passwordFile ".*nope": ENOENT/),
    });

    const open = logSink();
    const url = await start({
      config: config({ auth: { mode: 'none' } }),
      logger: createLogger({ level: 'info', format: 'json', destination: open.stream }),
    });
    expect((await fetch(url)).status).toBe(200);
    expect(open.text()).toMatch(/"level":"warn".*WITHOUT authentication/);
  });

  it('reports readiness and exports queue metrics when given health and metrics', async () => {
    const health = new HealthRegistry();
    const metrics = createOperatorMetrics({ collectDefault: false });
    await start({ config: config({ auth: { username: 'admin', passwordFile } }), health, metrics });
    await waitFor(() => health.readiness().ok, { what: 'dashboard readiness' });
    expect(Object.keys(health.readiness().checks).sort()).toEqual(['dashboard', 'dashboard-redis']);
    const series = parseMetricsText(await metrics.registry.metrics());
    expect(series.get('bullmq_job_count{queue="gadgets",state="waiting"}')).toBe(2);
    expect(series.get('workqueue_depth{name="gadgets",controller="gadgets"}')).toBe(2);
  });
});
