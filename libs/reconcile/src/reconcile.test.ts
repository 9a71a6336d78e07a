import { beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from './model.js';
import { crMembership, pausedValue, reconcile } from './reconcile.js';
import { findCondition } from './status.js';
import { FakeRenderer, PortError } from './testing/fake-cluster.js';
import { cmRef, crRef, deployRef, key, Scenario, templates } from './testing/scenario.js';

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
    expect(s.inventoryRefs()).toEqual([cmRef, deployRef]);
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
        message:
          'Created 2 objects for generation 1: ConfigMap crew/ripley-config, Deployment crew/ripley-web',
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
    // On an update, the ConfigMap (its rendered content changed) is applied with its recorded uid, unread; the
    // Deployment (unchanged) is read for drift and left alone.
    s.updateSpec({ by: 'b' });
    const update = await reconcile(key, s.deps);
    expect(update.updated).toEqual([cmRef]);
    expect(update.applied).toEqual([cmRef]);
    expect(reads).toEqual(['ripley-web']);
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
        message: 'Updated 1 object for generation 2: ConfigMap crew/ripley-config',
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
    // The second reconcile renders the ConfigMap unchanged: it is read and found up to date, not applied.
    expect(seen).toEqual(['apply ConfigMap', 'apply Deployment', 'prune Deployment']);
  });
});

// What a result says about the CR as a whole, as plain facts: created/updated/pruned objects, whether the CR had
// a successful apply before (status.lastApplied), whether it was cleaned up, and what happened to our
// finalizer. Adapters derive their own vocabulary from these (the worker's releases_* metrics:
// apps/worker/src/legacy-release-metrics.ts).

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

const cr = (meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'g/v1',
  kind: 'K',
  metadata: { name: 'a', namespace: 'ns', uid: 'u', ...meta },
});
const ANN = 'example.io/managed';

describe('crMembership: is this CR ours?', () => {
  it('every CR is managed when no opt-in annotation is configured', () => {
    expect(crMembership(cr(), '')).toBe('managed');
    expect(crMembership(cr(), undefined)).toBe('managed');
  });
  it('a CR with the annotation (any value, even empty) is managed', () => {
    expect(crMembership(cr({ annotations: { [ANN]: '' } }), ANN)).toBe('managed');
  });
  it('a CR without it is ignored, unless it still holds our finalizer: then it opted out', () => {
    expect(crMembership(cr(), ANN)).toBe('ignored');
    expect(crMembership(cr({ finalizers: ['lostromos.io/cleanup'] }), ANN)).toBe('opted-out');
  });
});

describe('pausedValue', () => {
  const P = 'lostromos.io/paused';
  it('reads true/false in any letter case; absent or empty is not paused', () => {
    expect(pausedValue(cr({ annotations: { [P]: 'TRUE' } }), P)).toEqual({ paused: true });
    expect(pausedValue(cr({ annotations: { [P]: ' True ' } }), P)).toEqual({ paused: true });
    expect(pausedValue(cr({ annotations: { [P]: 'False' } }), P)).toEqual({ paused: false });
    expect(pausedValue(cr(), P)).toEqual({ paused: false });
  });
  it('reports any other value as invalid instead of silently ignoring it', () => {
    expect(pausedValue(cr({ annotations: { [P]: 'yes' } }), P)).toEqual({ paused: false, invalid: 'yes' });
  });
});
