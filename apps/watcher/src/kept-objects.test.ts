import type { KubeObject } from '@lostromos/kube';
import { statusOf } from '@lostromos/reconcile';
import { describe, expect, it } from 'vitest';
import { actionForUpdate, isManaged, ownerUidsOf, readyStateOf } from './cr-events.js';
import { keptCr, keptOwned, writersOf } from './kept-objects.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A CR as a real API server sends it after a few reconciles. */
const wholeCr = (meta: Partial<KubeObject['metadata']> = {}, extra: Record<string, unknown> = {}) =>
  ({
    apiVersion: 'toys.example.org/v1',
    kind: 'Gadget',
    metadata: {
      name: 'g',
      generateName: 'g-',
      namespace: 'default',
      uid: 'u-1',
      resourceVersion: '41',
      generation: 3,
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { team: 'a' },
      annotations: { [LAST_APPLIED]: '{"apiVersion":"toys.example.org/v1","spec":{"size":3}}', note: 'x' },
      finalizers: ['lostromos.io/cleanup'],
      managedFields: [
        { manager: 'kubectl', operation: 'Update', time: '2026-01-01T00:00:00Z', fieldsV1: { 'f:spec': {} } },
      ],
      ...meta,
    },
    spec: { size: 3, big: 'x'.repeat(1000) },
    status: {
      observedGeneration: 3,
      templateRevision: 'abc123',
      conditions: [
        { type: 'Reconciled', status: 'True', reason: 'Applied', message: 'ok', lastTransitionTime: 't' },
        {
          type: 'Ready',
          status: 'False',
          reason: 'Waiting',
          message: 'Deployment/g waits',
          lastTransitionTime: 't',
        },
      ],
      resources: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'g' }],
      lastApplied: { renderHash: 'h', generation: 3 },
    },
    ...extra,
  }) as KubeObject;

describe('keptCr: what the watcher keeps of a CR', () => {
  it('keeps metadata that can trigger a reconcile and the Ready condition and template revision; drops the rest', () => {
    const whole = wholeCr();
    const before = JSON.stringify(whole);
    expect(keptCr(whole)).toEqual({
      apiVersion: 'toys.example.org/v1',
      kind: 'Gadget',
      metadata: {
        name: 'g',
        namespace: 'default',
        uid: 'u-1',
        resourceVersion: '41',
        generation: 3,
        labels: { team: 'a' },
        annotations: { note: 'x' },
        finalizers: ['lostromos.io/cleanup'],
      },
      status: {
        templateRevision: 'abc123',
        conditions: [{ type: 'Ready', status: 'False', message: 'Deployment/g waits' }],
      },
    });
    expect(JSON.stringify(whole)).toBe(before); // the object it was given is left alone
  });

  it('keeps deletionTimestamp and owner references, and leaves out what is empty', () => {
    const kept = keptCr({
      apiVersion: 'v1',
      kind: 'Gadget',
      metadata: {
        name: 'g',
        deletionTimestamp: '2026-01-02T00:00:00Z',
        ownerReferences: [{ apiVersion: 'v1', kind: 'P', name: 'p', uid: 'u-p' }],
        annotations: { [LAST_APPLIED]: '{}' },
      },
      spec: { size: 1 },
      status: { conditions: [{ type: 'Ready', status: 'True' }], resources: [] },
    });
    expect(kept).toEqual({
      apiVersion: 'v1',
      kind: 'Gadget',
      metadata: {
        name: 'g',
        deletionTimestamp: '2026-01-02T00:00:00Z',
        ownerReferences: [{ apiVersion: 'v1', kind: 'P', name: 'p', uid: 'u-p' }],
      },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect(keptCr({ apiVersion: 'v1', kind: 'Gadget', metadata: { name: 'g' }, status: {} })).toEqual({
      apiVersion: 'v1',
      kind: 'Gadget',
      metadata: { name: 'g' },
    });
  });

  it('reads the same for the gauges, the staged rollout and the filter as the whole CR', () => {
    const filter = { filterAnnotation: 'note' };
    for (const whole of [wholeCr(), wholeCr({ annotations: {} }), wholeCr({}, { status: undefined })]) {
      const kept = keptCr(whole);
      expect(readyStateOf(kept)).toBe(readyStateOf(whole));
      expect(statusOf(kept).templateRevision).toBe(statusOf(whole).templateRevision);
      expect(statusOf(kept).conditions?.find((c) => c.type === 'Ready')?.message).toBe(
        statusOf(whole).conditions?.find((c) => c.type === 'Ready')?.message,
      );
      expect(isManaged(kept, filter)).toBe(isManaged(whole, filter));
    }
  });

  it('gives the update predicate what it needs: spec changes through the generation, metadata, not status', () => {
    const s = { filterAnnotation: '' };
    const old = keptCr(wholeCr());
    const next = (meta: Partial<KubeObject['metadata']>, extra: Record<string, unknown> = {}) =>
      keptCr(wholeCr({ resourceVersion: '42', ...meta }, extra));
    expect(actionForUpdate(next({ generation: 4 }, { spec: { size: 4 } }), old, s)).toBe('enqueue');
    expect(actionForUpdate(next({ labels: { team: 'b' } }), old, s)).toBe('enqueue');
    expect(actionForUpdate(next({ annotations: { note: 'y' } }), old, s)).toBe('enqueue');
    expect(
      actionForUpdate(next({}, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }), old, s),
    ).toBe('ignore');
    // kubectl's copy of the CR alone (an apply that changed nothing else) and managedFields are no reason.
    expect(
      actionForUpdate(next({ annotations: { note: 'x', [LAST_APPLIED]: '{"changed":true}' } }), old, s),
    ).toBe('ignore');
    expect(actionForUpdate(next({ managedFields: [] }), old, s)).toBe('ignore');
  });
});

describe('keptOwned: what the watcher keeps of an object it applied', () => {
  const deployment = (meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'd',
      namespace: 'default',
      uid: 'u-d',
      resourceVersion: '7',
      generation: 2,
      labels: { 'lostromos.io/owner-uid': 'u-cr', 'lostromos.io/resource': 'gadgets', app: 'd' },
      annotations: { 'deployment.kubernetes.io/revision': '1' },
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Other', name: 'o', uid: 'u-o' },
        { apiVersion: 'toys.example.org/v1', kind: 'Gadget', name: 'g', uid: 'u-cr', controller: true },
      ],
      managedFields: [
        {
          manager: 'lostromos',
          operation: 'Apply',
          time: 'T1',
          fieldsV1: { 'f:spec': { 'f:replicas': {} } },
        },
        {
          manager: 'kcm',
          operation: 'Update',
          subresource: 'status',
          time: 'T2',
          fieldsV1: { 'f:status': {} },
        },
      ],
      ...meta,
    },
    spec: { replicas: 1 },
    status: { readyReplicas: 1 },
  });

  it('keeps identity, the owner (label and controller reference), the writers and the readiness verdict, nothing else', () => {
    const kept = keptOwned(deployment());
    expect(kept).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'd',
        namespace: 'default',
        uid: 'u-d',
        resourceVersion: '7',
        labels: { 'lostromos.io/owner-uid': 'u-cr' },
        ownerReferences: [
          { apiVersion: 'toys.example.org/v1', kind: 'Gadget', name: 'g', uid: 'u-cr', controller: true },
        ],
      },
      writers: writersOf(deployment()),
      // Its status has not caught up with generation 2: the verdict a reconcile would report for it.
      readiness: 'in-progress: Deployment default/d: controller has not observed generation 2 yet',
    });
    expect(ownerUidsOf(kept)).toEqual(ownerUidsOf(deployment()));
    // A status-less kind (watched as metadata only) has no verdict to keep.
    expect(keptOwned({ ...deployment(), apiVersion: 'v1', kind: 'ConfigMap' }).readiness).toBeUndefined();
    const unlabelled = deployment({ labels: {}, ownerReferences: [] });
    expect(keptOwned(unlabelled).metadata).toEqual({
      name: 'd',
      namespace: 'default',
      uid: 'u-d',
      resourceVersion: '7',
    });
  });

  it('reduces managedFields to a digest of the other writers and our apply entry', () => {
    const w = writersOf(deployment());
    expect(w.ours).toEqual({ time: 'T1', fields: '{"f:spec":{"f:replicas":{}}}' });
    expect(w.entries).toBe(2);
    expect(w.others).toMatch(/^[\w-]{43}$/);
    // The same entries in another order are the same writers; another time or fields of theirs are not.
    const entries = deployment().metadata.managedFields as Array<Record<string, unknown>>;
    expect(writersOf(deployment({ managedFields: [...entries].reverse() })).others).toBe(w.others);
    expect(
      writersOf(deployment({ managedFields: [entries[0], { ...entries[1], time: 'T3' }] })).others,
    ).not.toBe(w.others);
    // Our manager writing the status subresource is not our apply.
    const ownStatus = writersOf(
      deployment({
        managedFields: [{ manager: 'lostromos', operation: 'Update', subresource: 'status', time: 'T1' }],
      }),
    );
    expect(ownStatus.ours).toBeUndefined();
    expect(ownStatus.others).not.toBe('');
    expect(writersOf(deployment({ managedFields: undefined }))).toEqual({ others: '', entries: 0 });
  });
});
