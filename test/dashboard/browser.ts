import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it when missing). */
export const CHROMIUM = '/usr/bin/chromium';
// Headless, and nothing in the browser itself talks to the network (updates, sync, field trials): every request
// the test records comes from the page. playwright-core gives every launch a fresh temporary profile.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Screenshots are test artifacts (test-results/ is gitignored); their paths are logged. */
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/dashboard');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export async function screenshot(
  page: Page,
  name: string,
  opts: { fullPage?: boolean } = {},
): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, name);
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? false });
  process.stdout.write(`dashboard screenshot: ${file}\n`);
  return file;
}

/**
 * Records every request the context's pages make (including those a CSP blocks: Chromium reports them as
 * failed requests) and every console error, so a test can assert that nothing leaves the dashboard's origin.
 */
export function recordRequests(context: BrowserContext): {
  urls: string[];
  failed: string[];
  consoleErrors: string[];
  pageErrors: string[];
  /** Requests whose origin is not `origin` (data: and blob: URLs never leave the browser and are ignored). */
  foreign(origin: string): string[];
} {
  const urls: string[] = [];
  const failed: string[] = [];
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  context.on('request', (r) => urls.push(r.url()));
  context.on('requestfailed', (r) => {
    const error = r.failure()?.errorText ?? '?';
    // The browser cancels its own favicon fetch when the page navigates first (a busy machine): not a failure.
    if (
      error === 'net::ERR_ABORTED' &&
      new URL(r.url()).pathname.endsWith('.png') &&
      r.url().includes('favicon')
    ) {
      return;
    }
    failed.push(`${r.url()}: ${error}`);
  });
  context.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  context.on('weberror', (e) => pageErrors.push(e.error().message));
  return {
    urls,
    failed,
    consoleErrors,
    pageErrors,
    foreign: (origin) =>
      urls.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin),
  };
}
