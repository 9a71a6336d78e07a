import { describe, expect, it } from 'vitest';
import type { KubeObject } from './model.js';
import {
  computeStatus,
  findCondition,
  readyCondition,
  setCondition,
  statusChanged,
  statusOf,
} from './status.js';

const t1 = new Date('2026-01-01T00:00:00Z');
const t2 = new Date('2026-01-01T00:01:00Z');
const applied = { status: 'True' as const, reason: 'Applied', message: 'applied 1 objects' };
const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'a' };

describe('status computation', () => {
  it('records observedGeneration, both conditions with the generation, inventory and last apply', () => {
    const status = computeStatus({
      previous: {},
      generation: 3,
      now: t1,
      reconciled: applied,
      ready: { status: 'True', reason: 'Ready', message: 'all 1 objects are ready' },
      resources: [ref],
      lastApplied: { renderHash: 'sha256:x', generation: 3 },
    });
    expect(status).toEqual({
      observedGeneration: 3,
      conditions: [
        { type: 'Reconciled', ...applied, observedGeneration: 3, lastTransitionTime: t1.toISOString() },
        {
          type: 'Ready',
          status: 'True',
          reason: 'Ready',
          message: 'all 1 objects are ready',
          observedGeneration: 3,
          lastTransitionTime: t1.toISOString(),
        },
      ],
      resources: [ref],
      lastApplied: { renderHash: 'sha256:x', generation: 3 },
    });
  });

  it('is unchanged when recomputed later from the same facts (no status write on resync)', () => {
    const input = {
      generation: 3,
      reconciled: applied,
      resources: [ref],
      lastApplied: { renderHash: 'h', generation: 3 },
    };
    const first = computeStatus({ ...input, previous: {}, now: t1 });
    const second = computeStatus({ ...input, previous: first, now: t2 });
    expect(statusChanged(first, second)).toBe(false);
  });

  it('keeps observedGeneration, inventory and Ready when told not to observe (paused)', () => {
    const previous = computeStatus({
      previous: {},
      generation: 1,
      now: t1,
      reconciled: applied,
      ready: { status: 'True', reason: 'Ready', message: '' },
      resources: [ref],
    });
    const paused = computeStatus({
      previous,
      generation: 2,
      now: t2,
      reconciled: { status: 'False', reason: 'Paused', message: 'p' },
      observe: false,
    });
    expect(paused.observedGeneration).toBe(1);
    expect(paused.resources).toEqual([ref]);
    expect(paused.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(paused.conditions?.find((c) => c.type === 'Reconciled')).toMatchObject({
      status: 'False',
      reason: 'Paused',
      lastTransitionTime: t2.toISOString(),
    });
  });

  it('reads our fields from a CR and drops malformed entries', () => {
    const cr: KubeObject = {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'x' },
      status: {
        observedGeneration: 2,
        conditions: [{ type: 'Ready', status: 'True' }, 'junk'],
        resources: [ref, { kind: 'NoName' }],
        lastApplied: { renderHash: 1 },
        other: 'kept elsewhere',
      },
    };
    expect(statusOf(cr)).toEqual({
      observedGeneration: 2,
      conditions: [{ type: 'Ready', status: 'True' }],
      resources: [ref],
    });
    expect(statusOf({ ...cr, status: undefined })).toEqual({});
  });

  it('writes bidi and invisible characters of a message as \\uXXXX, so `kubectl describe` shows what it says', () => {
    const status = computeStatus({
      previous: {},
      generation: 1,
      now: t1,
      reconciled: { status: 'False', reason: 'RenderFailed', message: 'label "abc\u202Edef" is invalid' },
      ready: { status: 'False', reason: 'ChildFailed', message: 'Job/a\u200Bb: failed' },
    });
    expect(status.conditions?.map((c) => c.message)).toEqual([
      'label "abc\\u202Edef" is invalid',
      'Job/a\\u200Bb: failed',
    ]);
    const again = computeStatus({
      previous: status,
      generation: 1,
      now: t2,
      reconciled: { status: 'False', reason: 'RenderFailed', message: 'label "abc\u202Edef" is invalid' },
      ready: { status: 'False', reason: 'ChildFailed', message: 'Job/a\u200Bb: failed' },
    });
    expect(statusChanged(status, again)).toBe(false);
  });

  it('maps readiness to the Ready condition', () => {
    expect(readyCondition({ state: 'ready', message: 'ok', total: 1, notReady: 0 })).toEqual({
      status: 'True',
      reason: 'Ready',
      message: 'ok',
    });
    expect(readyCondition({ state: 'in-progress', message: 'w', total: 1, notReady: 1 }).reason).toBe(
      'InProgress',
    );
    expect(readyCondition({ state: 'failed', message: 'f', total: 1, notReady: 1 }).reason).toBe(
      'ChildFailed',
    );
  });
});

const fiveMinutesLater = new Date('2026-01-01T00:05:00Z');

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
      fiveMinutesLater,
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
    const second = setCondition(
      first,
      { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok' },
      fiveMinutesLater,
    );
    expect(findCondition(second, 'Ready')?.lastTransitionTime).toBe(fiveMinutesLater.toISOString());
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
      fiveMinutesLater,
    );
    expect(updated.map((c) => c.type)).toEqual(['Reconciled', 'Ready']);
    expect(both[0]?.status).toBe('True');
  });
});
