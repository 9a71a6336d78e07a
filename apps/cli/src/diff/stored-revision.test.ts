import { describe, expect, it } from 'vitest';
import { findStoredRevision, revisionFlagProblem } from './stored-revision.js';

const rev = (head: string): string => head.padEnd(64, '0');
const A = rev('aaaaaaaaaaaa1');
const B = rev('bbbbbbbbbbbb2');
const B2 = rev('bbbbbbbbbbbc3');
const at = (i: number): number => Date.UTC(2025, 0, 1, 12, 0, i);
const CTX = { resource: 'ships', where: 'redis://127.0.0.1:6379/', prefix: 'lostromos' };

describe('revisionFlagProblem (is a --revision value a revision prefix at all)', () => {
  it('accepts 6 or more hex digits in any case; names the rule and where to find revisions otherwise', () => {
    expect(revisionFlagProblem('aaaaaa', 'ships')).toBeUndefined();
    expect(revisionFlagProblem('AAAAAAAAAAAA', 'ships')).toBeUndefined();
    expect(revisionFlagProblem('latest', 'ships')).toBe(
      '--revision "latest" is not a template revision: give at least 6 hex digits of one (the 12 that a CR\'s status.templateRevision shows, or one that `lostromos rollout status --resource ships` lists)',
    );
    expect(revisionFlagProblem('abc', 'ships')).toContain('at least 6 hex digits');
  });
});

describe('findStoredRevision (a --revision prefix in the stored history, newest first)', () => {
  const history = [
    { revision: B2, storedAt: at(3) },
    { revision: B, storedAt: at(2) },
    { revision: A, storedAt: at(1) },
  ];

  it('names the one revision the prefix starts (the rules of the pin annotation)', () => {
    expect(findStoredRevision('aaaaaa', history, CTX)).toEqual({ revision: A });
    expect(findStoredRevision('BBBBBBBBBBBB2', history, CTX)).toEqual({ revision: B });
  });

  it('an ambiguous prefix lists the candidates, with enough digits to tell them apart, and asks for more', () => {
    expect(findStoredRevision('bbbbbb', history, CTX)).toEqual({
      error: [
        '--revision bbbbbb matches 2 stored template revisions of resource ships:',
        '  bbbbbbbbbbbc  stored 2025-01-01T12:00:03Z',
        '  bbbbbbbbbbbb  stored 2025-01-01T12:00:02Z',
        'give more digits',
      ].join('\n'),
    });
    const close = [
      { revision: rev('cccccccccccccc1'), storedAt: at(2) },
      { revision: rev('cccccccccccccc2'), storedAt: at(1) },
    ];
    const e = findStoredRevision('cccccc', close, CTX);
    expect('error' in e && e.error).toContain('  cccccccccccccc1  stored');
  });

  it('an unknown prefix lists the newest stored revisions (five at most) and where they were looked up', () => {
    const long = Array.from({ length: 7 }, (_, i) => ({
      revision: rev(`${i}`.repeat(12)),
      storedAt: at(9 - i),
    }));
    const r = findStoredRevision('deadbeef', long, CTX);
    expect('error' in r).toBe(true);
    const lines = (r as { error: string }).error.split('\n');
    expect(lines[0]).toBe(
      '--revision deadbeef names no stored template revision of resource ships (Redis at redis://127.0.0.1:6379/, prefix "lostromos"); the newest stored:',
    );
    expect(lines.slice(1, 6)).toEqual(
      [0, 1, 2, 3, 4].map((i) => `  ${`${i}`.repeat(12)}  stored 2025-01-01T12:00:0${9 - i}Z`),
    );
    expect(lines[6]).toBe('  … 2 older (`lostromos rollout status --resource ships` lists them all)');
    expect(lines[7]).toMatch(/^give one of them \(6 or more of its digits\)/);
  });

  it('with nothing stored, says so and what to check (the operator, redis.url and redis.prefix)', () => {
    expect(findStoredRevision('deadbeef', [], CTX)).toEqual({
      error:
        '--revision deadbeef: no template revision of resource ships is stored (Redis at redis://127.0.0.1:6379/, prefix "lostromos"): a worker stores every revision it loads; is the operator running with the same redis.url and redis.prefix as this config?',
    });
  });
});
