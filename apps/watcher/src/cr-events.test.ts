import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@lostromos/kube';
import {
  actionForPresent,
  actionForUpdate,
  addedReason,
  changedBySomeoneElse,
  countByReady,
  crKeyOf,
  inventoryKinds,
  isReleaseEvent,
  ownedChangeOf,
  ownerUidOf,
  ownerUidsOf,
  readyStateOf,
} from './cr-events.js';
import { keptOwned, writersOf } from './kept-objects.js';

const ANN = 'io.nicolerenee.lostromosApplied';
const cr = (meta: Partial<KubeObject['metadata']> = {}, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'toys.example.org/v1alpha1',
  kind: 'Gadget',
  metadata: { name: 'g', namespace: 'default', uid: 'u1', resourceVersion: '1', generation: 1, ...meta },
  spec: { size: 1 },
  ...extra,
});

describe('addedReason', () => {
  it('a CR the watch reports added is new unless it holds our finalizer (reconciled before, brought back by a relist)', () => {
    expect(addedReason(cr())).toBe('new');
    expect(addedReason(cr({ finalizers: ['example.com/other'] }))).toBe('new');
    expect(addedReason(cr({ finalizers: ['lostromos.io/cleanup'] }))).toBe('event');
  });
});

describe('filter annotation transitions', () => {
  const s = { filterAnnotation: ANN };
  it('added → enqueue (as an add), removed → enqueue (the worker deletes), absent on both → ignored', () => {
    expect(actionForUpdate(cr({ annotations: { [ANN]: 'yes' } }), cr(), s)).toBe('enqueue');
    expect(actionForUpdate(cr(), cr({ annotations: { [ANN]: 'yes' } }), s)).toBe('enqueue');
    expect(actionForUpdate(cr({ generation: 2 }), cr(), s)).toBe('ignore');
  });
  it('a present CR without the annotation is ignored unless we still hold its finalizer', () => {
    expect(actionForPresent(cr(), s)).toBe('ignore');
    expect(actionForPresent(cr({ annotations: { [ANN]: '' } }), s)).toBe('enqueue');
    expect(actionForPresent(cr({ finalizers: ['lostromos.io/cleanup'] }), s)).toBe('enqueue');
    expect(actionForPresent(cr(), { filterAnnotation: '' })).toBe('enqueue');
  });
});

describe('update predicate', () => {
  const s = { filterAnnotation: '' };
  it('ignores status-only updates (our own status writes) and reacts to spec (generation), metadata and deletion', () => {
    expect(actionForUpdate(cr({ resourceVersion: '2' }, { status: { x: 1 } }), cr(), s)).toBe('ignore');
    expect(actionForUpdate(cr({ generation: 2, resourceVersion: '2' }), cr(), s)).toBe('enqueue');
    expect(actionForUpdate(cr({ labels: { a: 'b' } }), cr(), s)).toBe('enqueue');
    expect(actionForUpdate(cr({ deletionTimestamp: '2026-01-01T00:00:00Z' }), cr(), s)).toBe('enqueue');
  });
  it('ignores the addition of our finalizer alone (our first write to a new CR), not any other change beside it', () => {
    const fin = 'lostromos.io/cleanup';
    const added = (meta: Partial<KubeObject['metadata']> = {}): KubeObject =>
      cr({ resourceVersion: '2', finalizers: [fin], managedFields: [{ manager: 'lostromos' }], ...meta });
    expect(actionForUpdate(added(), cr(), s)).toBe('ignore');
    expect(
      actionForUpdate(added({ finalizers: ['x.io/keep', fin] }), cr({ finalizers: ['x.io/keep'] }), s),
    ).toBe('ignore');
    // …with a spec change (the generation says so: the cache keeps no spec), a label or annotation change,
    // another finalizer, or a deletion in the same update: enqueue.
    expect(actionForUpdate(added({ generation: 2 }), cr(), s)).toBe('enqueue');
    expect(actionForUpdate(added({ labels: { a: 'b' } }), cr(), s)).toBe('enqueue');
    expect(actionForUpdate(added({ annotations: { 'lostromos.io/paused': 'true' } }), cr(), s)).toBe(
      'enqueue',
    );
    expect(actionForUpdate(added({ finalizers: ['x.io/other', fin] }), cr(), s)).toBe('enqueue');
    expect(actionForUpdate(added({ deletionTimestamp: '2026-01-01T00:00:00Z' }), cr(), s)).toBe('enqueue');
    // Someone else's finalizer added, or ours removed (we must put it back): enqueue.
    expect(actionForUpdate(cr({ finalizers: ['x.io/other'] }), cr(), s)).toBe('enqueue');
    expect(actionForUpdate(cr({ resourceVersion: '3' }), added(), s)).toBe('enqueue');
  });
});

describe('owned objects', () => {
  it('find the owner uid by label, then controller owner reference', () => {
    expect(ownerUidOf(cr({ labels: { 'lostromos.io/owner-uid': 'abc' } }))).toBe('abc');
    expect(
      ownerUidOf(
        cr({ ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'def', controller: true }] }),
      ),
    ).toBe('def');
    expect(ownerUidOf(cr())).toBeUndefined();
  });
  it('finds the owner even when someone removed or overwrote the owner-uid label', () => {
    const owned = cr({ labels: { 'lostromos.io/owner-uid': 'u-owner' } });
    const stripped = cr({ labels: {} });
    const overwritten = cr({ labels: { 'lostromos.io/owner-uid': 'u-other' } });
    expect(ownerUidsOf(stripped, owned)).toEqual(['u-owner']);
    expect(ownerUidsOf(overwritten, owned)).toEqual(['u-other', 'u-owner']);
    const withRef = cr({
      labels: {},
      ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u-ref', controller: true }],
    });
    expect(ownerUidsOf(withRef)).toEqual(['u-ref']);
  });
  it('skip our own apply, react to others and to status writes (which leave our entry as it was)', () => {
    const mf = (manager: string, operation: string, time: string) => ({ manager, operation, time });
    const T9 = '2026-01-01T00:00:09Z';
    const ours = cr({
      managedFields: [
        mf('kubectl', 'Update', '2026-01-01T00:00:00Z'),
        mf('lostromos', 'Apply', '2026-01-01T00:00:05Z'),
      ],
    });
    const theirs = cr({
      managedFields: [
        mf('lostromos', 'Apply', '2026-01-01T00:00:05Z'),
        mf('kubectl', 'Update', '2026-01-01T00:00:09Z'),
      ],
    });
    const before = cr({
      managedFields: [
        mf('kubectl', 'Update', '2026-01-01T00:00:00Z'),
        mf('lostromos', 'Apply', '2026-01-01T00:00:01Z'),
      ],
    });
    const changed = (now: KubeObject, old: KubeObject): boolean =>
      changedBySomeoneElse(writersOf(now), writersOf(old));
    expect(changed(ours, before)).toBe(false);
    expect(changed(theirs, before)).toBe(true);
    // A status write in the same second as the writer's previous one: no entry moved, so it cannot be ours.
    expect(changed({ ...ours, metadata: { ...ours.metadata, resourceVersion: '2' } }, ours)).toBe(true);
    // A controller's status write in a new second re-stamps its own entry.
    const status = cr({
      managedFields: [
        ...(ours.metadata.managedFields as unknown[]),
        { ...mf('kcm', 'Update', T9), subresource: 'status' },
      ],
    });
    expect(changed(status, ours)).toBe(true);
    expect(changed(cr(), cr())).toBe(true);
  });
  it('tells edits apart within one second, as a real API server stamps managedFields (whole seconds)', () => {
    const T = '2026-01-01T00:00:05Z';
    const e = (manager: string, operation: string, time: string, fields: unknown) => ({
      manager,
      operation,
      time,
      fieldsV1: fields,
    });
    const changed = (now: KubeObject, old: KubeObject): boolean =>
      changedBySomeoneElse(writersOf(now), writersOf(old));
    const applied = { 'f:data': { 'f:from': {}, 'f:name': {} } };
    // The server lists Apply entries first: an edit in the same second as our apply is not "older".
    const ourApply = cr({ resourceVersion: '2', managedFields: [e('lostromos', 'Apply', T, applied)] });
    const edited = cr({
      resourceVersion: '3',
      managedFields: [
        e('lostromos', 'Apply', T, { 'f:data': { 'f:name': {} } }),
        e('tamper', 'Update', T, { 'f:data': { 'f:from': {} } }),
      ],
    });
    expect(changed(edited, ourApply)).toBe(true);
    // A second edit by the same manager in the same second changes only the object, not the entries…
    expect(changed({ ...edited, metadata: { ...edited.metadata, resourceVersion: '4' } }, edited)).toBe(true);
    // …our re-apply takes the field back: our entry grows, theirs goes.
    const repaired = cr({ resourceVersion: '5', managedFields: [e('lostromos', 'Apply', T, applied)] });
    expect(changed(repaired, edited)).toBe(true); // conservative: their entry vanished
    expect(changed(repaired, ourApply)).toBe(true); // nothing in managedFields moved: unknown
    // A removal of one of our fields (no entry of their own) shrinks our entry without re-stamping it.
    const removed = cr({
      resourceVersion: '6',
      managedFields: [e('lostromos', 'Apply', T, { 'f:data': { 'f:name': {} } })],
    });
    expect(changed(removed, ourApply)).toBe(true);
    // Our apply a second later re-stamps our entry: ours.
    const later = cr({
      resourceVersion: '7',
      managedFields: [e('lostromos', 'Apply', '2026-01-01T00:00:06Z', applied)],
    });
    expect(changed(later, ourApply)).toBe(false);
  });
  it('a kind with readiness: a status write matters only when it changes the verdict; drift only when our fields move', () => {
    const T1 = '2026-01-01T00:00:01Z';
    const T2 = '2026-01-01T00:00:02Z';
    const applied = { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } };
    const deploy = (managedFields: unknown[], status?: Record<string, unknown>, rv = '1') =>
      keptOwned({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: 'd',
          namespace: 'default',
          uid: 'd1',
          resourceVersion: rv,
          generation: 1,
          managedFields,
        },
        spec: { replicas: 0 },
        ...(status ? { status } : {}),
      });
    const ours = { manager: 'lostromos', operation: 'Apply', time: T1, fieldsV1: applied };
    const kcm = (time: string, fieldsV1: unknown = { 'f:status': {} }) => ({
      manager: 'kube-controller-manager',
      operation: 'Update',
      subresource: 'status',
      time,
      fieldsV1,
    });
    const available = {
      observedGeneration: 1,
      conditions: [{ type: 'Available', status: 'True' }],
    };
    const created = deploy([ours]);
    expect(created.readiness).toMatch(/^in-progress: Deployment.* has not observed generation 1/);
    // kube-controller-manager's revision annotation on the main resource: fields beside ours, same verdict.
    const annotated = deploy(
      [
        ours,
        { manager: 'kube-controller-manager', operation: 'Update', time: T1, fieldsV1: { 'f:metadata': {} } },
      ],
      undefined,
      '2',
    );
    expect(ownedChangeOf(annotated, created)).toBeUndefined();
    expect(changedBySomeoneElse(annotated.writers, created.writers)).toBe(true); // what it used to cost
    // Its first status write makes the Deployment Available: the one re-check worth running.
    const first = deploy([ours, kcm(T1)], available, '3');
    expect(first.readiness).toBe('ready');
    expect(ownedChangeOf(first, annotated)).toBe('readiness');
    // Its next status write (another second, other fields) leaves the verdict as it was: nothing to do.
    const second = deploy([ours, kcm(T2, { 'f:status': { 'f:conditions': {} } })], available, '4');
    expect(ownedChangeOf(second, first)).toBeUndefined();
    // Someone scales it (takes spec.replicas from us): drift, whatever the status says.
    const scaled = deploy(
      [
        { ...ours, fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } } } },
        kcm(T2),
        { manager: 'kubectl', operation: 'Update', time: T2, fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
      ],
      available,
      '5',
    );
    expect(ownedChangeOf(scaled, second)).toBe('drift');
    // Our entry gone (every field of ours taken or removed), or no managedFields at all: cannot be told, so yes.
    expect(ownedChangeOf(deploy([kcm(T2)], available, '6'), second)).toBe('drift');
    expect(ownedChangeOf(deploy([], available, '7'), second)).toBe('drift');
    // Our own apply re-stamping our entry: ours — even when it moves the verdict (a Deployment's annotation
    // change bumps its generation, not observed yet): the reconcile that applied it read that verdict already.
    expect(ownedChangeOf(deploy([{ ...ours, time: T2 }, kcm(T2)], available, '8'), second)).toBeUndefined();
    const T3 = '2026-01-01T00:00:03Z';
    const reapplied = deploy(
      [{ ...ours, time: T3 }, kcm(T2, { 'f:status': { 'f:conditions': {} } })],
      undefined,
      '9',
    );
    expect(reapplied.readiness).not.toBe(second.readiness);
    expect(ownedChangeOf(reapplied, second)).toBeUndefined();
    // …and the controller's write that catches up moves it back: that one is news.
    expect(ownedChangeOf(deploy([{ ...ours, time: T3 }, kcm(T3)], available, '10'), reapplied)).toBe(
      'readiness',
    );
    // A status-less kind keeps the conservative rule: any other writer's entry moving counts.
    const cm = (managedFields: unknown[]) =>
      keptOwned({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'c', namespace: 'default', uid: 'c1', managedFields },
      });
    const cmOurs = cm([ours]);
    expect(cmOurs.readiness).toBeUndefined();
    const cmAnnotated = cm([ours, { manager: 'kubectl', operation: 'Update', time: T2, fieldsV1: {} }]);
    expect(ownedChangeOf(cmAnnotated, cmOurs)).toBe('drift');
  });
  it('lists the inventory kinds once each', () => {
    const withInv = cr(
      {},
      {
        status: {
          resources: [
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'a' },
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'b' },
            { apiVersion: 'apps/v1', kind: 'Deployment', name: 'c' },
          ],
        },
      },
    );
    expect(inventoryKinds(withInv)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap' },
      { apiVersion: 'apps/v1', kind: 'Deployment' },
    ]);
    expect(crKeyOf({ group: 'toys.example.org', plural: 'gadgets' }, cr())).toBe(
      'toys.example.org/gadgets/default/g',
    );
  });
});

describe('managed CRs for the metrics', () => {
  const s = { filterAnnotation: ANN };
  const withReady = (status?: string): KubeObject =>
    cr(
      { annotations: { [ANN]: 'yes' } },
      status === undefined ? {} : { status: { conditions: [{ type: 'Ready', status }] } },
    );
  it('reads the Ready condition as true, false or unknown', () => {
    expect(readyStateOf(withReady('True'))).toBe('true');
    expect(readyStateOf(withReady('False'))).toBe('false');
    expect(readyStateOf(withReady('Unknown'))).toBe('unknown');
    expect(readyStateOf(withReady())).toBe('unknown');
    expect(readyStateOf(cr({}, { status: { conditions: 'garbage' } }))).toBe('unknown');
  });
  it('counts only managed CRs (filter annotation or our finalizer), every state present', () => {
    const crs = [
      withReady('True'),
      withReady('True'),
      withReady('False'),
      cr(), // not opted in: not managed
      cr({ finalizers: ['lostromos.io/cleanup'] }), // opted out while we hold the finalizer: still managed
    ];
    expect(countByReady(crs, s)).toEqual({ true: 2, false: 1, unknown: 1 });
    expect(countByReady([], s)).toEqual({ true: 0, false: 0, unknown: 0 });
    expect(countByReady([cr()], { filterAnnotation: '' })).toEqual({ true: 0, false: 0, unknown: 1 });
  });
  it('counts informer notifications about managed CRs as release events, filter transitions included', () => {
    const opted = cr({ annotations: { [ANN]: 'yes' } });
    expect(isReleaseEvent(opted, undefined, s)).toBe(true);
    expect(isReleaseEvent(cr(), undefined, s)).toBe(false);
    expect(isReleaseEvent(cr(), opted, s)).toBe(true); // annotation removed
    expect(isReleaseEvent(opted, cr(), s)).toBe(true); // annotation added
    expect(isReleaseEvent(cr({ generation: 2 }), cr(), s)).toBe(false);
  });
});
