import { describe, expect, it } from 'vitest';
import { findCondition, setCondition } from './conditions.js';

const t1 = new Date('2026-01-01T00:00:00Z');
const t2 = new Date('2026-01-01T00:05:00Z');

describe('setCondition', () => {
  it('adds a missing condition with the current time as lastTransitionTime', () => {
    const list = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'InProgress', message: 'm' },
      t1,
    );
    expect(list).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'InProgress',
        message: 'm',
        lastTransitionTime: t1.toISOString(),
      },
    ]);
  });

  it('keeps lastTransitionTime when only reason or message change', () => {
    const first = setCondition(
      [],
      { type: 'Ready', status: 'False', reason: 'InProgress', message: 'a' },
      t1,
    );
    const second = setCondition(
      first,
      { type: 'Ready', status: 'False', reason: 'ChildFailed', message: 'b' },
      t2,
    );
    expect(findCondition(second, 'Ready')).toMatchObject({
      reason: 'ChildFailed',
      message: 'b',
      lastTransitionTime: t1.toISOString(),
    });
  });

  it('moves lastTransitionTime when the status flips', () => {
    const first = setCondition(
      [],
      { type: 'Ready', status: 'False', reason: 'InProgress', message: 'a' },
      t1,
    );
    const second = setCondition(first, { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok' }, t2);
    expect(findCondition(second, 'Ready')?.lastTransitionTime).toBe(t2.toISOString());
  });

  it('leaves other conditions in place and does not mutate its input', () => {
    const first = setCondition(
      [],
      { type: 'Reconciled', status: 'True', reason: 'Applied', message: '' },
      t1,
    );
    const both = setCondition(first, { type: 'Ready', status: 'True', reason: 'Ready', message: '' }, t1);
    const updated = setCondition(
      both,
      { type: 'Reconciled', status: 'False', reason: 'RenderFailed', message: 'x' },
      t2,
    );
    expect(updated.map((c) => c.type)).toEqual(['Reconciled', 'Ready']);
    expect(both[0]?.status).toBe('True');
  });
});
