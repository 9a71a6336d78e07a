import type { CrFailure } from '@lostromos/queue';
import { describe, expect, it } from 'vitest';
import { ago, collectOverview, renderOverviewHtml, type OverviewQueue } from './overview.js';

const queue = (name: string, counts: Record<string, number>, workers: string[] = []): OverviewQueue => ({
  name,
  getJobCounts: (...types) => Promise.resolve(Object.fromEntries(types.map((t) => [t, counts[t] ?? 0]))),
  getWorkers: () => Promise.resolve(workers.map((n) => ({ name: n, addr: '127.0.0.1:1' }))),
});

describe('collectOverview', () => {
  it('combines queue counts, workers and the leader presence record', async () => {
    const o = await collectOverview({
      queues: [queue('characters', { waiting: 2, failed: 1 }, ['w1', 'w2', 'w1'])],
      readPresence: () =>
        Promise.resolve([
          {
            id: 'w-a',
            role: 'watcher',
            hostname: 'h',
            pid: 1,
            startedAt: 's',
            updatedAt: 'u',
            leader: false,
          },
          {
            id: 'w-b',
            role: 'watcher',
            hostname: 'h',
            pid: 2,
            startedAt: 's',
            updatedAt: 'u',
            leader: true,
            resources: { characters: { crs: 5, ready: 4, notReady: 1 } },
          },
        ]),
      readOnly: true,
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    expect(o.leader?.id).toBe('w-b');
    expect(o.resources).toEqual({ characters: { crs: 5, ready: 4, notReady: 1 } });
    expect(o.queues[0]).toMatchObject({ name: 'characters', workers: 3, workerNames: ['w1', 'w2'] });
    expect(o.queues[0]?.counts).toMatchObject({ waiting: 2, failed: 1, active: 0 });
  });

  it('degrades per part: a failing queue or presence read becomes an error, not a failed page', async () => {
    const broken: OverviewQueue = {
      name: 'gadgets',
      getJobCounts: () => Promise.reject(new Error("Stream isn't writeable")),
      getWorkers: () => Promise.resolve([]),
    };
    const o = await collectOverview({
      queues: [broken],
      readPresence: () => Promise.reject(new Error('ECONNREFUSED')),
      readFailures: () => Promise.reject(new Error('ECONNREFUSED')),
      readOnly: false,
    });
    expect(o.queues[0]?.error).toMatch(/writeable/);
    expect(o.errors).toEqual([
      'cannot read process presence from Redis: ECONNREFUSED',
      'cannot read the failing CRs of gadgets from Redis: ECONNREFUSED',
    ]);
    expect(o.leader).toBeUndefined();
    expect(o.queues[0]?.failing).toBeUndefined();
    const html = renderOverviewHtml(o, { board: '/queues/', json: '/overview.json' });
    // A queue that cannot be read says so in a labelled row, never in an empty unlabelled column.
    expect(html).toMatch(
      /<td colspan="8" class="bad">cannot read the queue: Stream isn&#39;t writeable<\/td>/,
    );
    expect(html).not.toContain('<th></th>');
  });

  it('lists the failing CRs of every resource, most recent failure first, with their counts', async () => {
    const o = await collectOverview({
      queues: [queue('characters', {}), queue('gadgets', {})],
      readPresence: () => Promise.resolve([]),
      readFailures: (q) =>
        Promise.resolve(
          q === 'characters'
            ? {
                total: 3,
                failures: [
                  failure('stable.example.io/characters/default/old', '2026-01-01T00:00:00Z'),
                  failure('stable.example.io/characters/default/new', '2026-01-01T01:00:00Z'),
                ],
              }
            : { total: 0, failures: [] },
        ),
      readOnly: true,
    });
    expect(o.failing.map((f) => `${f.resource} ${f.cr}`)).toEqual([
      'characters default/new',
      'characters default/old',
    ]);
    expect(o.failingTotal).toBe(3);
    expect(o.queues.map((q) => q.failing)).toEqual([3, 0]);
    const html = renderOverviewHtml(o, { board: '/queues/', json: '/overview.json' });
    expect(html).toContain('<title>(3 failing) Lostrómos overview</title>');
    expect(html).toContain('Showing 2 of 3 failing CRs');
    expect(html).toContain('href="/queues/queue/characters/17"');
  });
});

function failure(key: string, since: string, over: Partial<CrFailure> = {}): CrFailure {
  return {
    key,
    state: 'failed',
    reason: 'RenderFailed',
    code: 'LZ_RENDER_FAILED',
    message: 'configmap.yaml:3: spec.By is required',
    since,
    at: since,
    jobId: '17',
    trigger: 'event',
    attempt: 1,
    maxAttempts: 12,
    ...over,
  };
}

describe('renderOverviewHtml', () => {
  it('puts the failing CRs first, with resource, namespace/name, reason, message, since and state', async () => {
    const o = await collectOverview({
      queues: [queue('characters', { completed: 4 })],
      readPresence: () => Promise.resolve([]),
      readFailures: () =>
        Promise.resolve({
          total: 2,
          failures: [
            failure('stable.example.io/characters/default/broken', '2026-01-01T00:00:00Z', {
              at: '2026-01-01T00:09:00Z',
            }),
            failure('stable.example.io/characters/default/flaky', '2026-01-01T00:05:00Z', {
              state: 'retrying',
              reason: 'ServiceUnavailable',
              attempt: 3,
            }),
          ],
        }),
      readOnly: true,
      now: () => new Date('2026-01-01T00:10:00Z'),
    });
    const html = renderOverviewHtml(o, { board: '/queues/', json: '/overview.json' });
    // The failing table comes before the resource and process tables.
    expect(html.indexOf('id="failing"')).toBeGreaterThan(0);
    expect(html.indexOf('id="failing"')).toBeLessThan(html.indexOf('id="queues"'));
    const broken = /<tr data-cr="characters\/default\/broken"[^]*?<\/tr>/.exec(html)?.[0] ?? '';
    expect(broken).toContain('<th scope="row" class="cr">default/broken</th>');
    expect(broken).toContain('<td class="reason">RenderFailed</td>');
    expect(broken).toContain('spec.By is required');
    expect(broken).toContain('>10 min ago</time>');
    expect(broken).toContain('>60 s ago</time>');
    expect(broken).toContain('>failed</td>');
    expect(html).toContain('retrying (attempt 3 of 12)');
    expect(html).toContain('<span class="badge ro" id="mode">read-only</span>');
    expect(html).not.toContain('id="read-write"');
  });

  it('says so when nothing fails, and warns when the dashboard is read-write', async () => {
    const o = await collectOverview({
      queues: [queue('characters', {})],
      readPresence: () => Promise.resolve([]),
      readFailures: () => Promise.resolve({ total: 0, failures: [] }),
      readOnly: false,
    });
    const html = renderOverviewHtml(o, { board: '/queues/', json: '/overview.json' });
    expect(html).toContain('No CR is failing');
    expect(html).not.toContain('id="failing"');
    expect(html).toContain('<span class="badge rw" id="mode">read-write</span>');
    expect(html).toMatch(/id="read-write">This dashboard is <strong>read-write<\/strong>/);
  });

  it("loads nothing from elsewhere: no scripts, no external URLs; its icon is Bull Board's", async () => {
    const o = await collectOverview({
      queues: [queue('characters', {})],
      readPresence: () => Promise.resolve([]),
      readOnly: true,
    });
    const html = renderOverviewHtml(o, { board: '/queues/', json: '/overview.json' });
    expect(html).not.toMatch(/<script|@import|url\(|https?:\/\/|\/\/[a-z]/i);
    expect(html.match(/<link[^>]*>/g)).toEqual([
      '<link rel="icon" type="image/png" href="/queues/static/favicon-32x32.png">',
    ]);
  });

  it('escapes every value that comes from Redis', async () => {
    const o = await collectOverview({
      queues: [queue('<script>alert(1)</script>', { waiting: 1 })],
      readPresence: () =>
        Promise.resolve([
          {
            id: '"><img src=x onerror=alert(1)>',
            role: 'watcher',
            hostname: '<b>',
            pid: 1,
            startedAt: 's',
            updatedAt: 'u',
            leader: true,
          },
        ]),
      readFailures: () =>
        Promise.resolve({
          total: 1,
          failures: [
            failure('g/p/ns/<b>x</b>', '2026-01-01T00:00:00Z', {
              reason: '<i>r</i>',
              message: '</td><script>alert(2)</script>',
              jobId: '"><x',
            }),
          ],
        }),
      readOnly: true,
    });
    const html = renderOverviewHtml(o, { board: '/', json: '/overview.json' });
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toMatch(/<b>x|<i>r|"><x/);
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('&#60;/td&#62;&#60;script&#62;alert(2)&#60;/script&#62;');
  });
});

describe('ago', () => {
  it('says how long ago, in the largest sensible unit', () => {
    const now = '2026-01-01T12:00:00Z';
    expect(ago('2026-01-01T11:59:30Z', now)).toBe('30 s ago');
    expect(ago('2026-01-01T11:30:00Z', now)).toBe('30 min ago');
    expect(ago('2026-01-01T06:00:00Z', now)).toBe('6 h ago');
    expect(ago('2025-12-25T12:00:00Z', now)).toBe('7 d ago');
    expect(ago('2026-01-01T12:00:05Z', now)).toBe('0 s ago');
    expect(ago('garbage', now)).toBe('');
  });
});
