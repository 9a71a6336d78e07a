import { describe, expect, it } from 'vitest';
import {
  pauseRollout,
  resumeRollout,
  stepRollout,
  undoRollout,
  waveSizeFor,
  type CrObservation,
  type ReconcileOutcome,
  type RolloutInput,
  type RolloutSettings,
  type RolloutState,
} from './rollout-plan.js';

const A = `aaaaaaaaaaaa${'1'.repeat(52)}`;
const B = `bbbbbbbbbbbb${'2'.repeat(52)}`;
const C = `cccccccccccc${'3'.repeat(52)}`;
const short = (r: string) => r.slice(0, 12);
const settings: RolloutSettings = {
  batchSize: '25%',
  pauseSeconds: 10,
  maxFailures: 1,
  readiness: true,
  readinessTimeoutSeconds: 60,
};

/** A fake fleet: CR keys with the revision their status says, and the outcomes the workers recorded. */
class Fleet {
  revisions = new Map<string, string | undefined>();
  outcomes = new Map<string, ReconcileOutcome>();
  promoted = new Set<string>();
  constructor(n: number, rev: string) {
    for (let i = 0; i < n; i++) this.revisions.set(`g/p/ns/cr-${String(i).padStart(2, '0')}`, short(rev));
  }
  crs(): CrObservation[] {
    return [...this.revisions].map(([key, revision]) => ({
      key,
      ...(revision ? { revision } : {}),
      readyMessage: 'Deployment x: 0/1 available',
    }));
  }
  /** Workers reconcile `keys` with `rev`, ending in `state`. */
  reconcile(keys: readonly string[], rev: string, state: ReconcileOutcome['state'], at = 0): void {
    for (const k of keys) {
      this.revisions.set(k, short(rev));
      this.outcomes.set(k, { revision: rev, state, at });
    }
  }
}

function run(
  fleet: Fleet,
  prev: RolloutState | undefined,
  now: number,
  newest: string,
  over: Partial<RolloutSettings> = {},
) {
  const input: RolloutInput = {
    now,
    settings: { ...settings, ...over },
    newest,
    crs: fleet.crs(),
    promoted: fleet.promoted,
    outcomes: fleet.outcomes,
  };
  const step = stepRollout('ships', prev, input)!;
  if (step.resetPromoted) fleet.promoted.clear();
  for (const k of step.promote) fleet.promoted.add(k);
  return step;
}

describe('waveSizeFor', () => {
  it('takes a number of CRs, or a percentage of them rounded up, never less than one', () => {
    expect(waveSizeFor(25, 200)).toBe(25);
    expect(waveSizeFor('25%', 200)).toBe(50);
    expect(waveSizeFor('10%', 5)).toBe(1);
    expect(waveSizeFor('33%', 10)).toBe(4);
    expect(waveSizeFor(' 100% ', 7)).toBe(7);
    expect(() => waveSizeFor('half', 10)).toThrow('expected a number of CRs or a percentage like "25%"');
  });
});

describe('stepRollout (the staged rollout state machine)', () => {
  it('starts idle on the revision the workers run, and does nothing before a worker reports one', () => {
    const fleet = new Fleet(8, A);
    expect(
      stepRollout('ships', undefined, {
        now: 0,
        settings,
        newest: undefined,
        crs: [],
        promoted: new Set(),
        outcomes: new Map(),
      }),
    ).toBeUndefined();
    const s = run(fleet, undefined, 0, A).state;
    expect(s).toMatchObject({ phase: 'idle', stable: A, target: A, observed: A, crs: 8 });
    expect(s.byRevision).toEqual({ [short(A)]: 8 });
    expect(run(fleet, s, 1000, A).changed).toBe(false);
    fleet.revisions.set('g/p/ns/new', undefined);
    const counted = run(fleet, s, 2000, A);
    expect(counted.changed).toBe(true); // a new CR: the counts change
    expect(counted.state.byRevision).toEqual({ [short(A)]: 8, none: 1 });
  });

  it('moves CRs in waves, each after the previous wave is Ready with the new revision and pauseSeconds passed', () => {
    const fleet = new Fleet(8, A);
    let s = run(fleet, undefined, 0, A).state;
    let step = run(fleet, s, 1000, B);
    s = step.state;
    expect(s).toMatchObject({ phase: 'progressing', stable: A, target: B, wave: 1, waveSize: 2, waves: 4 });
    expect(step.promote).toEqual(['g/p/ns/cr-00', 'g/p/ns/cr-01']);
    expect(step.resetPromoted).toBe(true);
    // In progress: nothing moves.
    fleet.reconcile(step.promote, B, 'in-progress');
    step = run(fleet, s, 5000, B);
    expect(step.promote).toEqual([]);
    // Ready: the pause starts; the next wave only pauseSeconds later.
    fleet.reconcile(['g/p/ns/cr-00', 'g/p/ns/cr-01'], B, 'ready');
    s = run(fleet, step.state, 6000, B).state;
    expect(s.waveDoneAt).toBe(6000);
    step = run(fleet, s, 15_999, B);
    expect(step.promote).toEqual([]);
    step = run(fleet, step.state, 16_000, B);
    expect(step.promote).toEqual(['g/p/ns/cr-02', 'g/p/ns/cr-03']);
    expect(step.state.wave).toBe(2);
    for (const wave of [3, 4]) {
      fleet.reconcile(step.promote, B, 'ready');
      s = run(fleet, step.state, wave * 100_000, B).state;
      step = run(fleet, s, wave * 100_000 + 10_000, B);
      expect(step.state.wave).toBe(wave);
    }
    fleet.reconcile(step.promote, B, 'ready');
    s = run(fleet, step.state, 600_000, B).state;
    step = run(fleet, s, 610_000, B);
    expect(step.state).toMatchObject({ phase: 'idle', stable: B, target: B, previous: A });
    expect(step.resetPromoted).toBe(true);
    expect(step.state.history.at(-1)?.message).toBe(`rollout to ${short(B)} complete`);
  });

  it('a CR of a wave that fails, or is not Ready in time, is a failure; more than maxFailures pause the rollout with the reason', () => {
    const fleet = new Fleet(8, A);
    let s = run(fleet, undefined, 0, A).state;
    let step = run(fleet, s, 0, B);
    fleet.reconcile(step.promote, B, 'ready');
    s = run(fleet, step.state, 1000, B).state;
    step = run(fleet, s, 11_000, B); // wave 2: cr-02, cr-03
    const [x, y] = step.promote;
    fleet.outcomes.set(x!, { revision: B, state: 'failed', reason: 'RenderFailed', message: 'boom', at: 0 });
    fleet.reconcile([y!], B, 'in-progress');
    step = run(fleet, step.state, 20_000, B);
    expect(step.newFailures).toEqual([
      { cr: x, wave: 2, reason: 'RenderFailed', message: 'boom', at: 20_000 },
    ]);
    expect(step.state.phase).toBe('progressing'); // 1 failure: within maxFailures 1
    step = run(fleet, step.state, 11_000 + 60_000, B);
    expect(step.newFailures).toEqual([
      {
        cr: y,
        wave: 2,
        reason: 'NotReady',
        message: `not Ready with revision ${short(B)} 60 s after wave 2 started: Deployment x: 0/1 available`,
        at: 71_000,
      },
    ]);
    expect(step.paused).toBe(true);
    expect(step.state).toMatchObject({
      phase: 'paused',
      pausedBy: 'controller',
      pausedReason: `2 CRs failed (maxFailures 1) in wave 2 of the rollout to ${short(B)}: ${x} (RenderFailed), ${y} (NotReady)`,
    });
    // Paused: nothing moves however long it waits.
    expect(run(fleet, step.state, 999_000, B).promote).toEqual([]);
  });

  it('resume accepts the failures so far and goes on; undo moves the CRs back in waves, the failed ones first', () => {
    const fleet = new Fleet(8, A);
    let s = run(fleet, undefined, 0, A).state;
    let step = run(fleet, s, 0, B);
    const wave1 = step.promote;
    fleet.reconcile(wave1, B, 'failed');
    step = run(fleet, step.state, 1000, B, { maxFailures: 0 });
    expect(step.state.phase).toBe('paused');
    const resumed = resumeRollout(step.state, 2000, 'tester');
    expect('state' in resumed && resumed.state).toMatchObject({ phase: 'progressing', acknowledged: 2 });
    const undone = undoRollout(step.state, 3000, 'tester');
    if ('error' in undone) throw new Error(undone.error);
    expect(undone.message).toBe(`undoing: CRs of ships move back from ${short(B)} to ${short(A)} in waves`);
    expect(undone.resetPromoted).toBe(true);
    s = undone.state;
    expect(s).toMatchObject({ phase: 'progressing', stable: B, target: A, undo: true, observed: B });
    fleet.promoted.clear();
    step = run(fleet, s, 4000, B);
    // The CRs still on A are on the target already: only the two on B move, the failed ones first.
    expect(step.promote).toEqual(wave1);
    fleet.reconcile(wave1, A, 'ready');
    s = run(fleet, step.state, 5000, B).state;
    step = run(fleet, s, 15_000, B);
    expect(step.state).toMatchObject({ phase: 'idle', stable: A, previous: B, observed: B });
    // The workers still run B: that is no reason to roll it out again.
    expect(run(fleet, step.state, 100_000, B).state.phase).toBe('idle');
  });

  it('undo after a finished rollout goes back to the revision before; with none there is nothing to undo', () => {
    const fleet = new Fleet(2, A);
    const idle = run(fleet, undefined, 0, A).state;
    expect(undoRollout(idle, 1, 'me')).toEqual({
      error: `nothing to undo: resource ships is on revision ${short(A)} and no earlier revision was rolled out`,
    });
    const done: RolloutState = { ...idle, stable: B, target: B, previous: A, observed: B };
    const u = undoRollout(done, 2, 'me');
    expect('state' in u && u.state).toMatchObject({ phase: 'progressing', stable: B, target: A, undo: true });
  });

  it('pause and resume say what is wrong when there is nothing to pause or resume', () => {
    const fleet = new Fleet(2, A);
    const idle = run(fleet, undefined, 0, A).state;
    expect(pauseRollout(idle, 1, 'me')).toEqual({
      error: `no rollout of resource ships is in progress: every CR is on revision ${short(A)}`,
    });
    const moving = run(fleet, idle, 2, B).state;
    const p = pauseRollout(moving, 3, 'me');
    expect('state' in p && p.state).toMatchObject({
      phase: 'paused',
      pausedBy: 'user',
      pausedReason: 'paused by me',
    });
    expect(resumeRollout(moving, 4, 'me')).toEqual({
      error: 'the rollout of resource ships is not paused (wave 1 is in progress)',
    });
  });

  it('a newer revision supersedes an unfinished rollout: from the stable revision, in waves again', () => {
    const fleet = new Fleet(8, A);
    let s = run(fleet, undefined, 0, A).state;
    const step = run(fleet, s, 0, B);
    fleet.reconcile(step.promote, B, 'ready');
    s = run(fleet, step.state, 1000, C).state;
    expect(s).toMatchObject({ phase: 'progressing', stable: A, target: C, wave: 1, observed: C });
    expect(s.waveMembers).toHaveLength(2);
  });

  it('new CRs and CRs already on the target are never in a wave; CRs that disappear do not hold a wave up', () => {
    const fleet = new Fleet(4, A);
    let s = run(fleet, undefined, 0, A).state;
    let step = run(fleet, s, 0, B, { batchSize: 2 });
    expect(step.promote).toEqual(['g/p/ns/cr-00', 'g/p/ns/cr-01']);
    fleet.revisions.set('g/p/ns/new', short(B)); // created during the rollout: rendered with B at once
    fleet.revisions.delete('g/p/ns/cr-00');
    fleet.reconcile(['g/p/ns/cr-01'], B, 'ready');
    s = run(fleet, step.state, 1000, B, { batchSize: 2 }).state;
    step = run(fleet, s, 11_000, B, { batchSize: 2 });
    expect(step.promote).toEqual(['g/p/ns/cr-02', 'g/p/ns/cr-03']);
  });

  it('with readiness off, a wave is done once its CRs were applied with the target', () => {
    const fleet = new Fleet(2, A);
    const over = { batchSize: 1, readiness: false, pauseSeconds: 0 };
    const s = run(fleet, undefined, 0, A).state;
    const step = run(fleet, s, 0, B, over);
    expect(step.promote).toEqual(['g/p/ns/cr-00']);
    fleet.reconcile(step.promote, B, 'in-progress');
    expect(run(fleet, step.state, 1, B, over).promote).toEqual(['g/p/ns/cr-01']);
  });
});
