import { beforeEach, describe, expect, it } from 'vitest';
import { reconcile } from './reconcile.js';
import { findCondition } from './status.js';
import { FakeRenderer, PortError } from './testing/fake-cluster.js';
import { cmRef, crRef, deployRef, key, Scenario } from './testing/scenario.js';

let s: Scenario;
beforeEach(() => {
  s = new Scenario();
});
describe('reconcile: pruning', () => {
  it('prunes an object that is no longer rendered, in reverse order, with a uid precondition', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    const uid = s.cluster.find(deployRef)?.metadata.uid;
    s.cluster.events.length = 0;
    s.updateSpec({ by: 'a', withDeployment: false });

    const result = await reconcile(key, s.deps);
    expect(result.pruned).toEqual([deployRef]);
    expect(s.cluster.find(deployRef)).toBeUndefined();
    expect(s.cluster.writesOf('delete')).toEqual([
      { op: 'delete', key: 'apps/Deployment/crew/ripley-web', uid, propagationPolicy: 'Background' },
    ]);
    expect(s.inventoryRefs()).toEqual([cmRef]);
    expect(s.cluster.events.map((e) => e.reason)).toEqual(['Pruned']);
  });

  it('prunes labelled orphans missing from the inventory (an apply interrupted before its status write)', async () => {
    // The orphan is what an apply interrupted before its status write leaves: applied, in no inventory. The CR
    // holds our finalizer then (it always comes before any apply).
    const cr = s.putCr({ by: 'a', withDeployment: false }, { finalizers: ['lostromos.io/cleanup'] });
    s.cluster.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'orphan',
        namespace: 'crew',
        labels: { 'lostromos.io/owner-uid': cr.metadata.uid ?? '' },
      },
    });
    const result = await reconcile(key, s.deps);
    expect(result.pruned).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'crew', name: 'orphan' },
    ]);
  });

  it('prunes what an interrupted first apply left behind once the CR no longer renders it', async () => {
    const extraRef = { ...cmRef, name: 'ripley-extra' };
    const extra = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ripley-extra' } };
    s.putCr({ by: 'a', extra: [extra] });
    s.cluster.failNext('writeStatus', new PortError('503', { retryable: true, code: 'UNAVAILABLE' }));
    await expect(reconcile(key, s.deps)).rejects.toThrow('503');
    expect(s.cluster.find(extraRef)).toBeDefined();
    expect(s.crStatus().resources).toBeUndefined();

    s.updateSpec({ by: 'a' });
    const result = await reconcile(key, s.deps);
    expect(result.pruned).toEqual([extraRef]);
    expect(s.cluster.find(extraRef)).toBeUndefined();
  });

  it('lists nothing to prune for a CR seen for the first time, nor once an apply recorded a tracked inventory', async () => {
    const listed: string[] = [];
    const listOwned = s.cluster.listOwned.bind(s.cluster);
    s.cluster.listOwned = (kind, uid, ns) => {
      listed.push(kind.kind);
      return listOwned(kind, uid, ns);
    };
    s.putCr({ by: 'a' });
    expect((await reconcile(key, s.deps)).outcome).toBe('applied');
    expect(listed).toEqual([]);
    // Later applies do not either: from now on every object is recorded before its first apply (write-ahead).
    s.updateSpec({ by: 'b' });
    await reconcile(key, s.deps);
    s.updateSpec({ by: 'b', extra: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }] });
    await reconcile(key, s.deps);
    expect(listed).toEqual([]);
  });

  it('never touches objects not labelled as ours, even when the inventory names them', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    // Someone replaces our Deployment with their own object of the same name, then we stop rendering it.
    s.cluster.objects.delete('apps/Deployment/crew/ripley-web');
    s.cluster.put({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ripley-web', namespace: 'crew' },
    });
    s.cluster.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'bystander', namespace: 'crew', labels: { app: 'ripley' } },
    });
    s.updateSpec({ by: 'a', withDeployment: false });

    const result = await reconcile(key, s.deps);
    expect(result.pruned).toEqual([]);
    expect(s.cluster.writesOf('delete')).toEqual([]);
    expect(s.cluster.find(deployRef)).toBeDefined();
    expect(s.cluster.find({ ...cmRef, name: 'bystander' })).toBeDefined();
  });

  it('refuses to take over an existing object it did not create (OwnershipConflict), applying nothing over it', async () => {
    s.cluster.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ripley-config', namespace: 'crew' },
      data: { mine: 'yes' },
    });
    s.putCr({ by: 'a' });

    const result = await reconcile(key, s.deps);
    expect(result.outcome).toBe('failed-permanent');
    expect(result.error?.code).toBe('LZ_OWNERSHIP_CONFLICT');
    expect(s.cluster.find(cmRef)?.data).toEqual({ mine: 'yes' });
    expect(s.cluster.writesOf('apply')).toEqual([]);
    expect(findCondition(s.crStatus().conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'OwnershipConflict',
    });
    expect(findCondition(s.crStatus().conditions, 'Ready')?.message).toContain(
      'ConfigMap crew/ripley-config already exists',
    );
  });
});

describe('reconcile: deletion', () => {
  it('deletes owned objects, including label-only ones in other namespaces, in reverse order, then releases the finalizer', async () => {
    s.deps.resource.allow = { namespaces: ['shared'] };
    s.putCr({
      by: 'a',
      extra: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'elsewhere', namespace: 'shared' } }],
    });
    await reconcile(key, s.deps);
    const elsewhere = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shared', name: 'elsewhere' };
    expect(s.cluster.find(elsewhere)?.metadata.ownerReferences).toBeUndefined();
    s.cluster.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'foreign', namespace: 'crew' } });
    s.cluster.events.length = 0;

    s.cluster.mutate(crRef, (cr) => {
      cr.metadata.deletionTimestamp = '2026-03-01T10:05:00Z';
    });
    const result = await reconcile(key, s.deps);

    expect(result.outcome).toBe('deleted');
    expect(result.deleted).toEqual([deployRef, elsewhere, cmRef]);
    expect(s.cluster.writesOf('delete').every((w) => w.uid !== undefined)).toBe(true);
    expect(s.cluster.find(elsewhere)).toBeUndefined();
    expect(s.cluster.find({ ...cmRef, name: 'foreign' })).toBeDefined();
    expect(s.cluster.find(crRef)).toBeUndefined(); // finalizer released, the fake API server removes it
    expect(s.cluster.events.map((e) => e.reason)).toEqual(['Deleted']);
  });

  it('finishes the cleanup on retry when a delete fails transiently, keeping the finalizer until then', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    s.cluster.mutate(crRef, (cr) => {
      cr.metadata.deletionTimestamp = '2026-03-01T10:05:00Z';
    });
    s.cluster.failNext('delete', new PortError('etcd timeout', { retryable: true, code: 'TIMEOUT' }));
    await expect(reconcile(key, s.deps)).rejects.toThrow('etcd timeout');
    expect(s.cluster.find(crRef)?.metadata.finalizers).toEqual(['lostromos.io/cleanup']);

    expect((await reconcile(key, s.deps)).outcome).toBe('deleted');
    expect(s.cluster.find(crRef)).toBeUndefined();
    expect(s.cluster.find(cmRef)).toBeUndefined();
  });

  it('reports a cleanup the API server refuses permanently on the CR and keeps the finalizer', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    s.cluster.mutate(crRef, (cr) => {
      cr.metadata.deletionTimestamp = '2026-03-01T10:05:00Z';
    });
    s.cluster.failNext(
      'delete',
      new PortError('deployments.apps is forbidden', { retryable: false, code: 'FORBIDDEN' }),
    );
    const result = await reconcile(key, s.deps);
    expect(result.error).toMatchObject({ code: 'LZ_API_REJECTED', retryable: false });
    expect(s.cluster.find(crRef)?.metadata.finalizers).toEqual(['lostromos.io/cleanup']);
    const reconciled = findCondition(s.crStatus().conditions, 'Reconciled');
    expect(reconciled).toMatchObject({ status: 'False', reason: 'APIRejected' });
    expect(reconciled?.message).toContain('cleanup of the deleted CR is blocked');
    expect(reconciled?.message).toContain('deployments.apps is forbidden');
    expect(s.cluster.events.at(-1)).toMatchObject({ type: 'Warning', reason: 'APIRejected' });
  });

  it('does nothing for a CR being deleted that no longer holds our finalizer', async () => {
    s.putCr({ by: 'a' }, { deletionTimestamp: '2026-03-01T10:05:00Z', finalizers: ['other.io/keep'] });
    const result = await reconcile(key, s.deps);
    expect(result).toMatchObject({ outcome: 'deleted', writes: 0 });
  });

  it('reports a CR that no longer exists as gone without any write', async () => {
    const result = await reconcile(key, s.deps);
    expect(result).toEqual({
      outcome: 'gone',
      applied: [],
      created: [],
      updated: [],
      pruned: [],
      deleted: [],
      writes: 0,
    });
  });
});

describe('reconcile: paused', () => {
  it('leaves a paused CR and its objects alone and says so in status', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    s.cluster.mutate(crRef, (cr) => {
      cr.metadata.annotations = { 'lostromos.io/paused': 'true' };
    });
    s.updateSpec({ by: 'b' });

    const result = await reconcile(key, s.deps);
    expect(result).toMatchObject({ outcome: 'paused', writes: 1 });
    expect(s.cluster.find(cmRef)?.data).toEqual({ by: 'a' });
    expect(findCondition(s.crStatus().conditions, 'Reconciled')).toMatchObject({
      status: 'False',
      reason: 'Paused',
    });
    expect(s.crStatus().observedGeneration).toBe(1);

    expect((await reconcile(key, s.deps)).writes).toBe(0);
  });
});

describe('reconcile: paused annotation values', () => {
  it('pauses on "TRUE" (any letter case) and reports a value it does not understand instead of ignoring it', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    s.cluster.mutate(crRef, (cr) => {
      cr.metadata.annotations = { 'lostromos.io/paused': 'TRUE' };
    });
    expect((await reconcile(key, s.deps)).outcome).toBe('paused');
    s.cluster.mutate(crRef, (cr) => {
      cr.metadata.annotations = { 'lostromos.io/paused': 'yes' };
    });
    const result = await reconcile(key, s.deps);
    expect(result.outcome).toBe('failed-permanent');
    expect(result.error).toMatchObject({ code: 'LZ_INVALID_ANNOTATION' });
    const reconciled = findCondition(s.crStatus().conditions, 'Reconciled');
    expect(reconciled).toMatchObject({ status: 'False', reason: 'InvalidAnnotation' });
    expect(reconciled?.message).toContain('lostromos.io/paused="yes" is not understood');
  });
});

describe('reconcile: opt-in annotation (filterAnnotation)', () => {
  it('ignores a CR that never opted in, and cleans up one that opted out while holding our finalizer', async () => {
    s.deps.resource = { ...s.deps.resource, filterAnnotation: 'example.io/managed' };
    s.putCr({ by: 'a' });
    expect((await reconcile(key, s.deps)).outcome).toBe('gone');
    expect(s.cluster.find(cmRef)).toBeUndefined();
    s.cluster.mutate(crRef, (cr) => {
      cr.metadata.annotations = { 'example.io/managed': 'yes' };
    });
    expect((await reconcile(key, s.deps)).outcome).toBe('applied');
    expect(s.cluster.find(cmRef)?.data).toEqual({ by: 'a' });
    s.cluster.mutate(crRef, (cr) => {
      cr.metadata.annotations = {};
    });
    expect((await reconcile(key, s.deps)).outcome).toBe('deleted');
    expect(s.cluster.find(cmRef)).toBeUndefined();
    expect(s.cluster.find(crRef)?.metadata.finalizers ?? []).not.toContain('lostromos.io/cleanup');
  });
});

describe('reconcile: permanent errors', () => {
  it('turns a render error into Ready=False RenderFailed and one Warning Event, without throwing or retrying', async () => {
    s.deps.renderer = new FakeRenderer(() => {
      throw new Error('templates/configmap.yaml:3: "spec.By" is required');
    });
    s.putCr({ by: 'a' });

    const result = await reconcile(key, s.deps);
    expect(result.outcome).toBe('failed-permanent');
    expect(result.error).toMatchObject({ code: 'LZ_RENDER_FAILED', retryable: false });
    const ready = findCondition(s.crStatus().conditions, 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'RenderFailed' });
    expect(ready?.message).toContain('"spec.By" is required');
    expect(s.cluster.events).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'RenderFailed', action: 'Reconcile' }),
    ]);

    const again = await reconcile(key, s.deps);
    expect(again.writes).toBe(0);
    expect(s.cluster.events).toHaveLength(1);
  });

  it('rejects objects outside the allow policy before applying anything', async () => {
    s.putCr({
      by: 'a',
      extra: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'god' } }],
    });
    const result = await reconcile(key, s.deps);
    expect(result.error?.code).toBe('LZ_POLICY_VIOLATION');
    expect(s.cluster.writesOf('apply')).toEqual([]);
    const reconciled = findCondition(s.crStatus().conditions, 'Reconciled');
    expect(reconciled).toMatchObject({ status: 'False', reason: 'PolicyViolation' });
    expect(reconciled?.message).toContain('allow.clusterScoped');
  });

  it("reports two objects that become one once namespaces are set as RenderFailed, with render's duplicate code", async () => {
    s.putCr({
      by: 'a',
      extra: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'ripley-config', namespace: 'crew' },
          data: { by: 'twice' },
        },
      ],
    });
    const result = await reconcile(key, s.deps);
    expect(result.error).toMatchObject({ code: 'LZ_RENDER_FAILED', reason: 'RenderFailed' });
    expect(result.error?.message).toContain(
      'rendering Character crew/ripley failed: ConfigMap ripley-config in namespace crew is rendered twice',
    );
    expect(s.cluster.writesOf('apply')).toEqual([]);
  });

  it('reports a kind the API server does not serve as UnknownKind', async () => {
    s.putCr({ by: 'a', extra: [{ apiVersion: 'nope.io/v1', kind: 'Gizmo', metadata: { name: 'g' } }] });
    const result = await reconcile(key, s.deps);
    expect(result.error?.code).toBe('LZ_UNKNOWN_KIND');
    expect(findCondition(s.crStatus().conditions, 'Ready')?.message).toContain('Gizmo');
  });

  it('reports an object the API server rejects permanently and keeps what was applied before it in the inventory', async () => {
    s.putCr({ by: 'a' });
    s.cluster.failNext(
      'apply',
      new PortError('Deployment.apps "ripley-web" is invalid: spec.selector: Required value', {
        retryable: false,
        code: 'INVALID',
      }),
      (k) => k.startsWith('apps/Deployment'),
    );
    const result = await reconcile(key, s.deps);
    expect(result.error).toMatchObject({ code: 'LZ_APPLY_REJECTED', retryable: false });
    expect(result.error?.message).toContain('rejected Deployment crew/ripley-web');
    expect(s.inventoryRefs()).toEqual([cmRef]);
    expect(s.crStatus().lastApplied).toBeUndefined();
  });

  it('recovers once the cause is fixed', async () => {
    s.putCr({
      by: 'a',
      extra: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'god' } }],
    });
    await reconcile(key, s.deps);
    s.updateSpec({ by: 'a' });
    const result = await reconcile(key, s.deps);
    expect(result.outcome).toBe('applied');
    expect(findCondition(s.crStatus().conditions, 'Reconciled')).toMatchObject({
      status: 'True',
      reason: 'Applied',
    });
  });
});

describe('reconcile: retryable errors', () => {
  it('propagates a retryable apply error unchanged (with retryAfterMs) and writes no status', async () => {
    s.putCr({ by: 'a' });
    const throttled = new PortError('429 Too Many Requests', {
      retryable: true,
      code: 'THROTTLED',
      retryAfterMs: 2000,
    });
    s.cluster.failNext('apply', throttled);
    await expect(reconcile(key, s.deps)).rejects.toBe(throttled);
    expect(s.cluster.writesOf('writeStatus')).toEqual([]);

    expect((await reconcile(key, s.deps)).outcome).toBe('applied');
  });

  it('propagates a conflict on the finalizer update', async () => {
    s.putCr({ by: 'a' });
    s.cluster.failNext('setFinalizers', new PortError('409 Conflict', { retryable: true, code: 'CONFLICT' }));
    await expect(reconcile(key, s.deps)).rejects.toThrow('409 Conflict');
  });

  it('propagates a retryable read error during the skip check', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    s.cluster.failNext('getObject', new PortError('503', { retryable: true, code: 'UNAVAILABLE' }));
    await expect(reconcile(key, s.deps)).rejects.toThrow('503');
  });

  it('does not fail the reconcile when the Event API is down', async () => {
    s.putCr({ by: 'a' });
    s.cluster.failEvents = true;
    expect((await reconcile(key, s.deps)).outcome).toBe('applied');
  });
});

describe('reconcile: every permanent failure is reported on the CR (one path)', () => {
  const forbidden = (what: string): PortError =>
    new PortError(`PATCH ${what}: 403 forbidden: User "lostromos" cannot patch`, {
      retryable: false,
      code: 'FORBIDDEN',
    });

  it('reports a refused finalizer (403) as APIRejected with status and one Warning Event, applying nothing', async () => {
    s.putCr({ by: 'a' });
    s.cluster.failNext('setFinalizers', forbidden('characters/ripley'));
    const result = await reconcile(key, s.deps);
    expect(result).toMatchObject({
      outcome: 'failed-permanent',
      error: { code: 'LZ_API_REJECTED', reason: 'APIRejected', retryable: false },
    });
    expect(result.error?.message).toContain('cannot add the lostromos.io/cleanup finalizer');
    expect(result.error?.message).toContain('403 forbidden');
    expect(result.error?.message).toContain('patch characters.stable.example.io');
    expect(s.cluster.writesOf('apply')).toEqual([]);
    expect(findCondition(s.crStatus().conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'APIRejected',
    });
    expect(s.cluster.events).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'APIRejected', action: 'Reconcile' }),
    ]);
  });

  it('reports a finalizer patch the API server finds invalid (422) the same way', async () => {
    s.putCr({ by: 'a' });
    s.cluster.failNext(
      'setFinalizers',
      new PortError('metadata.finalizers: Invalid value: denied by a webhook', {
        retryable: false,
        code: 'INVALID',
      }),
    );
    const result = await reconcile(key, s.deps);
    expect(result.outcome).toBe('failed-permanent');
    expect(result.error?.message).toContain('denied by a webhook');
    expect(findCondition(s.crStatus().conditions, 'Reconciled')?.reason).toBe('APIRejected');
    expect(s.cluster.events.map((e) => e.type)).toEqual(['Warning']);
  });

  it('reports a status write refused after the apply: the Warning Event tells it, once, and nothing throws', async () => {
    s.putCr({ by: 'a' });
    // The status write of the apply, and the one of the failure report.
    s.cluster.failNext('writeStatus', forbidden('characters/ripley/status'));
    s.cluster.failNext('writeStatus', forbidden('characters/ripley/status'));
    const result = await reconcile(key, s.deps);
    expect(result.outcome).toBe('failed-permanent');
    expect(result.applied).toEqual([cmRef, deployRef]);
    expect(result.error).toMatchObject({ code: 'LZ_API_REJECTED' });
    expect(result.error?.message).toMatch(/^cannot write the CR's status: PATCH characters\/ripley\/status/);
    expect(result.error?.message).not.toContain('(and ');
    const warning = s.cluster.events.find((e) => e.type === 'Warning');
    expect(warning).toMatchObject({ reason: 'APIRejected', message: result.error?.message });
  });

  it('tells a failure whose report cannot be written to status with the Event, naming both', async () => {
    s.deps.renderer = new FakeRenderer(() => {
      throw new Error('templates/configmap.yaml:3: "spec.By" is required');
    });
    s.putCr({ by: 'a' });
    s.cluster.failNext('writeStatus', forbidden('characters/ripley/status'));
    const result = await reconcile(key, s.deps);
    expect(result.error).toMatchObject({ code: 'LZ_RENDER_FAILED', reason: 'RenderFailed' });
    expect(result.error?.message).toContain('"spec.By" is required');
    expect(result.error?.message).toContain("(and cannot write the CR's status");
    expect(s.cluster.events).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'RenderFailed', message: result.error?.message }),
    ]);
  });

  it('reports a paused CR whose status cannot be written', async () => {
    s.putCr({ by: 'a' }, { annotations: { 'lostromos.io/paused': 'true' } });
    s.cluster.failNext('writeStatus', forbidden('characters/ripley/status'));
    const result = await reconcile(key, s.deps);
    expect(result.outcome).toBe('failed-permanent');
    expect(s.cluster.writesOf('apply')).toEqual([]);
    expect(s.cluster.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'APIRejected' })]);
  });

  it('reports a refused release of the finalizer as a blocked cleanup', async () => {
    s.putCr({ by: 'a' });
    await reconcile(key, s.deps);
    s.cluster.mutate(crRef, (cr) => {
      cr.metadata.deletionTimestamp = '2026-03-01T10:05:00Z';
    });
    s.cluster.failNext('setFinalizers', forbidden('characters/ripley'));
    const result = await reconcile(key, s.deps);
    expect(result.outcome).toBe('failed-permanent');
    expect(result.error?.message).toContain('cleanup of the deleted CR is blocked');
    expect(s.cluster.find(crRef)?.metadata.finalizers).toEqual(['lostromos.io/cleanup']);
    expect(findCondition(s.crStatus().conditions, 'Reconciled')?.reason).toBe('APIRejected');
  });

  it('lets only a CR that cannot be read escape: there is no status to write and nothing to attach an Event to', async () => {
    s.putCr({ by: 'a' });
    const refused = forbidden('characters/ripley');
    s.cluster.failNext('getCr', refused);
    await expect(reconcile(key, s.deps)).rejects.toBe(refused);
    expect(s.cluster.writes).toEqual([]);
    expect(s.cluster.events).toEqual([]);
  });
});
