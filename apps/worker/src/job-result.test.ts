import { describe, expect, it } from 'vitest';
import type { ReconcileResult } from '@lostromos/reconcile';
import { permanentFailureFields, resultLabel, toJobResult, unreadableCrFailure } from './job-result.js';

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
    const err = { code: 'LZ_RENDER_FAILED', message: 'boom', retryable: false };
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

describe('permanent failures the worker logs', () => {
  it('describe a CR that cannot be read by the code, reason and message of the refusal', () => {
    const refused = Object.assign(new Error('GET /apis/g/v1/namespaces/a/things/b: 403 forbidden'), {
      code: 'LZ_KUBE_REJECTED',
      retryable: false,
    });
    expect(unreadableCrFailure(refused)).toEqual({
      code: 'LZ_KUBE_REJECTED',
      reason: 'LZ_KUBE_REJECTED',
      message: 'GET /apis/g/v1/namespaces/a/things/b: 403 forbidden',
      retryable: false,
    });
    expect(unreadableCrFailure(Object.assign(new Error('x'), { reason: 'Forbidden' })).reason).toBe(
      'Forbidden',
    );
    expect(unreadableCrFailure('not an error')).toMatchObject({ code: 'UNKNOWN', message: 'not an error' });
  });
  it('log a reported failure and an unreadable CR with the same fields', () => {
    const reported = { code: 'LZ_RENDER_FAILED', message: 'boom', retryable: false };
    expect(permanentFailureFields('g/things/a/b', reported, 0.0421)).toEqual({
      cr: 'g/things/a/b',
      code: 'LZ_RENDER_FAILED',
      reason: 'RenderFailed',
      message: 'boom',
      durationMs: 42,
    });
    expect(Object.keys(permanentFailureFields('k', unreadableCrFailure(new Error('x')), 1))).toEqual([
      'cr',
      'code',
      'reason',
      'message',
      'durationMs',
    ]);
  });
});
