import type { KubeObject, OwnerReference } from '@lostromos/render';
import { describe, expect, it } from 'vitest';
import {
  expectedObjects,
  fieldDiffs,
  isManaged,
  leftovers,
  objectDiffs,
  ownedSetDiffs,
  rateDiffs,
  refKey,
  statusDiffs,
} from '../support/invariants.ts';

// The pure comparisons behind checkInvariants (test/support/invariants.ts): they must catch every kind of
// divergence the fault suites and the soak rely on, and accept what a real API server adds.

const cr = {
  apiVersion: 'fleet.example.io/v1',
  kind: 'Ship',
  metadata: { name: 'nautilus', namespace: 'default', uid: 'u-1', generation: 3 },
  spec: { captain: 'Nemo' },
};
const rendered = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nautilus-config' }, data: { captain: 'Nemo' } },
];
const namespaced = (): boolean => true;
const expected = expectedObjects(cr, rendered, 'ships', namespaced);

/** What the API server holds after our apply: our fields plus its own. */
const liveOf = (o = expected[0]!): KubeObject & { metadata: { ownerReferences: OwnerReference[] } } => ({
  ...structuredClone(o),
  metadata: {
    ...structuredClone(o.metadata),
    uid: 'cm-1',
    resourceVersion: '42',
    creationTimestamp: '2026-01-01T00:00:00Z',
    managedFields: [{ manager: 'lostromos', operation: 'Apply' }],
    ownerReferences: [{ ...o.metadata.ownerReferences![0]!, blockOwnerDeletion: true }],
  },
});

describe('expectedObjects', () => {
  it('defaults the namespace, adds our labels and a controller reference to the CR', () => {
    expect(expected[0]).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'nautilus-config',
        namespace: 'default',
        labels: {
          'app.kubernetes.io/managed-by': 'lostromos',
          'lostromos.io/resource': 'ships',
          'lostromos.io/owner-uid': 'u-1',
        },
        ownerReferences: [
          { apiVersion: 'fleet.example.io/v1', kind: 'Ship', name: 'nautilus', uid: 'u-1', controller: true },
        ],
      },
      data: { captain: 'Nemo' },
    });
  });

  it('gives no owner reference across namespaces or to cluster-scoped objects', () => {
    const [elsewhere, cluster] = expectedObjects(
      cr,
      [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'other' } },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', namespace: 'ignored' } },
      ],
      'ships',
      (_v, kind) => kind !== 'Namespace',
    );
    expect(elsewhere!.metadata.ownerReferences).toBeUndefined();
    expect(cluster!.metadata.namespace).toBeUndefined();
    expect(cluster!.metadata.ownerReferences).toBeUndefined();
  });
});

describe('fieldDiffs / objectDiffs', () => {
  it('accepts fields the server added and a rendered null for an absent field', () => {
    expect(objectDiffs(expected[0]!, liveOf())).toEqual([]);
    expect(fieldDiffs({ a: null, b: 1 }, { b: 1, c: 2 })).toEqual([]);
  });

  it('names a changed, a missing and a wrongly typed field by path', () => {
    const live = liveOf();
    (live.data as Record<string, unknown>).captain = 'Ahab';
    expect(objectDiffs(expected[0]!, live)).toEqual(['data.captain: "Ahab", rendered "Nemo"']);
    expect(fieldDiffs({ data: { n: '1' } }, { data: { n: 1 } })).toEqual(['data.n: 1, rendered "1"']);
    expect(fieldDiffs({ data: { a: 'x' } }, { data: {} })).toEqual(['data.a: absent, rendered "x"']);
    expect(fieldDiffs({ a: null }, { a: 'set' })).toEqual(['a: "set", rendered null']);
  });

  it('compares lists by length and element', () => {
    expect(fieldDiffs({ l: [{ a: 1 }] }, { l: [{ a: 1, b: 2 }] })).toEqual([]);
    expect(fieldDiffs({ l: [1, 2] }, { l: [1] })).toEqual(['l: 1 items, rendered 2']);
    expect(fieldDiffs({ l: [1, 2] }, { l: [1, 3] })).toEqual(['l[1]: 3, rendered 2']);
  });

  it('catches a lost or overwritten owner label and a missing or non-controller owner reference', () => {
    const unlabelled = liveOf();
    delete unlabelled.metadata.labels!['lostromos.io/owner-uid'];
    expect(objectDiffs(expected[0]!, unlabelled)).toEqual([
      'metadata.labels.lostromos.io/owner-uid: absent, rendered "u-1"',
    ]);
    const noRef = liveOf();
    noRef.metadata.ownerReferences = [];
    expect(objectDiffs(expected[0]!, noRef)).toEqual([
      'metadata.ownerReferences: no reference to Ship nautilus (uid u-1)',
    ]);
    const notController = liveOf();
    notController.metadata.ownerReferences = [
      { ...notController.metadata.ownerReferences[0]!, controller: false },
    ];
    expect(objectDiffs(expected[0]!, notController)).toEqual([
      'metadata.ownerReferences: the reference to Ship nautilus is not the controller',
    ]);
  });
});

describe('ownedSetDiffs', () => {
  it('reports a missing object and an object that should have been pruned', () => {
    expect(ownedSetDiffs(expected, [liveOf()])).toEqual([]);
    expect(ownedSetDiffs(expected, [])).toEqual(['ConfigMap default/nautilus-config is missing']);
    const stale = { ...liveOf(), metadata: { ...liveOf().metadata, name: 'nautilus-log' } };
    expect(ownedSetDiffs(expected, [liveOf(), stale])).toEqual([
      'ConfigMap default/nautilus-log is labelled as its object but not rendered (not pruned)',
    ]);
  });

  it('treats another API version of the same group and kind as the same object', () => {
    expect(refKey({ apiVersion: 'autoscaling/v1', kind: 'HPA', namespace: 'a', name: 'b' })).toBe(
      refKey({ apiVersion: 'autoscaling/v2', kind: 'HPA', namespace: 'a', name: 'b' }),
    );
  });
});

describe('statusDiffs', () => {
  const ready = (over: Record<string, unknown> = {}) => ({
    ...cr,
    status: {
      observedGeneration: 3,
      conditions: [
        { type: 'Reconciled', status: 'True', reason: 'Applied', message: '' },
        { type: 'Ready', status: 'True', reason: 'Ready', message: '' },
      ],
      resources: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'nautilus-config' }],
      ...over,
    },
  });

  it('accepts a Ready CR whose status matches its generation and objects', () => {
    expect(statusDiffs(ready(), expected)).toEqual([]);
  });

  it('reports a stale generation, a false or missing condition, and a wrong inventory', () => {
    expect(statusDiffs(ready({ observedGeneration: 2 }), expected)).toEqual([
      'status.observedGeneration is 2, metadata.generation 3',
    ]);
    expect(
      statusDiffs(
        ready({
          conditions: [{ type: 'Reconciled', status: 'False', reason: 'RenderFailed', message: 'boom' }],
        }),
        expected,
      ),
    ).toEqual(['Reconciled=False (RenderFailed: boom)', 'no Ready condition']);
    expect(statusDiffs(ready({ resources: [] }), expected)).toEqual([
      'status.resources lacks /ConfigMap/default/nautilus-config',
    ]);
    expect(statusDiffs({ ...cr }, expected)).toHaveLength(4);
  });
});

describe('leftovers', () => {
  it('reports objects of CRs that no longer exist and objects without an owner', () => {
    const mine = liveOf();
    const orphan = {
      ...liveOf(),
      metadata: { ...liveOf().metadata, name: 'o', labels: { 'lostromos.io/owner-uid': 'gone' } },
    };
    const nameless = { ...liveOf(), metadata: { ...liveOf().metadata, name: 'n', labels: {} } };
    expect(leftovers([mine], new Set(['u-1']))).toEqual([]);
    expect(leftovers([mine, orphan, nameless], new Set(['u-1']))).toEqual([
      'ConfigMap default/o belongs to CR uid gone, which no longer exists (?)',
      'ConfigMap default/n is labelled managed-by=lostromos but names no owner',
    ]);
  });
});

describe('rateDiffs', () => {
  const at = (requests: number, byVerbResource: Record<string, number>) => ({ requests, byVerbResource });

  it('accepts Lease traffic below the limit', () => {
    expect(
      rateDiffs(at(100, { 'get leases': 50 }), at(112, { 'get leases': 56, 'update leases': 6 }), 5000, {
        maxRequestsPerSecond: 12,
      }),
    ).toEqual([]);
  });

  it('reports a rate above the limit with the busiest requests, and any write but Leases', () => {
    expect(
      rateDiffs(at(0, {}), at(300, { 'get ships': 200, 'get configmaps': 100 }), 5000, {
        maxRequestsPerSecond: 12,
      }),
    ).toEqual([
      '300 API requests in a quiet 5000 ms (60.0/s, limit 12/s): get ships 200, get configmaps 100',
    ]);
    expect(
      rateDiffs(
        at(0, {}),
        at(3, { 'apply configmaps': 1, 'patch ships/status': 1, 'update leases': 1 }),
        5000,
        {
          maxRequestsPerSecond: 12,
        },
      ),
    ).toEqual(['writes while nothing changed: apply configmaps 1, patch ships/status 1']);
  });
});

describe('isManaged', () => {
  it('follows the opt-in annotation', () => {
    const res = {
      name: 'g',
      apiVersion: 'a/v1',
      plural: 'gs',
      templates: '.',
      filterAnnotation: 'example.io/managed',
    };
    expect(
      isManaged({ ...cr, metadata: { ...cr.metadata, annotations: { 'example.io/managed': '' } } }, res),
    ).toBe(true);
    expect(isManaged(cr, res)).toBe(false);
    expect(isManaged(cr, { ...res, filterAnnotation: undefined })).toBe(true);
  });
});
