// Must come first: lets express load correctly under vitest's worker conditions (see the file).
import './require-conditions.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
import { createLogger, createOperatorMetrics, HealthRegistry, startPresence } from '@lostromos/observability';
import { parseMetricsText } from '../support/metrics-text.js';
import { CrWorker, readCrFailures } from '@lostromos/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, waitFor, type TestRedis } from '../support/index.js';
import { launchBrowser, recordRequests, screenshot } from './browser.js';

const PREFIX = 'dashtest';
const PASSWORD = 's3cret-dash-pass';
const BROKEN_MESSAGE =
  'templates/characters/configmap.yaml:6: spec.By is required: set spec.By on the Character (helper "required")';
const FLAKY_MESSAGE = 'the API server answered 503 ServiceUnavailable: etcdserver: leader changed';

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
    // Three failing CRs, processed by the real queue worker (CrWorker, which records failures for the dashboard):
    // "broken" fails permanently, so its job *completes* (Bull Board's Failed tab does not show it); "flaky"
    // throws a retryable error on its only attempt, so its job lands in the failed set; "stormy" throws one on
    // the first of 3 attempts and waits (delayed) for its retry.
    const workerRedis = new Redis(redis.url, { maxRetriesPerRequest: null });
    const worker = new CrWorker({
      queueName: 'characters',
      prefix: PREFIX,
      connection: workerRedis,
      concurrency: 1,
      lockDurationMs: 30_000,
      name: 'worker-a',
      process: (key) =>
        key.endsWith('/broken')
          ? Promise.resolve({
              outcome: 'failed-permanent',
              error: {
                code: 'LZ_RENDER_FAILED',
                reason: 'RenderFailed',
                message: BROKEN_MESSAGE,
                retryable: false,
              },
            })
          : Promise.reject(
              Object.assign(new Error(FLAKY_MESSAGE), {
                code: 'LZ_KUBE_TRANSIENT',
                reason: 'ServiceUnavailable',
                retryable: true,
              }),
            ),
    });
    worker.start();
    await characters.add('event', { key: 'stable.example.io/characters/default/broken' });
    await characters.add('resync', { key: 'stable.example.io/characters/default/flaky' });
    await characters.add(
      'event',
      { key: 'stable.example.io/characters/default/stormy' },
      { attempts: 3, backoff: { type: 'fixed', delay: 3_600_000 } },
    );
    await waitFor(
      async () => {
        const c = await characters.getJobCounts('failed', 'completed', 'delayed');
        return c.failed === 1 && c.completed === 1 && c.delayed === 1;
      },
      { what: 'one completed (permanently failed), one failed and one delayed (retrying) job' },
    );
    await worker.close(5000);
    workerRedis.disconnect();
    for (const name of ['ahab', 'ishmael', 'queequeg']) {
      await characters.add('resync', { key: `stable.example.io/characters/default/${name}` });
    }
    await characters.add(
      'requeue',
      { key: 'stable.example.io/characters/default/starbuck' },
      { delay: 3_600_000 },
    );
    await gadgets.add('event', { key: 'toys.example.org/gadgets/default/g1' });
    await gadgets.add('event', { key: 'toys.example.org/gadgets/default/g2' });
  });

  afterAll(async () => {
    await Promise.all(dashboards.map((d) => d.stop()));
    await Promise.all((queues ?? []).map((q) => q.close()));
    await redis?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('lands a logged-in browser on the failing CRs, names jobs by CR, and loads nothing from elsewhere', async () => {
    const url = await start({
      config: config({ basePath: '/', readOnly: true, auth: { username: 'admin', passwordFile } }),
    });
    const origin = new URL(url).origin;
    // The overview shows the leader and CR counts a watcher publishes through presence.
    const presenceRedis = new Redis(redis.url);
    const presence = startPresence({
      redis: presenceRedis,
      prefix: PREFIX,
      role: 'watcher',
      id: 'watcher-1',
      describe: () => ({ leader: true, resources: { characters: { crs: 7, ready: 4, notReady: 3 } } }),
    });
    let browser: Browser | undefined;
    try {
      await presence.beat();
      // The records the worker wrote, as the dashboard reads them.
      const { failures } = await readCrFailures(presenceRedis, PREFIX, 'characters');
      expect(failures.map((f) => [f.key.split('/').pop(), f.state, f.reason, f.trigger])).toEqual(
        expect.arrayContaining([
          ['broken', 'failed', 'RenderFailed', 'event'],
          ['flaky', 'gave-up', 'ServiceUnavailable', 'resync'],
          ['stormy', 'retrying', 'ServiceUnavailable', 'event'],
        ]),
      );

      browser = await launchBrowser();
      const context = await browser.newContext({
        httpCredentials: { username: 'admin', password: PASSWORD },
        viewport: { width: 1280, height: 800 },
      });
      const traffic = recordRequests(context);
      const page = await context.newPage();

      // The first page: the failing CRs, with their reason, above the fold.
      const res = await page.goto(url);
      expect(res?.status()).toBe(200);
      expect(await page.title()).toBe('(3 failing) Lostrómos overview');
      expect(await page.locator('#failing-count').innerText()).toBe('3');
      const broken = page.locator('tr[data-cr="characters/default/broken"]');
      await expect.poll(() => broken.isVisible()).toBe(true);
      const brokenText = await broken.innerText();
      expect(brokenText).toContain('default/broken');
      expect(brokenText).toContain('RenderFailed');
      expect(brokenText).toContain('spec.By is required');
      expect(brokenText).toMatch(/\d+ s ago/);
      expect(brokenText).toMatch(/\bfailed\b/);
      const box = await broken.boundingBox();
      expect(box && box.y + box.height).toBeLessThanOrEqual(800); // visible without scrolling
      const flaky = await page.locator('tr[data-cr="characters/default/flaky"]').innerText();
      expect(flaky).toContain('ServiceUnavailable');
      expect(flaky).toContain('gave up after 1 attempt');
      expect(await page.locator('tr[data-cr="characters/default/stormy"]').innerText()).toContain(
        'retrying (attempt 1 of 3)',
      );
      expect(await page.locator('#mode').innerText()).toBe('read-only');
      // Below: every resource with its CR and job counts (no unlabelled column), and the processes.
      const row = page.locator('tr[data-queue="characters"]');
      expect(await row.innerText()).toMatch(
        /^characters\s+7 \(4 ready, 3 not ready\)\s+3\s+3\s+0\s+0\s+2\s+1\s+1\s+0\s+0$/,
      );
      expect(await page.locator('#queues thead th').allInnerTexts()).not.toContain('');
      expect(await page.locator('#leader').innerText()).toContain('watcher-1');
      await screenshot(page, 'overview.png');

      // Bull Board, one click away: one card per queue with its job total.
      await page.getByRole('link', { name: 'Queues (Bull Board)' }).click();
      await page.getByText('7 Jobs').waitFor();
      const home = await page.innerText('body');
      expect(home).toContain('Lostrómos queues');
      expect(home).toMatch(/characters[\s\S]*7 Jobs|7 Jobs[\s\S]*characters/);
      expect(home).toMatch(/gadgets[\s\S]*2 Jobs|2 Jobs[\s\S]*gadgets/);
      await page.getByText('read-only', { exact: true }).first().waitFor(); // the mode label in the header
      await screenshot(page, 'queues.png');

      // A queue's page: counts per state, and job cards named by CR (then trigger), not by trigger.
      await page.goto(`${url}queues/queue/characters`);
      await page.getByText('Lostrómos resource "characters"').waitFor();
      await waitFor(
        async () =>
          /WAITING\s+3[\s\S]*COMPLETED\s+1[\s\S]*FAILED\s+1[\s\S]*DELAYED\s+2/i.test(
            await page.innerText('body'),
          ),
        { what: 'characters state counts' },
      );
      await page.getByText('default/ahab (resync)').waitFor();
      await page.getByText('default/starbuck (requeue)').waitFor();
      await screenshot(page, 'queue-characters.png');
      // The permanent failure completed its job; its card says it failed, and why.
      await page.goto(`${url}queues/queue/characters?status=completed`);
      await page.getByText('default/broken (event) — failed: RenderFailed').waitFor();
      await screenshot(page, 'queue-characters-completed.png');
      // Read-only: the failed job's error, without retry/clean buttons.
      await page.goto(`${url}queues/queue/characters?status=failed`);
      await page.getByText('default/flaky (resync)').waitFor();
      await page.getByText(FLAKY_MESSAGE).first().waitFor();
      expect(await page.getByRole('button', { name: /retry/i }).count()).toBe(0);
      expect(await page.getByRole('button', { name: /clean/i }).count()).toBe(0);
      await page.goto(`${url}queues/queue/gadgets`);
      await waitFor(async () => /WAITING\s+2/i.test(await page.innerText('body')), {
        what: 'gadgets counts',
      });

      // Nothing was requested from anywhere but the dashboard: no fonts, no CDN; nothing failed or was blocked.
      expect(traffic.urls.length).toBeGreaterThan(10);
      expect(traffic.foreign(origin)).toEqual([]);
      expect(traffic.failed).toEqual([]);
      expect(traffic.consoleErrors).toEqual([]);
      expect(traffic.pageErrors).toEqual([]);
    } finally {
      await browser?.close();
      await presence.stop();
      presenceRedis.disconnect();
    }
  });

  it('serves the overview as JSON and redirects the addresses of earlier versions', async () => {
    const url = await start({
      config: config({ basePath: '/', readOnly: true, auth: { username: 'admin', passwordFile } }),
    });
    const json = (await (await fetch(`${url}overview.json`, { headers: auth() })).json()) as {
      failingTotal: number;
      failing: Array<{ resource: string; cr: string; reason: string; state: string; message: string }>;
    };
    expect(json.failingTotal).toBe(3);
    expect(json.failing).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          resource: 'characters',
          cr: 'default/broken',
          reason: 'RenderFailed',
          state: 'failed',
          message: BROKEN_MESSAGE,
        }),
      ]),
    );
    for (const [from, to] of [
      ['overview', '/'],
      ['queue/characters', '/queues/queue/characters'],
      ['queue/characters/1?x=1', '/queues/queue/characters/1?x=1'],
    ] as const) {
      const res = await fetch(`${url}${from}`, { headers: auth(), redirect: 'manual' });
      expect(res.status, from).toBe(302);
      expect(res.headers.get('location'), from).toBe(to);
    }
    // Bull Board's page no longer links Google Fonts (or anything else off-site).
    const board = await (await fetch(`${url}queues/`, { headers: auth() })).text();
    expect(board).toContain('<base href="/queues/"');
    expect(board).not.toMatch(/fonts\.googleapis|<link[^>]+href="https?:/);
  });

  it('answers 401 without or with wrong credentials, HTML with the right ones, and never logs the password', async () => {
    const url = await start({
      config: config({ basePath: '/', readOnly: true, auth: { username: 'admin', passwordFile } }),
    });
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(anonymous.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect((await fetch(`${url}queues/api/queues`)).status).toBe(401);
    expect((await fetch(`${url}overview.json`)).status).toBe(401);
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
      ['PUT', 'queues/api/queues/characters/retry/failed'],
      ['DELETE', 'queues/api/queues/characters/clean/failed'],
      ['PUT', 'queues/api/queues/characters/promote'],
      ['PUT', 'queues/api/queues/characters/empty'],
      ['POST', 'queues/api/queues/characters/add'],
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
      browser = await launchBrowser();
      const context = await browser.newContext({
        httpCredentials: { username: 'admin', password: PASSWORD },
        viewport: { width: 1280, height: 800 },
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
      }, `http://127.0.0.1:${port}/queues/api/queues/gadgets/add`);
      // This Chromium does not attach the cached basic-auth credentials to the cross-site request, so it stops at
      // 401; the same-origin guard that stops browsers which do is proven over HTTP in the next test.
      await new Promise((r) => setTimeout(r, 300));
      expect(await gadgets.getJobCountByTypes('waiting', 'prioritized', 'delayed')).toBe(jobsBefore);

      // A writable dashboard says so, on the landing page and in Bull Board's header.
      await page.goto(url);
      expect(await page.locator('#mode').innerText()).toBe('read-write');
      expect(await page.locator('#read-write').innerText()).toMatch(
        /read-write: anyone who can log in can retry, clean, promote, pause, empty and add jobs/,
      );
      await screenshot(page, 'overview-read-write.png');
      await page.goto(`${url}queues/`);
      await page.getByText('READ-WRITE', { exact: true }).first().waitFor();
      await page
        .getByText(/\d+ Jobs/)
        .first()
        .waitFor();
      await screenshot(page, 'queues-read-write.png');
      expect(logs.text()).toContain('dashboard.readOnly is false');

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
      config: config({
        basePath: '/ops/lostromos',
        readOnly: false,
        auth: { username: 'admin', passwordFile },
      }),
    });
    expect(url).toMatch(/\/ops\/lostromos\/$/);
    const origin = new URL(url).origin;
    const retry = `${url}queues/api/queues/characters/retry/failed`;
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
    // The overview, Bull Board and its static assets are served under the base path too.
    const overview = await (await fetch(url, { headers: auth() })).text();
    expect(overview).toContain('href="/ops/lostromos/queues/"');
    const html = await (await fetch(`${url}queues/`, { headers: auth() })).text();
    expect(html).toContain('<base href="/ops/lostromos/queues/"');
    const asset = /src="(static\/js\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    expect((await fetch(`${url}queues/${asset}`, { headers: auth() })).status).toBe(200);
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
