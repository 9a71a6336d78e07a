import type { ReconcileResult } from '@lostromos/reconcile';
import { describe, expect, it } from 'vitest';
import { outcomeOf } from './revision-routing.js';

const result = (over: Partial<ReconcileResult>): ReconcileResult => ({
  outcome: 'applied',
  applied: [],
  created: [],
  updated: [],
  pruned: [],
  deleted: [],
  writes: 1,
  ...over,
});

describe('outcomeOf (what the rollout controller learns from a reconcile)', () => {
  it('an apply or a verified no-op: the revision it applied and how ready the objects are', () => {
    expect(outcomeOf(result({ readiness: 'ready', templateRevision: 'r2' }), 'r1', 5)).toEqual({
      revision: 'r2',
      state: 'ready',
      at: 5,
    });
    expect(outcomeOf(result({ outcome: 'unchanged', readiness: 'in-progress' }), 'r1', 5)).toEqual({
      revision: 'r1',
      state: 'in-progress',
      at: 5,
    });
    expect(outcomeOf(result({ readiness: 'failed' }), 'r1', 5)).toMatchObject({
      state: 'failed',
      reason: 'ChildFailed',
    });
  });

  it('a permanent failure with its reason and message; a paused CR is skipped; a gone CR has no record', () => {
    expect(
      outcomeOf(
        result({
          outcome: 'failed-permanent',
          error: {
            code: 'LZ_RENDER_FAILED',
            reason: 'RenderFailed',
            message: 'boom',
            retryable: false,
          },
        }),
        'r1',
        5,
      ),
    ).toEqual({ revision: 'r1', state: 'failed', reason: 'RenderFailed', message: 'boom', at: 5 });
    expect(outcomeOf(result({ outcome: 'paused' }), 'r1', 5)).toEqual({
      revision: 'r1',
      state: 'skipped',
      at: 5,
    });
    expect(outcomeOf(result({ outcome: 'gone' }), 'r1', 5)).toBeUndefined();
    expect(outcomeOf(result({ outcome: 'deleted' }), 'r1', 5)).toBeUndefined();
  });
});
