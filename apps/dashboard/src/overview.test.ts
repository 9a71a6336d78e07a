import { describe, expect, it } from 'vitest';
import { collectOverview, renderOverviewHtml, type OverviewQueue } from './overview.js';

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
      readOnly: false,
    });
    expect(o.queues[0]?.error).toMatch(/writeable/);
    expect(o.errors).toEqual(['cannot read process presence from Redis: ECONNREFUSED']);
    expect(o.leader).toBeUndefined();
  });
});

describe('renderOverviewHtml', () => {
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
      readOnly: true,
    });
    const html = renderOverviewHtml(o, { board: '/', json: '/overview.json' });
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
  });
});
