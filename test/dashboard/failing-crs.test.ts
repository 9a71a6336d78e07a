import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  condition,
  FIXTURES,
  ship,
  startHarness,
  type Harness,
  type RoleHandle,
} from '../controller/harness.js';
import { freePort, waitFor } from '../support/index.js';
import { launchBrowser, recordRequests, screenshot } from './browser.js';

// The whole operator (`lostromos start --role all`: watcher, worker and dashboard, built CLI) on the real
// control plane (or the simulator with TEST_SUBSTRATE=sim), a real redis-server, and headless Chromium
// logging in to the dashboard: a CR whose render fails is on the first page, with the reason and message its
// Ready condition carries, although its job completed (Bull Board's Failed tab would say "No failed jobs");
// job cards name CRs; nothing is requested from another origin; the CR leaves the list once it is fixed.

const PASSWORD = 'e2e-dashboard-pass';
const VIEWPORT = { width: 1280, height: 800 };
// The ships template with the captain required: a Ship without one fails to render (RenderFailed).
const SHIP_TEMPLATE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: '{{name}}-config'
data:
  captain: '{{required "spec.captain is required: name the captain of the ship" spec.captain}}'
  crew: '{{spec.crew}}'
`;

let h: Harness;
let operator: RoleHandle;
let dashboardUrl: string;

const auth = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` };

beforeAll(async () => {
  const dashboardPort = await freePort();
  h = await startHarness({
    prefix: 'dash-e2e',
    configExtra: `dashboard:
  address: 127.0.0.1:${dashboardPort}
  auth: { username: admin, passwordFile: PASSWORD_FILE }
`,
  });
  // The password file lives in the harness's directory (removed by h.close()).
  const passwordFile = path.join(h.dir, 'dashboard-password');
  fs.writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  fs.writeFileSync(
    h.configFile,
    fs.readFileSync(h.configFile, 'utf8').replace('PASSWORD_FILE', passwordFile),
  );
  fs.writeFileSync(path.join(h.templates, 'ships', 'configmap.yaml'), SHIP_TEMPLATE);
  fs.rmSync(path.join(h.templates, 'ships', 'logbook.yaml'));
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  await h.apply(ship('enterprise', { captain: 'Kirk', crew: 430 }));
  await h.apply(ship('dutchman', { crew: 0 }));
  operator = await h.start('all');
  dashboardUrl = `http://127.0.0.1:${dashboardPort}/`;
  await waitFor(async () => (await fetch(dashboardUrl, { headers: auth }).catch(() => undefined))?.ok, {
    timeoutMs: 20_000,
    what: 'the dashboard to answer',
  });
});

afterAll(async () => {
  await h?.close();
});

describe('dashboard of a running operator (real control plane, redis-server, headless Chromium)', () => {
  it('shows the CR whose render failed on its first page, with its reason, and drops it once fixed', async () => {
    const ready = await waitFor(
      async () => {
        const c = condition(await h.get('fleet.example.io/v1', 'ships', 'default', 'dutchman'), 'Ready');
        return c?.status === 'False' && c.reason === 'RenderFailed' ? c : undefined;
      },
      { timeoutMs: 30_000, what: 'Ready=False/RenderFailed on ship dutchman' },
    );
    expect(ready.message).toContain('spec.captain is required: name the captain of the ship');
    await waitFor(
      async () =>
        condition(await h.get('fleet.example.io/v1', 'ships', 'default', 'enterprise'), 'Ready')?.status ===
        'True',
      { timeoutMs: 30_000, what: 'ship enterprise Ready' },
    );

    // The process's /status reads its Redis connection (it used to say "unused" for the dashboard).
    const status = (await (await fetch(`http://127.0.0.1:${operator.port}/status`)).json()) as {
      redis?: string;
      dashboard?: boolean;
    };
    expect(status).toMatchObject({ redis: 'ready', dashboard: true });

    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const context = await browser.newContext({
        httpCredentials: { username: 'admin', password: PASSWORD },
        viewport: VIEWPORT,
      });
      const traffic = recordRequests(context);
      const page = await context.newPage();

      // The first page a user sees at the printed dashboard URL.
      expect((await page.goto(dashboardUrl))?.status()).toBe(200);
      // The leader's CR counts arrive with its next presence heartbeat (every 5 s).
      await waitFor(
        async () => {
          const row = await page.locator('tr[data-queue="ships"]').innerText();
          if (row.includes('2 (1 ready, 1 not ready)')) return true;
          await page.reload();
          return false;
        },
        { timeoutMs: 20_000, intervalMs: 500, what: "the leader's count of ships on the overview" },
      );
      const failing = page.locator('tr[data-cr="ships/default/dutchman"]');
      expect(await failing.isVisible()).toBe(true);
      const box = await failing.boundingBox();
      expect(box && box.y + box.height).toBeLessThanOrEqual(VIEWPORT.height); // no scrolling needed
      const cells = await failing.locator('th, td').allInnerTexts();
      expect(cells.slice(0, 4)).toEqual(['ships', 'default/dutchman', 'RenderFailed', ready.message]);
      expect(cells[6]).toBe('failed');
      expect(await page.locator('#failing-count').innerText()).toBe('1');
      expect(await page.locator('tr[data-cr="ships/default/enterprise"]').count()).toBe(0);
      expect(await page.locator('#leader').innerText()).not.toMatch(/no watcher/);
      expect(await page.locator('tr[data-queue="ships"]').innerText()).toMatch(
        /^ships\s+2 \(1 ready, 1 not ready\)\s+1\s/,
      );
      await screenshot(page, 'operator-overview-failing.png');

      // Bull Board, from the row's job link: the CR's job completed (a permanent failure is not retried), and
      // its card says why; the queue's job cards name CRs.
      await failing.getByRole('link', { name: /^job \d+$/ }).click();
      await page.waitForURL(/\/queues\/queue\/ships\/\d+$/);
      await page
        .getByText(/^default\/dutchman \(\w+\) — failed: RenderFailed$/)
        .first()
        .waitFor();
      await page.getByText('failed-permanent').first().waitFor();
      await screenshot(page, 'operator-job-dutchman.png');
      await page.goto(`${dashboardUrl}queues/queue/ships`);
      const card = page.getByText(/^default\/dutchman \(\w+\) — failed: RenderFailed$/).first();
      await card.waitFor();
      await page
        .getByText(/^default\/enterprise \(\w+\)$/)
        .first()
        .waitFor();
      await card.scrollIntoViewIfNeeded();
      await screenshot(page, 'operator-queue-ships.png');

      // Fixed: the next reconcile succeeds and the CR leaves the list.
      await h.kubectl(
        'patch',
        'ships.fleet.example.io',
        'dutchman',
        '--type',
        'merge',
        '-p',
        '{"spec":{"captain":"Vanderdecken"}}',
      );
      await waitFor(
        async () =>
          condition(await h.get('fleet.example.io/v1', 'ships', 'default', 'dutchman'), 'Ready')?.status ===
          'True',
        { timeoutMs: 30_000, what: 'ship dutchman Ready after the fix' },
      );
      await page.goto(dashboardUrl);
      await waitFor(
        async () => {
          if (await page.locator('#no-failing').isVisible()) return true;
          await page.reload();
          return false;
        },
        { timeoutMs: 20_000, intervalMs: 500, what: 'the overview to list no failing CR' },
      );
      expect(await page.locator('#failing-count').innerText()).toBe('0');
      await waitFor(
        async () => {
          if ((await page.locator('tr[data-queue="ships"]').innerText()).includes('2 (2 ready, 0 not ready)'))
            return true;
          await page.reload();
          return false;
        },
        { timeoutMs: 20_000, intervalMs: 500, what: "the leader's count to follow" },
      );
      await screenshot(page, 'operator-overview-recovered.png');

      // Every request of the session went to the dashboard itself; none failed or was blocked.
      const origin = new URL(dashboardUrl).origin;
      expect(traffic.foreign(origin)).toEqual([]);
      expect(traffic.failed).toEqual([]);
      expect(traffic.consoleErrors, JSON.stringify(traffic.consoleErrors)).toEqual([]);
      expect(traffic.pageErrors).toEqual([]);
    } finally {
      await browser?.close();
    }
  });
});
