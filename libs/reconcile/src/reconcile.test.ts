import { beforeEach, describe, expect, it } from 'vitest';
import { findCondition } from './conditions.js';
import { statusOf } from './cr-status.js';
import type { CrKey, KubeObject, ObjectRef } from './kube-object.js';
import type { ReconcileDeps } from './ports.js';
import { reconcile } from './reconcile.js';
import { FakeCluster, FakeRenderer, PortError } from './testing/fake-cluster.js';

const key: CrKey = { group: 'stable.example.io', plural: 'characters', namespace: 'crew', name: 'ripley' };
const crRef: ObjectRef = {
  apiVersion: 'stable.example.io/v1',
  kind: 'Character',
  namespace: 'crew',
  name: 'ripley',
};
const cmRef: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'crew', name: 'ripley-config' };
const deployRef: ObjectRef = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  namespace: 'crew',
  name: 'ripley-web',
};

interface Spec {
  by: string;
  withDeployment?: boolean;
  extra?: KubeObject[];
}

function templates(cr: KubeObject): KubeObject[] {
  const spec = cr.spec as Spec;
  const name = cr.metadata.name ?? '';
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${name}-config`, labels: { app: name } },
      data: { by: spec.by },
    },
  ];
  if (spec.withDeployment !== false) {
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `${name}-web` },
      spec: { replicas: 1, selector: { matchLabels: { app: name } } },
    });
  }
  return [...objects, ...(spec.extra ?? [])];
}

let cluster: FakeCluster;
let renderer: FakeRenderer;
let clock: Date;
let deps: ReconcileDeps;

function putCr(spec: Spec, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return cluster.put({
    apiVersion: 'stable.example.io/v1',
    kind: 'Character',
    metadata: { name: 'ripley', namespace: 'crew', ...meta },
    spec,
  });
}

function updateSpec(spec: Spec): void {
  cluster.mutate(crRef, (cr) => {
    cr.spec = spec;
    cr.metadata.generation = (cr.metadata.generation ?? 1) + 1;
  });
}

function crStatus(): ReturnType<typeof statusOf> {
  return statusOf(cluster.find(crRef) as KubeObject);
}

function markDeploymentAvailable(): void {
  cluster.mutate(deployRef, (d) => {
    d.status = {
      observedGeneration: d.metadata.generation,
      replicas: 1,
      updatedReplicas: 1,
      availableReplicas: 1,
      readyReplicas: 1,
    };
  });
}

beforeEach(() => {
  cluster = new FakeCluster();
  renderer = new FakeRenderer(templates);
  clock = new Date('2026-03-01T10:00:00Z');
  deps = {
    reader: cluster,
    writer: cluster,
    events: cluster,
    renderer,
    resource: {
      name: 'characters',
      group: 'stable.example.io',
      version: 'v1',
      plural: 'characters',
      kind: 'Character',
    },
    now: () => clock,
    readinessPollMs: 5000,
  };
});

describe('reconcile: creation and update', () => {
  it('creates the rendered objects with ownership labels and owner references, holds the finalizer and writes status', async () => {
    const cr = putCr({ by: "Dan O'Bannon" });
    const result = await reconcile(key, deps);

    expect(result.outcome).toBe('applied');
    expect(result.applied).toEqual([cmRef, deployRef]);
    const cm = cluster.find(cmRef);
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
    expect(cluster.find(crRef)?.metadata.finalizers).toEqual(['lostromos.io/cleanup']);

    const status = crStatus();
    expect(status.observedGeneration).toBe(1);
    expect(status.resources).toEqual([cmRef, deployRef]);
    expect(findCondition(status.conditions, 'Reconciled')).toMatchObject({
      status: 'True',
      reason: 'Applied',
      observedGeneration: 1,
    });
    expect(cluster.events).toEqual([
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

  it('applies in install order: namespaces first, config before workloads', async () => {
    putCr({
      by: 'x',
      extra: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }],
    });
    await reconcile(key, deps);
    expect(cluster.writesOf('apply').map((w) => w.key)).toEqual([
      '/Secret/crew/s',
      '/ConfigMap/crew/ripley-config',
      'apps/Deployment/crew/ripley-web',
    ]);
  });

  it('updates objects when the spec changes and reports only the objects that actually changed', async () => {
    putCr({ by: 'a' });
    await reconcile(key, deps);
    cluster.events.length = 0;
    updateSpec({ by: 'b' });

    const result = await reconcile(key, deps);
    expect(result.outcome).toBe('applied');
    expect(cluster.find(cmRef)?.data).toEqual({ by: 'b' });
    expect(cluster.events).toEqual([
      {
        type: 'Normal',
        reason: 'Updated',
        action: 'Apply',
        message: 'Updated 1 objects: ConfigMap crew/ripley-config',
      },
    ]);
    expect(crStatus().observedGeneration).toBe(2);
    expect(crStatus().lastApplied?.generation).toBe(2);
  });
});

describe('reconcile: readiness', () => {
  it('reports Ready=False while a Deployment is rolling out and requeues to poll, then Ready=True once available', async () => {
    putCr({ by: 'a' });
    const first = await reconcile(key, deps);
    expect(first.requeueAfterMs).toBe(5000);
    const notReady = findCondition(crStatus().conditions, 'Ready');
    expect(notReady).toMatchObject({ status: 'False', reason: 'InProgress' });
    expect(notReady?.message).toContain('Deployment crew/ripley-web');

    markDeploymentAvailable();
    clock = new Date('2026-03-01T10:01:00Z');
    const second = await reconcile(key, deps);
    expect(second.outcome).toBe('unchanged');
    expect(second.requeueAfterMs).toBeUndefined();
    expect(second.writes).toBe(1); // status only: Ready flipped
    const ready = findCondition(crStatus().conditions, 'Ready');
    expect(ready).toMatchObject({
      status: 'True',
      reason: 'Ready',
      lastTransitionTime: '2026-03-01T10:01:00.000Z',
    });
  });

  it('keeps lastTransitionTime when the status does not flip', async () => {
    putCr({ by: 'a' });
    await reconcile(key, deps);
    const reconciledAt = findCondition(crStatus().conditions, 'Reconciled')?.lastTransitionTime;

    clock = new Date('2026-03-01T11:00:00Z');
    updateSpec({ by: 'b' });
    await reconcile(key, deps);
    expect(findCondition(crStatus().conditions, 'Reconciled')?.lastTransitionTime).toBe(reconciledAt);
    expect(findCondition(crStatus().conditions, 'Ready')?.lastTransitionTime).toBe(
      '2026-03-01T10:00:00.000Z',
    );
  });

  it('reports a failed Job as Ready=False ChildFailed naming the object', async () => {
    putCr({
      by: 'a',
      withDeployment: false,
      extra: [{ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' } }],
    });
    await reconcile(key, deps);
    cluster.mutate({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'crew', name: 'migrate' }, (job) => {
      job.status = { conditions: [{ type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' }] };
    });
    const result = await reconcile(key, deps);
    expect(result.requeueAfterMs).toBeUndefined();
    expect(findCondition(crStatus().conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ChildFailed',
      message: 'Job crew/migrate: job failed: BackoffLimitExceeded',
    });
  });
});

describe('reconcile: skip rule', () => {
  it('performs zero writes and emits no events on a resync when nothing changed', async () => {
    putCr({ by: 'a' });
    await reconcile(key, deps);
    markDeploymentAvailable();
    await reconcile(key, deps);
    const before = cluster.writes.length;
    cluster.events.length = 0;

    clock = new Date('2026-03-01T12:00:00Z');
    const result = await reconcile(key, deps);
    expect(result).toMatchObject({ outcome: 'unchanged', writes: 0, applied: [], pruned: [] });
    expect(cluster.writes.length).toBe(before);
    expect(cluster.events).toEqual([]);
  });

  it('re-applies when someone changed a field we render (drift repair)', async () => {
    putCr({ by: 'a' });
    await reconcile(key, deps);
    cluster.mutate(cmRef, (cm) => {
      cm.data = { by: 'tampered' };
    });
    const result = await reconcile(key, deps);
    expect(result.outcome).toBe('applied');
    expect(cluster.find(cmRef)?.data).toEqual({ by: 'a' });
  });

  it('ignores fields others added and still skips', async () => {
    putCr({ by: 'a' });
    await reconcile(key, deps);
    cluster.mutate(cmRef, (cm) => {
      cm.metadata.annotations = { 'someone.else/note': 'hi' };
    });
    expect((await reconcile(key, deps)).writes).toBe(0);
  });

  it('re-creates an object someone deleted', async () => {
    putCr({ by: 'a' });
    await reconcile(key, deps);
    cluster.objects.delete('/ConfigMap/crew/ripley-config');
    const result = await reconcile(key, deps);
    expect(result.outcome).toBe('applied');
    expect(cluster.find(cmRef)).toBeDefined();
  });

  it('re-applies when the templates change (renderer revision)', async () => {
    putCr({ by: 'a' });
    await reconcile(key, deps);
    renderer.revision = 'rev-2';
    expect((await reconcile(key, deps)).outcome).toBe('applied');
  });
});

describe('reconcile: pruning', () => {
  it('prunes an object that is no longer rendered, in reverse order, with a uid precondition', async () => {
    putCr({ by: 'a' });
    await reconcile(key, deps);
    const uid = cluster.find(deployRef)?.metadata.uid;
    cluster.events.length = 0;
    updateSpec({ by: 'a', withDeployment: false });

    const result = await reconcile(key, deps);
    expect(result.pruned).toEqual([deployRef]);
    expect(cluster.find(deployRef)).toBeUndefined();
    expect(cluster.writesOf('delete')).toEqual([
      { op: 'delete', key: 'apps/Deployment/crew/ripley-web', uid, propagationPolicy: 'Background' },
    ]);
    expect(crStatus().resources).toEqual([cmRef]);
    expect(cluster.events.map((e) => e.reason)).toEqual(['Pruned']);
  });

  it('prunes labelled orphans missing from the inventory (an apply interrupted before its status write)', async () => {
    const cr = putCr({ by: 'a', withDeployment: false });
    cluster.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'orphan',
        namespace: 'crew',
        labels: { 'lostromos.io/owner-uid': cr.metadata.uid ?? '' },
      },
    });
    const result = await reconcile(key, deps);
    expect(result.pruned).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'crew', name: 'orphan' },
    ]);
  });

  it('never touches objects not labelled as ours, even when the inventory names them', async () => {
    putCr({ by: 'a' });
    await reconcile(key, deps);
    // Someone replaces our Deployment with their own object of the same name, then we stop rendering it.
    cluster.objects.delete('apps/Deployment/crew/ripley-web');
    cluster.put({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ripley-web', namespace: 'crew' },
    });
    cluster.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'bystander', namespace: 'crew', labels: { app: 'ripley' } },
    });
    updateSpec({ by: 'a', withDeployment: false });

    const result = await reconcile(key, deps);
    expect(result.pruned).toEqual([]);
    expect(cluster.writesOf('delete')).toEqual([]);
    expect(cluster.find(deployRef)).toBeDefined();
    expect(cluster.find({ ...cmRef, name: 'bystander' })).toBeDefined();
  });

  it('refuses to take over an existing object it did not create (OwnershipConflict), applying nothing over it', async () => {
    cluster.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ripley-config', namespace: 'crew' },
      data: { mine: 'yes' },
    });
    putCr({ by: 'a' });

    const result = await reconcile(key, deps);
    expect(result.outcome).toBe('failed-permanent');
    expect(result.error?.code).toBe('LOSTROMOS_OWNERSHIP_CONFLICT');
    expect(cluster.find(cmRef)?.data).toEqual({ mine: 'yes' });
    expect(cluster.writesOf('apply')).toEqual([]);
    expect(findCondition(crStatus().conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'OwnershipConflict',
    });
    expect(findCondition(crStatus().conditions, 'Ready')?.message).toContain(
      'ConfigMap crew/ripley-config already exists',
    );
  });
});

describe('reconcile: deletion', () => {
  it('deletes owned objects, including label-only ones in other namespaces, in reverse order, then releases the finalizer', async () => {
    deps.resource.allow = { namespaces: ['shared'] };
    putCr({
      by: 'a',
      extra: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'elsewhere', namespace: 'shared' } }],
    });
    await reconcile(key, deps);
    const elsewhere = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shared', name: 'elsewhere' };
    expect(cluster.find(elsewhere)?.metadata.ownerReferences).toBeUndefined();
    cluster.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'foreign', namespace: 'crew' } });
    cluster.events.length = 0;

    cluster.mutate(crRef, (cr) => {
      cr.metadata.deletionTimestamp = '2026-03-01T10:05:00Z';
    });
    const result = await reconcile(key, deps);

    expect(result.outcome).toBe('deleted');
    expect(result.deleted).toEqual([deployRef, elsewhere, cmRef]);
    expect(cluster.writesOf('delete').every((w) => w.uid !== undefined)).toBe(true);
    expect(cluster.find(elsewhere)).toBeUndefined();
    expect(cluster.find({ ...cmRef, name: 'foreign' })).toBeDefined();
    expect(cluster.find(crRef)).toBeUndefined(); // finalizer released, the fake API server removes it
    expect(cluster.events.map((e) => e.reason)).toEqual(['Deleted']);
  });

  it('finishes the cleanup on retry when a delete fails transiently, keeping the finalizer until then', async () => {
    putCr({ by: 'a' });
    await reconcile(key, deps);
    cluster.mutate(crRef, (cr) => {
      cr.metadata.deletionTimestamp = '2026-03-01T10:05:00Z';
    });
    cluster.failNext('delete', new PortError('etcd timeout', { retryable: true, code: 'TIMEOUT' }));
    await expect(reconcile(key, deps)).rejects.toThrow('etcd timeout');
    expect(cluster.find(crRef)?.metadata.finalizers).toEqual(['lostromos.io/cleanup']);

    expect((await reconcile(key, deps)).outcome).toBe('deleted');
    expect(cluster.find(crRef)).toBeUndefined();
    expect(cluster.find(cmRef)).toBeUndefined();
  });

  it('reports a cleanup the API server refuses permanently on the CR and keeps the finalizer', async () => {
    putCr({ by: 'a' });
    await reconcile(key, deps);
    cluster.mutate(crRef, (cr) => {
      cr.metadata.deletionTimestamp = '2026-03-01T10:05:00Z';
    });
    cluster.failNext(
      'delete',
      new PortError('deployments.apps is forbidden', { retryable: false, code: 'FORBIDDEN' }),
    );
    const result = await reconcile(key, deps);
    expect(result.error).toMatchObject({ code: 'LOSTROMOS_API_REJECTED', retryable: false });
    expect(cluster.find(crRef)?.metadata.finalizers).toEqual(['lostromos.io/cleanup']);
    const reconciled = findCondition(crStatus().conditions, 'Reconciled');
    expect(reconciled).toMatchObject({ status: 'False', reason: 'APIRejected' });
    expect(reconciled?.message).toContain('cleanup of the deleted CR is blocked');
    expect(reconciled?.message).toContain('deployments.apps is forbidden');
    expect(cluster.events.at(-1)).toMatchObject({ type: 'Warning', reason: 'APIRejected' });
  });

  it('does nothing for a CR being deleted that no longer holds our finalizer', async () => {
    putCr({ by: 'a' }, { deletionTimestamp: '2026-03-01T10:05:00Z', finalizers: ['other.io/keep'] });
    const result = await reconcile(key, deps);
    expect(result).toMatchObject({ outcome: 'deleted', writes: 0 });
  });

  it('reports a CR that no longer exists as gone without any write', async () => {
    const result = await reconcile(key, deps);
    expect(result).toEqual({ outcome: 'gone', applied: [], pruned: [], deleted: [], writes: 0 });
  });
});

describe('reconcile: paused', () => {
  it('leaves a paused CR and its objects alone and says so in status', async () => {
    putCr({ by: 'a' });
    await reconcile(key, deps);
    cluster.mutate(crRef, (cr) => {
      cr.metadata.annotations = { 'lostromos.io/paused': 'true' };
    });
    updateSpec({ by: 'b' });

    const result = await reconcile(key, deps);
    expect(result).toMatchObject({ outcome: 'paused', writes: 1 });
    expect(cluster.find(cmRef)?.data).toEqual({ by: 'a' });
    expect(findCondition(crStatus().conditions, 'Reconciled')).toMatchObject({
      status: 'False',
      reason: 'Paused',
    });
    expect(crStatus().observedGeneration).toBe(1);

    expect((await reconcile(key, deps)).writes).toBe(0);
  });
});

describe('reconcile: permanent errors', () => {
  it('turns a render error into Ready=False RenderFailed and one Warning Event, without throwing or retrying', async () => {
    renderer = new FakeRenderer(() => {
      throw new Error('templates/configmap.yaml:3: "spec.By" is required');
    });
    deps.renderer = renderer;
    putCr({ by: 'a' });

    const result = await reconcile(key, deps);
    expect(result.outcome).toBe('failed-permanent');
    expect(result.error).toMatchObject({ code: 'LOSTROMOS_RENDER_FAILED', retryable: false });
    const ready = findCondition(crStatus().conditions, 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'RenderFailed' });
    expect(ready?.message).toContain('"spec.By" is required');
    expect(cluster.events).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'RenderFailed', action: 'Reconcile' }),
    ]);

    const again = await reconcile(key, deps);
    expect(again.writes).toBe(0);
    expect(cluster.events).toHaveLength(1);
  });

  it('rejects objects outside the allow policy before applying anything', async () => {
    putCr({
      by: 'a',
      extra: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'god' } }],
    });
    const result = await reconcile(key, deps);
    expect(result.error?.code).toBe('LOSTROMOS_POLICY_VIOLATION');
    expect(cluster.writesOf('apply')).toEqual([]);
    const reconciled = findCondition(crStatus().conditions, 'Reconciled');
    expect(reconciled).toMatchObject({ status: 'False', reason: 'PolicyViolation' });
    expect(reconciled?.message).toContain('allow.clusterScoped');
  });

  it('reports a kind the API server does not serve as UnknownKind', async () => {
    putCr({ by: 'a', extra: [{ apiVersion: 'nope.io/v1', kind: 'Gizmo', metadata: { name: 'g' } }] });
    const result = await reconcile(key, deps);
    expect(result.error?.code).toBe('LOSTROMOS_UNKNOWN_KIND');
    expect(findCondition(crStatus().conditions, 'Ready')?.message).toContain('Gizmo');
  });

  it('reports an object the API server rejects permanently and keeps what was applied before it in the inventory', async () => {
    putCr({ by: 'a' });
    cluster.failNext(
      'apply',
      new PortError('Deployment.apps "ripley-web" is invalid: spec.selector: Required value', {
        retryable: false,
        code: 'INVALID',
      }),
      (k) => k.startsWith('apps/Deployment'),
    );
    const result = await reconcile(key, deps);
    expect(result.error).toMatchObject({ code: 'LOSTROMOS_APPLY_REJECTED', retryable: false });
    expect(result.error?.message).toContain('rejected Deployment crew/ripley-web');
    expect(crStatus().resources).toEqual([cmRef]);
    expect(crStatus().lastApplied).toBeUndefined();
  });

  it('recovers once the cause is fixed', async () => {
    putCr({
      by: 'a',
      extra: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'god' } }],
    });
    await reconcile(key, deps);
    updateSpec({ by: 'a' });
    const result = await reconcile(key, deps);
    expect(result.outcome).toBe('applied');
    expect(findCondition(crStatus().conditions, 'Reconciled')).toMatchObject({
      status: 'True',
      reason: 'Applied',
    });
  });
});

describe('reconcile: retryable errors', () => {
  it('propagates a retryable apply error unchanged (with retryAfterMs) and writes no status', async () => {
    putCr({ by: 'a' });
    const throttled = new PortError('429 Too Many Requests', {
      retryable: true,
      code: 'THROTTLED',
      retryAfterMs: 2000,
    });
    cluster.failNext('apply', throttled);
    await expect(reconcile(key, deps)).rejects.toBe(throttled);
    expect(cluster.writesOf('writeStatus')).toEqual([]);

    expect((await reconcile(key, deps)).outcome).toBe('applied');
  });

  it('propagates a conflict on the finalizer update', async () => {
    putCr({ by: 'a' });
    cluster.failNext('setFinalizers', new PortError('409 Conflict', { retryable: true, code: 'CONFLICT' }));
    await expect(reconcile(key, deps)).rejects.toThrow('409 Conflict');
  });

  it('propagates a retryable read error during the skip check', async () => {
    putCr({ by: 'a' });
    await reconcile(key, deps);
    cluster.failNext('getObject', new PortError('503', { retryable: true, code: 'UNAVAILABLE' }));
    await expect(reconcile(key, deps)).rejects.toThrow('503');
  });

  it('does not fail the reconcile when the Event API is down', async () => {
    putCr({ by: 'a' });
    cluster.failEvents = true;
    expect((await reconcile(key, deps)).outcome).toBe('applied');
  });
});

describe('reconcile: hooks', () => {
  it('calls the metric hooks once per object applied and pruned', async () => {
    const seen: string[] = [];
    deps.hooks = {
      onApply: (ref) => seen.push(`apply ${ref.kind}`),
      onPrune: (ref) => seen.push(`prune ${ref.kind}`),
    };
    putCr({ by: 'a' });
    await reconcile(key, deps);
    updateSpec({ by: 'a', withDeployment: false });
    await reconcile(key, deps);
    expect(seen).toEqual(['apply ConfigMap', 'apply Deployment', 'apply ConfigMap', 'prune Deployment']);
  });
});
