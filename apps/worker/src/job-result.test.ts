import { describe, expect, it } from 'vitest';
import type { ReconcileResult } from '@lostromos/reconcile';
import { resultLabel, toJobResult } from './job-result.js';

const result = (r: Partial<ReconcileResult>): ReconcileResult => ({
  outcome: 'applied',
  applied: [],
  created: [],
  updated: [],
  pruned: [],
  deleted: [],
  writes: 0,
  ...r,
});

describe('job results', () => {
  it('summarise the reconcile, keep requeueAfterMs and the permanent error', () => {
    const err = { code: 'LOSTROMOS_RENDER_FAILED', message: 'boom', retryable: false };
    expect(toJobResult(result({ outcome: 'failed-permanent', error: err }))).toMatchObject({
      outcome: 'failed-permanent',
      error: { ...err, reason: 'RenderFailed' }, // the CR's Ready condition reason, for the dashboard
    });
    expect(toJobResult(result({ requeueAfterMs: 10_000, writes: 3 }))).toMatchObject({
      requeueAfterMs: 10_000,
      writes: 3,
    });
  });
  it('label results like controller-runtime', () => {
    expect(resultLabel(result({}))).toBe('success');
    expect(resultLabel(result({ requeueAfterMs: 5 }))).toBe('requeue_after');
    expect(resultLabel(result({ outcome: 'failed-permanent' }))).toBe('error');
  });
});
