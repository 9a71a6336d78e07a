import { describe, expect, it } from 'vitest';
import type { ClusterReader, KubeObject, ReconcileResult } from '@lostromos/reconcile';
import { resultLabel, toJobResult } from './job-result.js';
import { optOutReader } from './opt-out-reader.js';

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

describe('optOutReader', () => {
  const ANN = 'example.io/managed';
  const cr = (meta: Partial<KubeObject['metadata']>): KubeObject => ({
    apiVersion: 'g/v1',
    kind: 'K',
    metadata: { name: 'a', namespace: 'ns', uid: 'u', ...meta },
  });
  const reader = (obj: KubeObject | undefined): ClusterReader => ({
    getCr: () => Promise.resolve(obj),
    getObject: () => Promise.resolve(undefined),
    listOwned: () => Promise.resolve([]),
    isNamespaced: () => Promise.resolve(true),
  });
  const key = { group: 'g', plural: 'ks', namespace: 'ns', name: 'a' };
  it('passes opted-in CRs through unchanged', async () => {
    const obj = cr({ annotations: { [ANN]: 'yes' } });
    expect(await optOutReader(reader(obj), ANN).getCr(key, { apiVersion: 'g/v1' })).toBe(obj);
  });
  it('hides CRs that never opted in', async () => {
    expect(await optOutReader(reader(cr({})), ANN).getCr(key, { apiVersion: 'g/v1' })).toBeUndefined();
  });
  it('presents a CR that opted out while we hold its finalizer as being deleted', async () => {
    const got = await optOutReader(
      reader(cr({ finalizers: ['lostromos.io/cleanup'] })),
      ANN,
      () => new Date(0),
    ).getCr(key, {
      apiVersion: 'g/v1',
    });
    expect(got?.metadata.deletionTimestamp).toBe('1970-01-01T00:00:00.000Z');
  });
  it('is the plain reader when no filter is configured', () => {
    const base = reader(undefined);
    expect(optOutReader(base, '')).toBe(base);
  });
});
