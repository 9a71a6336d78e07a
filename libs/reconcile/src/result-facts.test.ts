import { beforeEach, describe, expect, it } from 'vitest';
import { reconcile } from './reconcile.js';
import { FakeRenderer, PortError } from './testing/fake-cluster.js';
import { cmRef, crRef, deployRef, key, Scenario, templates } from './testing/scenario.js';

// What a result says about the CR as a whole, as plain facts: created/updated/pruned objects, whether the CR had
// a successful apply before (status.lastApplied), whether it was cleaned up, and what happened to our
// finalizer. Adapters derive their own vocabulary from these (the worker's releases_* metrics:
// apps/worker/src/legacy-release-metrics.ts).

let s: Scenario;
beforeEach(() => {
  s = new Scenario();
});

const markDeleted = (): void =>
  s.cluster.mutate(crRef, (cr) => {
    cr.metadata.deletionTimestamp = '2026-03-01T10:05:00Z';
  });

describe('reconcile: facts about the CR in the result', () => {
  it('a first apply: nothing applied before, finalizer added, objects created; then a resync and an update', async () => {
    s.putCr({ by: 'a' });
    const first = await reconcile(key, s.deps);
    expect(first).toMatchObject({
      outcome: 'applied',
      appliedBefore: false,
      cleanup: false,
      finalizer: 'added',
      created: [cmRef, deployRef],
      updated: [],
    });

    s.markDeploymentAvailable();
    const resync = await reconcile(key, s.deps);
    expect(resync).toMatchObject({ outcome: 'unchanged', appliedBefore: true, created: [], updated: [] });
    expect(resync.finalizer).toBeUndefined();

    s.updateSpec({ by: 'b' });
    const update = await reconcile(key, s.deps);
    expect(update).toMatchObject({ outcome: 'applied', appliedBefore: true, created: [], updated: [cmRef] });
  });

  it('a re-apply that changes no object reports no created, updated or pruned object', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    s.renderer.revision = 'rev-2'; // templates "changed" but render the same objects
    const result = await reconcile(key, s.deps);
    expect(result).toMatchObject({ outcome: 'applied', created: [], updated: [], pruned: [] });
  });

  it('an apply that only adds or prunes an object', async () => {
    s.putCr({ by: 'a', withDeployment: false });
    await reconcile(key, s.deps);
    s.updateSpec({ by: 'a' });
    expect(await reconcile(key, s.deps)).toMatchObject({ appliedBefore: true, created: [deployRef] });
    s.updateSpec({ by: 'a', withDeployment: false });
    expect(await reconcile(key, s.deps)).toMatchObject({
      appliedBefore: true,
      created: [],
      updated: [],
      pruned: [deployRef],
    });
  });

  it('a permanent failure before any successful apply, its fix, and a failure after it', async () => {
    let broken = true;
    s.deps.renderer = new FakeRenderer((cr) => {
      if (broken) throw new Error('templates/configmap.yaml:3: "spec.By" is required');
      return templates(cr);
    });
    s.putCr({ by: 'a' });
    expect(await reconcile(key, s.deps)).toMatchObject({
      outcome: 'failed-permanent',
      appliedBefore: false,
      cleanup: false,
    });

    broken = false;
    s.updateSpec({ by: 'a' });
    expect(await reconcile(key, s.deps)).toMatchObject({ outcome: 'applied', appliedBefore: false });

    broken = true;
    s.updateSpec({ by: 'b' });
    expect(await reconcile(key, s.deps)).toMatchObject({ outcome: 'failed-permanent', appliedBefore: true });
  });

  it('a first apply that failed half-way: its retry still had nothing applied before', async () => {
    s.putCr({ by: 'a' });
    s.cluster.failNext('apply', new PortError('invalid', { retryable: false, code: 'INVALID' }), (k) =>
      k.startsWith('apps/Deployment'),
    );
    expect(await reconcile(key, s.deps)).toMatchObject({
      outcome: 'failed-permanent',
      created: [cmRef],
      appliedBefore: false,
    });
    expect(await reconcile(key, s.deps)).toMatchObject({
      outcome: 'applied',
      created: [deployRef],
      appliedBefore: false,
    });
  });

  it('a cleanup: refused, then done (finalizer released); a deleted CR without our finalizer', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    markDeleted();
    s.cluster.failNext('delete', new PortError('forbidden', { retryable: false, code: 'FORBIDDEN' }));
    const refused = await reconcile(key, s.deps);
    expect(refused).toMatchObject({ outcome: 'failed-permanent', cleanup: true });
    expect(refused.finalizer).toBeUndefined();
    expect(await reconcile(key, s.deps)).toMatchObject({
      outcome: 'deleted',
      cleanup: true,
      finalizer: 'released',
    });

    s.putCr({ by: 'a' }, { deletionTimestamp: '2026-03-01T10:05:00Z', finalizers: ['other.io/keep'] });
    const without = await reconcile(key, s.deps);
    expect(without).toMatchObject({ outcome: 'deleted', cleanup: true });
    expect(without.finalizer).toBeUndefined();
  });

  it('a gone CR has no facts; a paused one has', async () => {
    const gone = await reconcile(key, s.deps);
    expect(gone.appliedBefore).toBeUndefined();
    expect(gone.cleanup).toBeUndefined();
    s.putCr({ by: 'a' }, { annotations: { 'lostromos.io/paused': 'true' } });
    expect(await reconcile(key, s.deps)).toMatchObject({
      outcome: 'paused',
      appliedBefore: false,
      cleanup: false,
    });
  });
});
