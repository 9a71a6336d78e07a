import { initialRollout, type RolloutState } from '@lostromos/queue';
import { describe, expect, it } from 'vitest';
import { collectOverview, escapeHtml, renderOverviewHtml } from './overview.js';
import { collectRollouts, renderRolloutsHtml } from './rollout-overview.js';

const A = `aaaaaaaaaaaa${'1'.repeat(52)}`;
const B = `bbbbbbbbbbbb${'2'.repeat(52)}`;

const paused: RolloutState = {
  ...initialRollout('ships', A, Date.UTC(2030, 0, 1)),
  phase: 'paused',
  target: B,
  wave: 2,
  waves: 4,
  crs: 200,
  byRevision: { aaaaaaaaaaaa: 100, bbbbbbbbbbbb: 100 },
  pausedBy: 'controller',
  pausedReason: '3 CRs failed (maxFailures 2) in wave 2 of the rollout to bbbbbbbbbbbb: <x>',
  failures: [
    {
      cr: 'fleet.example.io/ships/default/ship-060',
      wave: 2,
      reason: 'NotReady',
      message: 'not Ready',
      at: 0,
    },
  ],
};

describe('the overview shows each staged rollout', () => {
  it('collects the state of every resource with a rollout configured; a read failure is said on its row', async () => {
    const rollouts = await collectRollouts(['ships', 'boats', 'rafts'], (r) =>
      r === 'ships'
        ? Promise.resolve(paused)
        : r === 'boats'
          ? Promise.resolve(undefined)
          : Promise.reject(new Error('ECONNREFUSED')),
    );
    expect(rollouts[0]).toMatchObject({
      resource: 'ships',
      phase: 'paused',
      stable: 'aaaaaaaaaaaa',
      target: 'bbbbbbbbbbbb',
      wave: 2,
      waves: 4,
      crs: 200,
      failures: 1,
      failed: [{ cr: 'default/ship-060', wave: 2, reason: 'NotReady', message: 'not Ready' }],
      pausedBy: 'controller',
    });
    expect(rollouts[1]).toMatchObject({ resource: 'boats', phase: 'not started' });
    expect(rollouts[2]?.error).toBe('cannot read the rollout from Redis: ECONNREFUSED');
  });

  it('renders revision, wave, CRs per revision, failures and why it paused, escaped', async () => {
    const html = renderRolloutsHtml(
      await collectRollouts(['ships'], () => Promise.resolve(paused)),
      escapeHtml,
    );
    expect(html).toContain('<tr data-rollout="ships" class="phase-paused">');
    expect(html).toContain(
      'paused by itself</span>: 3 CRs failed (maxFailures 2) in wave 2 of the rollout to bbbbbbbbbbbb: &#60;x&#62;',
    );
    expect(html).toContain('<code>aaaaaaaaaaaa → <strong>bbbbbbbbbbbb</strong></code>');
    expect(html).toContain('<td class="n">2 of 4</td>');
    expect(html).toContain('100 on <code>aaaaaaaaaaaa</code><br>100 on <code>bbbbbbbbbbbb</code>');
    expect(html).toContain('<li><strong>default/ship-060</strong> (wave 2) NotReady: not Ready</li>');
  });

  it('is part of the overview page and its JSON, and absent when no resource has a rollout', async () => {
    const base = { queues: [], readPresence: () => Promise.resolve([]), readOnly: true };
    const o = await collectOverview({
      ...base,
      rollouts: { resources: ['ships'], read: () => Promise.resolve(paused) },
    });
    expect(o.rollouts.map((r) => r.resource)).toEqual(['ships']);
    expect(renderOverviewHtml(o, { board: '/queues/', json: '/overview.json' })).toContain(
      '<h2 id="rollouts-title">Template rollouts</h2>',
    );
    const none = await collectOverview(base);
    expect(none.rollouts).toEqual([]);
    expect(renderOverviewHtml(none, { board: '/queues/', json: '/overview.json' })).not.toContain(
      'rollouts-title',
    );
  });
});
