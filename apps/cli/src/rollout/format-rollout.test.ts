import { initialRollout, type RolloutState } from '@lostromos/queue';
import { describe, expect, it } from 'vitest';
import { crName, formatRolloutStatus } from './format-rollout.js';

const A = `aaaaaaaaaaaa${'1'.repeat(52)}`;
const B = `bbbbbbbbbbbb${'2'.repeat(52)}`;
const settings = {
  batchSize: '25%',
  pauseSeconds: 10,
  maxFailures: 1,
  readiness: true,
  readinessTimeoutSeconds: 60,
};
const revisions = [
  { revision: B, storedAt: Date.UTC(2030, 0, 2) },
  { revision: A, storedAt: Date.UTC(2030, 0, 1) },
];

describe('lostromos rollout status (text)', () => {
  it('names CRs as namespace/name', () => {
    expect(crName('fleet.example.io/ships/default/one')).toBe('default/one');
    expect(crName('example.io/clusters//big')).toBe('big');
  });

  it('a paused rollout: why, both revisions, the wave, CRs per revision, each failure, the history', () => {
    const s: RolloutState = {
      ...initialRollout('ships', A, Date.UTC(2030, 0, 1)),
      phase: 'paused',
      stable: A,
      target: B,
      wave: 2,
      waves: 4,
      waveSize: 50,
      waveMembers: Array.from({ length: 50 }, (_, i) => `k${i}`),
      pausedBy: 'controller',
      pausedReason: '2 CRs failed (maxFailures 1) in wave 2 of the rollout to bbbbbbbbbbbb: …',
      crs: 200,
      byRevision: { aaaaaaaaaaaa: 100, bbbbbbbbbbbb: 100 },
      failures: [
        {
          cr: 'fleet.example.io/ships/default/one',
          wave: 2,
          reason: 'NotReady',
          message: 'not Ready',
          at: 0,
        },
      ],
    };
    const text = formatRolloutStatus({ resource: 'ships', settings, state: s, revisions });
    expect(text).toContain(
      'Resource:  ships (batchSize 25%, pauseSeconds 10, maxFailures 1, readiness on, readinessTimeoutSeconds 60)',
    );
    expect(text).toContain('State:     paused by itself: 2 CRs failed (maxFailures 1) in wave 2');
    expect(text).toContain('Stable:    aaaaaaaaaaaa\nTarget:    bbbbbbbbbbbb\n');
    expect(text).toContain('Wave:      2 of 4 (50 CRs per wave, 50 in this one)');
    expect(text).toContain('CRs:       200: 100 on aaaaaaaaaaaa, 100 on bbbbbbbbbbbb');
    expect(text).toContain('Failures:  1\n  default/one  wave 2  NotReady: not Ready');
    expect(text).toContain('Revisions: bbbbbbbbbbbb (target) stored 2030-01-02T00:00:00Z');
    expect(text).toContain('aaaaaaaaaaaa (stable) stored 2030-01-01T00:00:00Z');
    expect(text).toContain('History:\n  2030-01-01T00:00:00Z  revision aaaaaaaaaaaa is the stable revision');
  });

  it('without a rollout configured it says so and lists the stored revisions', () => {
    const text = formatRolloutStatus({
      resource: 'gadgets',
      settings: undefined,
      state: undefined,
      revisions,
    });
    expect(text).toBe(
      'Resource gadgets: no staged rollout configured; every CR follows the newest templates at once\n' +
        '           (add resources[name=gadgets].rollout to the config to roll changes out in waves)\n' +
        'Revisions: bbbbbbbbbbbb stored 2030-01-02T00:00:00Z\n           aaaaaaaaaaaa stored 2030-01-01T00:00:00Z\n',
    );
  });

  it('idle after a rollout: the revision undo would go back to', () => {
    const s = { ...initialRollout('ships', B, 0), previous: A };
    const text = formatRolloutStatus({ resource: 'ships', settings, state: s, revisions });
    expect(text).toContain('State:     idle: every CR renders the stable revision');
    expect(text).toContain('Previous:  aaaaaaaaaaaa (`lostromos rollout undo` goes back to it)');
  });
});
