import { beforeEach, describe, expect, it } from 'vitest';
import { reconcile } from './reconcile.js';
import { FakeRenderer, PortError } from './testing/fake-cluster.js';
import { cmRef, crRef, deployRef, key, Scenario, templates } from './testing/scenario.js';

// ReconcileResult.created/updated/release: what a reconcile did to the objects and to the CR as a "release"
// (the original tool's releases_{create,update,delete}_total semantics).

let s: Scenario;
beforeEach(() => {
  s = new Scenario();
});

const markDeleted = (): void =>
  s.cluster.mutate(crRef, (cr) => {
    cr.metadata.deletionTimestamp = '2026-03-01T10:05:00Z';
  });

describe('reconcile: release semantics', () => {
  it('the first successful apply is a create; unchanged resyncs are nothing; a spec change is an update', async () => {
    s.putCr({ by: 'a' });
    const first = await reconcile(key, s.deps);
    expect(first).toMatchObject({
      outcome: 'applied',
      created: [cmRef, deployRef],
      updated: [],
      release: { op: 'create', ok: true },
    });

    s.markDeploymentAvailable();
    const resync = await reconcile(key, s.deps);
    expect(resync.outcome).toBe('unchanged');
    expect(resync.release).toBeUndefined();
    expect(resync).toMatchObject({ created: [], updated: [] });

    s.updateSpec({ by: 'b' });
    const update = await reconcile(key, s.deps);
    expect(update).toMatchObject({
      outcome: 'applied',
      created: [],
      updated: [cmRef],
      release: { op: 'update', ok: true },
    });
  });

  it('a re-apply that changes no object is not an update', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    s.renderer.revision = 'rev-2'; // templates "changed" but render the same objects
    const result = await reconcile(key, s.deps);
    expect(result.outcome).toBe('applied');
    expect(result).toMatchObject({ created: [], updated: [] });
    expect(result.release).toBeUndefined();
  });

  it('an apply that only adds or prunes an object is an update, not a create', async () => {
    s.putCr({ by: 'a', withDeployment: false });
    await reconcile(key, s.deps);
    s.updateSpec({ by: 'a' });
    const added = await reconcile(key, s.deps);
    expect(added).toMatchObject({ created: [deployRef], release: { op: 'update', ok: true } });

    s.updateSpec({ by: 'a', withDeployment: false });
    const pruned = await reconcile(key, s.deps);
    expect(pruned).toMatchObject({
      created: [],
      updated: [],
      pruned: [deployRef],
      release: { op: 'update', ok: true },
    });
  });

  it('a permanent failure before any successful apply is a failed create; the fix is the create', async () => {
    let broken = true;
    s.deps.renderer = new FakeRenderer((cr) => {
      if (broken) throw new Error('templates/configmap.yaml:3: "spec.By" is required');
      return templates(cr);
    });
    s.putCr({ by: 'a' });
    const failed = await reconcile(key, s.deps);
    expect(failed).toMatchObject({ outcome: 'failed-permanent', release: { op: 'create', ok: false } });

    broken = false;
    s.updateSpec({ by: 'a' });
    const fixed = await reconcile(key, s.deps);
    expect(fixed).toMatchObject({ outcome: 'applied', release: { op: 'create', ok: true } });

    broken = true;
    s.updateSpec({ by: 'b' });
    expect((await reconcile(key, s.deps)).release).toEqual({ op: 'update', ok: false });
  });

  it('a first apply that failed half-way still counts its later success as the create', async () => {
    s.putCr({ by: 'a' });
    s.cluster.failNext('apply', new PortError('invalid', { retryable: false, code: 'INVALID' }), (k) =>
      k.startsWith('apps/Deployment'),
    );
    const failed = await reconcile(key, s.deps);
    expect(failed).toMatchObject({ created: [cmRef], release: { op: 'create', ok: false } });
    const retried = await reconcile(key, s.deps);
    expect(retried).toMatchObject({ created: [deployRef], release: { op: 'create', ok: true } });
  });

  it('cleaning up a deleted CR is a delete; a refused cleanup a failed delete; no finalizer, nothing', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    markDeleted();
    s.cluster.failNext('delete', new PortError('forbidden', { retryable: false, code: 'FORBIDDEN' }));
    expect((await reconcile(key, s.deps)).release).toEqual({ op: 'delete', ok: false });
    const deleted = await reconcile(key, s.deps);
    expect(deleted).toMatchObject({ outcome: 'deleted', release: { op: 'delete', ok: true } });

    s.putCr({ by: 'a' }, { deletionTimestamp: '2026-03-01T10:05:00Z', finalizers: ['other.io/keep'] });
    const without = await reconcile(key, s.deps);
    expect(without.outcome).toBe('deleted');
    expect(without.release).toBeUndefined();
  });

  it('paused and gone CRs are no release operation', async () => {
    expect((await reconcile(key, s.deps)).release).toBeUndefined();
    s.putCr({ by: 'a' }, { annotations: { 'lostromos.io/paused': 'true' } });
    const paused = await reconcile(key, s.deps);
    expect(paused.outcome).toBe('paused');
    expect(paused.release).toBeUndefined();
  });
});
