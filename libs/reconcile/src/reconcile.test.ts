import { beforeEach, describe, expect, it } from 'vitest';
import { findCondition } from './conditions.js';
import { reconcile } from './reconcile.js';
import { cmRef, crRef, deployRef, key, Scenario } from './testing/scenario.js';

let s: Scenario;
beforeEach(() => {
  s = new Scenario();
});
describe('reconcile: creation and update', () => {
  it('creates the rendered objects with ownership labels and owner references, holds the finalizer and writes status', async () => {
    const cr = s.putCr({ by: "Dan O'Bannon" });
    const result = await reconcile(key, s.deps);

    expect(result.outcome).toBe('applied');
    expect(result.applied).toEqual([cmRef, deployRef]);
    const cm = s.cluster.find(cmRef);
    expect(cm?.data).toEqual({ by: "Dan O'Bannon" });
    expect(cm?.metadata.labels).toEqual({
      app: 'ripley',
      'app.kubernetes.io/managed-by': 'lostromos',
      'lostromos.io/resource': 'characters',
      'lostromos.io/owner-uid': cr.metadata.uid,
    });
    expect(cm?.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'stable.example.io/v1',
        kind: 'Character',
        name: 'ripley',
        uid: cr.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(s.cluster.find(crRef)?.metadata.finalizers).toEqual(['lostromos.io/cleanup']);

    const status = s.crStatus();
    expect(status.observedGeneration).toBe(1);
    expect(status.resources).toEqual([cmRef, deployRef]);
    expect(findCondition(status.conditions, 'Reconciled')).toMatchObject({
      status: 'True',
      reason: 'Applied',
      observedGeneration: 1,
    });
    expect(s.cluster.events).toEqual([
      {
        type: 'Normal',
        reason: 'Created',
        action: 'Apply',
        message: 'Created 2 objects: ConfigMap crew/ripley-config, Deployment crew/ripley-web',
      },
    ]);
    // finalizer + 2 applies + status
    expect(result.writes).toBe(4);
  });

  it("creates a new CR's objects with one create-only apply each, reading none of them first", async () => {
    const reads: string[] = [];
    const getObject = s.cluster.getObject.bind(s.cluster);
    s.cluster.getObject = (ref) => {
      reads.push(ref.name);
      return getObject(ref);
    };
    s.putCr({ by: 'a' });
    const result = await reconcile(key, s.deps);
    expect(result.created).toEqual([cmRef, deployRef]);
    expect(reads).toEqual([]);
    expect(s.cluster.writesOf('apply')).toEqual([
      { op: 'apply', key: '/ConfigMap/crew/ripley-config', createOnly: true },
      { op: 'apply', key: 'apps/Deployment/crew/ripley-web', createOnly: true },
    ]);
    // Objects in the inventory are ours: read (drift, readiness, created vs updated), then applied.
    s.updateSpec({ by: 'b' });
    const update = await reconcile(key, s.deps);
    expect(update.updated).toEqual([cmRef]);
    expect(reads).toEqual(['ripley-config', 'ripley-web']);
  });

  it('adopts its own object left by an interrupted apply as existing, not created', async () => {
    const cr = s.putCr({ by: 'a' }, { finalizers: ['lostromos.io/cleanup'] });
    s.cluster.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'ripley-config',
        namespace: 'crew',
        labels: { 'lostromos.io/owner-uid': cr.metadata.uid ?? '' },
      },
      data: { by: 'a' },
    });
    const result = await reconcile(key, s.deps);
    expect(result.outcome).toBe('applied');
    expect(result.created).toEqual([deployRef]);
    expect(s.cluster.writesOf('applyRefused').map((w) => w.key)).toEqual(['/ConfigMap/crew/ripley-config']);
    expect(s.cluster.find(cmRef)?.metadata.labels?.['lostromos.io/resource']).toBe('characters');
  });

  it('applies in install order: namespaces first, config before workloads', async () => {
    s.putCr({
      by: 'x',
      extra: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }],
    });
    await reconcile(key, s.deps);
    expect(s.cluster.writesOf('apply').map((w) => w.key)).toEqual([
      '/Secret/crew/s',
      '/ConfigMap/crew/ripley-config',
      'apps/Deployment/crew/ripley-web',
    ]);
  });

  it('updates objects when the spec changes and reports only the objects that actually changed', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    s.cluster.events.length = 0;
    s.updateSpec({ by: 'b' });

    const result = await reconcile(key, s.deps);
    expect(result.outcome).toBe('applied');
    expect(s.cluster.find(cmRef)?.data).toEqual({ by: 'b' });
    expect(s.cluster.events).toEqual([
      {
        type: 'Normal',
        reason: 'Updated',
        action: 'Apply',
        message: 'Updated 1 object: ConfigMap crew/ripley-config',
      },
    ]);
    expect(s.crStatus().observedGeneration).toBe(2);
    expect(s.crStatus().lastApplied?.generation).toBe(2);
  });
});

describe('reconcile: readiness', () => {
  it('reports Ready=False while a Deployment is rolling out and requeues to poll, then Ready=True once available', async () => {
    s.putCr({ by: 'a' });
    const first = await reconcile(key, s.deps);
    expect(first.requeueAfterMs).toBe(5000);
    const notReady = findCondition(s.crStatus().conditions, 'Ready');
    expect(notReady).toMatchObject({ status: 'False', reason: 'InProgress' });
    expect(notReady?.message).toContain('Deployment crew/ripley-web');

    s.markDeploymentAvailable();
    s.clock = new Date('2026-03-01T10:01:00Z');
    const second = await reconcile(key, s.deps);
    expect(second.outcome).toBe('unchanged');
    expect(second.requeueAfterMs).toBeUndefined();
    expect(second.writes).toBe(1); // status only: Ready flipped
    const ready = findCondition(s.crStatus().conditions, 'Ready');
    expect(ready).toMatchObject({
      status: 'True',
      reason: 'Ready',
      lastTransitionTime: '2026-03-01T10:01:00.000Z',
    });
  });

  it('keeps lastTransitionTime when the status does not flip', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    const reconciledAt = findCondition(s.crStatus().conditions, 'Reconciled')?.lastTransitionTime;

    s.clock = new Date('2026-03-01T11:00:00Z');
    s.updateSpec({ by: 'b' });
    await reconcile(key, s.deps);
    expect(findCondition(s.crStatus().conditions, 'Reconciled')?.lastTransitionTime).toBe(reconciledAt);
    expect(findCondition(s.crStatus().conditions, 'Ready')?.lastTransitionTime).toBe(
      '2026-03-01T10:00:00.000Z',
    );
  });

  it('reports a failed Job as Ready=False ChildFailed naming the object', async () => {
    s.putCr({
      by: 'a',
      withDeployment: false,
      extra: [{ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' } }],
    });
    await reconcile(key, s.deps);
    s.cluster.mutate({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'crew', name: 'migrate' }, (job) => {
      job.status = { conditions: [{ type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' }] };
    });
    const result = await reconcile(key, s.deps);
    expect(result.requeueAfterMs).toBeUndefined();
    expect(findCondition(s.crStatus().conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ChildFailed',
      message: 'Job crew/migrate: job failed: BackoffLimitExceeded',
    });
  });
});

describe('reconcile: skip rule', () => {
  it('performs zero writes and emits no events on a resync when nothing changed', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    s.markDeploymentAvailable();
    await reconcile(key, s.deps);
    const before = s.cluster.writes.length;
    s.cluster.events.length = 0;

    s.clock = new Date('2026-03-01T12:00:00Z');
    const result = await reconcile(key, s.deps);
    expect(result).toMatchObject({ outcome: 'unchanged', writes: 0, applied: [], pruned: [] });
    expect(s.cluster.writes.length).toBe(before);
    expect(s.cluster.events).toEqual([]);
  });

  it('re-applies when someone changed a field we render (drift repair)', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    s.cluster.mutate(cmRef, (cm) => {
      cm.data = { by: 'tampered' };
    });
    const result = await reconcile(key, s.deps);
    expect(result.outcome).toBe('applied');
    expect(s.cluster.find(cmRef)?.data).toEqual({ by: 'a' });
  });

  it('ignores fields others added and still skips', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    s.cluster.mutate(cmRef, (cm) => {
      cm.metadata.annotations = { 'someone.else/note': 'hi' };
    });
    expect((await reconcile(key, s.deps)).writes).toBe(0);
  });

  it('re-creates an object someone deleted', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    s.cluster.objects.delete('/ConfigMap/crew/ripley-config');
    const result = await reconcile(key, s.deps);
    expect(result.outcome).toBe('applied');
    expect(s.cluster.find(cmRef)).toBeDefined();
  });

  it('re-applies when the templates change (s.renderer revision)', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    s.renderer.revision = 'rev-2';
    expect((await reconcile(key, s.deps)).outcome).toBe('applied');
  });
});

describe('reconcile: hooks', () => {
  it('calls the metric hooks once per object applied and pruned', async () => {
    const seen: string[] = [];
    s.deps.hooks = {
      onApply: (ref) => seen.push(`apply ${ref.kind}`),
      onPrune: (ref) => seen.push(`prune ${ref.kind}`),
    };
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    s.updateSpec({ by: 'a', withDeployment: false });
    await reconcile(key, s.deps);
    expect(seen).toEqual(['apply ConfigMap', 'apply Deployment', 'apply ConfigMap', 'prune Deployment']);
  });
});
