import { describe, expect, it } from 'vitest';
import {
  chooseRevision,
  isRevisionPrefix,
  matchRevisionPrefix,
  resolvePin,
  type RevisionChoiceInput,
} from './revision-choice.js';

const A = 'aaaaaaaaaaaa1111111111111111111111111111111111111111111111111111';
const B = 'bbbbbbbbbbbb2222222222222222222222222222222222222222222222222222';
const B2 = 'bbbbbbbbbbbc3333333333333333333333333333333333333333333333333333';
const LOCAL = 'cccccccccccc4444444444444444444444444444444444444444444444444444';

const base: RevisionChoiceInput = { resource: 'ships', stored: [B, A], local: LOCAL };
const rollout = (over: Partial<{ active: boolean; promoted: boolean }> = {}) => ({
  stable: A,
  target: B,
  active: true,
  promoted: false,
  ...over,
});

describe('chooseRevision (which template revision one CR renders with)', () => {
  it('without a pin or a staged rollout, renders what this worker loaded (as before revisions were stored)', () => {
    expect(chooseRevision(base)).toEqual({ revision: LOCAL, reason: 'local' });
    expect(chooseRevision({ ...base, current: 'aaaaaaaaaaaa' })).toEqual({
      revision: LOCAL,
      reason: 'local',
    });
  });

  it('a pin wins over everything, by a prefix of the revision', () => {
    expect(chooseRevision({ ...base, pin: 'aaaaaaaaaaaa', rollout: rollout({ promoted: true }) })).toEqual({
      revision: A,
      reason: 'pinned',
    });
    expect(chooseRevision({ ...base, pin: ` ${A.toUpperCase()} ` })).toEqual({
      revision: A,
      reason: 'pinned',
    });
  });

  it('a pin naming no stored revision is an error that lists what is stored, never a fallback', () => {
    const c = chooseRevision({ ...base, pin: 'deadbeef0000' });
    expect(c).toEqual({
      reason: 'pinned',
      error:
        'annotation lostromos.io/template-revision="deadbeef0000" names no stored template revision of resource ships (stored revisions, newest first: bbbbbbbbbbbb, aaaaaaaaaaaa): set it to one of them (`lostromos rollout status --resource ships` lists them) or remove it',
    });
  });

  it('a pin that is no hex prefix, too short, or ambiguous says so', () => {
    expect(resolvePin('latest', [A], 'ships')).toMatchObject({
      error: expect.stringContaining('is not a template revision (at least 6 hex digits') as string,
    });
    expect(resolvePin('aaaa', [A], 'ships')).toMatchObject({
      error: expect.stringContaining('is not a template revision') as string,
    });
    expect(resolvePin('bbbbbbbbbbb', [B, B2], 'ships')).toEqual({
      error:
        'annotation lostromos.io/template-revision="bbbbbbbbbbb" matches 2 stored revisions of resource ships (bbbbbbbbbbbb, bbbbbbbbbbbc): give more digits',
    });
    expect(resolvePin('abcdef', [], 'ships')).toMatchObject({
      error: expect.stringContaining('no revision is stored yet') as string,
    });
  });

  it('during a rollout: promoted CRs, CRs already on the target and never rendered CRs get the target', () => {
    expect(
      chooseRevision({ ...base, rollout: rollout({ promoted: true }), current: 'aaaaaaaaaaaa' }),
    ).toEqual({
      revision: B,
      reason: 'promoted',
    });
    expect(chooseRevision({ ...base, rollout: rollout(), current: 'bbbbbbbbbbbb' })).toEqual({
      revision: B,
      reason: 'on-target',
    });
    expect(chooseRevision({ ...base, rollout: rollout() })).toEqual({ revision: B, reason: 'new' });
  });

  it('during a rollout: the other CRs stay on the stable revision, whatever this worker loaded', () => {
    expect(chooseRevision({ ...base, rollout: rollout(), current: 'aaaaaaaaaaaa' })).toEqual({
      revision: A,
      reason: 'stable',
    });
    expect(chooseRevision({ ...base, rollout: rollout(), current: 'cccccccccccc' })).toEqual({
      revision: A,
      reason: 'stable',
    });
  });

  it('with a rollout state but none in progress, every CR renders the stable revision', () => {
    const idle = { stable: B, target: B, active: false, promoted: false };
    expect(chooseRevision({ ...base, rollout: idle, current: 'aaaaaaaaaaaa' })).toEqual({
      revision: B,
      reason: 'stable',
    });
    expect(chooseRevision({ ...base, rollout: idle })).toEqual({ revision: B, reason: 'stable' });
  });
});

describe('matchRevisionPrefix (the prefix rules of pins and `lostromos diff --revision`)', () => {
  it('names the one stored revision a prefix of 6 or more hex digits starts, whatever its case and spaces', () => {
    expect(matchRevisionPrefix('aaaaaa', [B, A])).toEqual({ revision: A });
    expect(matchRevisionPrefix(` ${B.slice(0, 12).toUpperCase()}\n`, [B, B2, A])).toEqual({ revision: B });
    expect(matchRevisionPrefix(A, [B, A])).toEqual({ revision: A });
  });

  it('a value that is no hex, or shorter than 6 digits, is malformed before anything is looked up', () => {
    for (const bad of ['', 'aaaaa', 'latest', 'aaaaaa-1', '0x1234567']) {
      expect(isRevisionPrefix(bad)).toBe(false);
      expect(matchRevisionPrefix(bad, [A])).toEqual({
        problem: 'malformed',
        prefix: bad.trim().toLowerCase(),
      });
    }
    expect(isRevisionPrefix(' ABCDEF ')).toBe(true);
  });

  it('a prefix of several stored revisions is ambiguous and lists them newest first; of none, unknown', () => {
    expect(matchRevisionPrefix('bbbbbbbbbbb', [B2, A, B])).toEqual({
      problem: 'ambiguous',
      prefix: 'bbbbbbbbbbb',
      candidates: [B2, B],
    });
    expect(matchRevisionPrefix('deadbeef', [B, A])).toEqual({ problem: 'unknown', prefix: 'deadbeef' });
    expect(matchRevisionPrefix('deadbeef', [])).toEqual({ problem: 'unknown', prefix: 'deadbeef' });
  });
});
