import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOwnedBy, refKey, type KubeObject, type ObjectRef } from './model.js';
import { computePruneSet, kindsOf } from './prune-and-delete.js';

const ref = (kind: string, name: string, apiVersion = 'v1', namespace = 'ns'): ObjectRef => ({
  apiVersion,
  kind,
  namespace,
  name,
});
const live = (r: ObjectRef, ownerUid?: string): KubeObject => ({
  apiVersion: r.apiVersion,
  kind: r.kind,
  metadata: {
    name: r.name,
    namespace: r.namespace,
    labels: ownerUid ? { 'lostromos.io/owner-uid': ownerUid } : {},
  },
});

describe('inventory kinds and ownership', () => {
  it('lists distinct kinds', () => {
    expect(
      kindsOf([ref('ConfigMap', 'a'), ref('ConfigMap', 'b'), ref('Deployment', 'c', 'apps/v1')]),
    ).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment' },
      { apiVersion: 'v1', kind: 'ConfigMap' },
    ]);
  });

  it('treats only objects with our owner-uid label as owned', () => {
    expect(isOwnedBy(live(ref('ConfigMap', 'a'), 'u1'), 'u1')).toBe(true);
    expect(isOwnedBy(live(ref('ConfigMap', 'a'), 'u2'), 'u1')).toBe(false);
    expect(isOwnedBy(live(ref('ConfigMap', 'a')), 'u1')).toBe(false);
    expect(isOwnedBy(live(ref('ConfigMap', 'a')), '')).toBe(false);
  });
});

describe('prune set', () => {
  it('prunes what the previous inventory has and the desired set no longer has', () => {
    const prune = computePruneSet({
      previous: [ref('ConfigMap', 'keep'), ref('ConfigMap', 'gone')],
      desired: [ref('ConfigMap', 'keep')],
      owned: [],
      ownerUid: 'u1',
    });
    expect(prune).toEqual([ref('ConfigMap', 'gone')]);
  });

  it('adds labelled orphans found by listing and never unlabelled or foreign ones', () => {
    const prune = computePruneSet({
      previous: [],
      desired: [ref('ConfigMap', 'keep')],
      owned: [
        live(ref('ConfigMap', 'keep'), 'u1'),
        live(ref('ConfigMap', 'orphan'), 'u1'),
        live(ref('ConfigMap', 'foreign'), 'u2'),
        live(ref('ConfigMap', 'unlabelled')),
      ],
      ownerUid: 'u1',
    });
    expect(prune).toEqual([ref('ConfigMap', 'orphan')]);
  });

  it('matches identities across apiVersion changes of the same group', () => {
    const prune = computePruneSet({
      previous: [ref('HorizontalPodAutoscaler', 'h', 'autoscaling/v1')],
      desired: [ref('HorizontalPodAutoscaler', 'h', 'autoscaling/v2')],
      owned: [],
      ownerUid: 'u1',
    });
    expect(prune).toEqual([]);
  });

  it('returns candidates in deletion order (workloads before config before namespaces)', () => {
    const prune = computePruneSet({
      previous: [ref('Namespace', 'n', 'v1', ''), ref('ConfigMap', 'c'), ref('Deployment', 'd', 'apps/v1')],
      desired: [],
      owned: [],
      ownerUid: 'u1',
    });
    expect(prune.map((r) => r.kind)).toEqual(['Deployment', 'ConfigMap', 'Namespace']);
  });
});

describe('prune set safety (property)', () => {
  const arbRef = fc.record({
    apiVersion: fc.constantFrom('v1', 'apps/v1'),
    kind: fc.constantFrom('ConfigMap', 'Deployment', 'Secret'),
    namespace: fc.constantFrom('a', 'b'),
    name: fc.constantFrom('x', 'y', 'z'),
  });
  const arbOwned = fc.array(fc.tuple(arbRef, fc.constantFrom('u1', 'u2', undefined)));

  it('never proposes a desired object, nor a listed object without our owner-uid label', () => {
    fc.assert(
      fc.property(fc.array(arbRef), fc.array(arbRef), arbOwned, (previous, desired, owned) => {
        const listed = owned.map(([r, uid]) => live(r, uid));
        const prune = computePruneSet({ previous, desired, owned: listed, ownerUid: 'u1' });
        const desiredKeys = new Set(desired.map(refKey));
        const previousKeys = new Set(previous.map(refKey));
        const ownedKeys = new Set(owned.filter(([, uid]) => uid === 'u1').map(([r]) => refKey(r)));
        return prune.every(
          (r) => !desiredKeys.has(refKey(r)) && (previousKeys.has(refKey(r)) || ownedKeys.has(refKey(r))),
        );
      }),
    );
  });
});
