import type { ReconcileResult } from '@lostromos/reconcile';
import { describe, expect, it } from 'vitest';
import { releaseChangeOf } from './legacy-release-metrics.js';

const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'cm' };
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

describe('releases_* from a reconcile result (docs/observability.md)', () => {
  it('create: the first successful apply, changed objects or not; a permanent failure before it', () => {
    expect(releaseChangeOf(result({ appliedBefore: false, cleanup: false, created: [ref] }))).toEqual({
      op: 'create',
      ok: true,
    });
    // Objects left by a run that crashed before its status write: still the CR's first successful apply.
    expect(releaseChangeOf(result({ appliedBefore: false, cleanup: false }))).toEqual({
      op: 'create',
      ok: true,
    });
    expect(
      releaseChangeOf(result({ outcome: 'failed-permanent', appliedBefore: false, cleanup: false })),
    ).toEqual({ op: 'create', ok: false });
  });

  it('update: a later apply that created, changed or pruned an object; a permanent failure after the first', () => {
    for (const change of [{ created: [ref] }, { updated: [ref] }, { pruned: [ref] }]) {
      expect(releaseChangeOf(result({ appliedBefore: true, cleanup: false, ...change }))).toEqual({
        op: 'update',
        ok: true,
      });
    }
    expect(
      releaseChangeOf(result({ outcome: 'failed-permanent', appliedBefore: true, cleanup: false })),
    ).toEqual({ op: 'update', ok: false });
  });

  it('delete: a cleanup that released our finalizer; a refused cleanup', () => {
    expect(
      releaseChangeOf(
        result({ outcome: 'deleted', appliedBefore: true, cleanup: true, finalizer: 'released' }),
      ),
    ).toEqual({ op: 'delete', ok: true });
    // Nothing was ever applied (e.g. deleted after a failed first apply): still the cleanup of a CR we held.
    expect(
      releaseChangeOf(
        result({ outcome: 'deleted', appliedBefore: false, cleanup: true, finalizer: 'released' }),
      ),
    ).toEqual({ op: 'delete', ok: true });
    expect(
      releaseChangeOf(result({ outcome: 'failed-permanent', appliedBefore: true, cleanup: true })),
    ).toEqual({ op: 'delete', ok: false });
  });

  it('nothing: skip rule, a re-apply that changed nothing, paused, gone, a deleted CR without our finalizer', () => {
    expect(releaseChangeOf(result({ outcome: 'unchanged', appliedBefore: true, cleanup: false }))).toBe(
      undefined,
    );
    expect(releaseChangeOf(result({ outcome: 'applied', appliedBefore: true, cleanup: false }))).toBe(
      undefined,
    );
    expect(releaseChangeOf(result({ outcome: 'paused', appliedBefore: false, cleanup: false }))).toBe(
      undefined,
    );
    expect(releaseChangeOf(result({ outcome: 'gone' }))).toBe(undefined);
    expect(releaseChangeOf(result({ outcome: 'deleted', appliedBefore: true, cleanup: true }))).toBe(
      undefined,
    );
  });
});
