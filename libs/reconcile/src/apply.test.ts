import { describe, expect, it } from 'vitest';
import { applyRouteOf, contentChanged, liveMatchesDesired } from './apply.js';
import type { InventoryEntry, KubeObject } from './model.js';

describe('liveMatchesDesired', () => {
  const desired = { metadata: { name: 'a', labels: { x: '1' } }, spec: { ports: [{ port: 80 }] } };

  it('ignores fields others added (defaults, status, other labels)', () => {
    const live = {
      metadata: { name: 'a', uid: 'u', labels: { x: '1', y: '2' } },
      spec: { ports: [{ port: 80, protocol: 'TCP' }], clusterIP: '10.0.0.1' },
      status: {},
    };
    expect(liveMatchesDesired(desired, live)).toBe(true);
  });

  it('detects a changed or removed field we render', () => {
    expect(
      liveMatchesDesired(desired, { metadata: { name: 'a', labels: {} }, spec: { ports: [{ port: 80 }] } }),
    ).toBe(false);
    expect(
      liveMatchesDesired(desired, {
        metadata: { name: 'a', labels: { x: '2' } },
        spec: { ports: [{ port: 80 }] },
      }),
    ).toBe(false);
  });

  it('detects a list that gained or lost elements', () => {
    const live = {
      metadata: { name: 'a', labels: { x: '1' } },
      spec: { ports: [{ port: 80 }, { port: 81 }] },
    };
    expect(liveMatchesDesired(desired, live)).toBe(false);
  });

  it('treats a null we render as matching an absent field (null unsets in server-side apply)', () => {
    expect(liveMatchesDesired({ data: { a: null } }, { data: {} })).toBe(true);
    expect(liveMatchesDesired({ data: { a: null } }, { data: { a: 'x' } })).toBe(false);
  });
});

const cm = (rv: string, data: Record<string, string>, managedFields: unknown[] = []): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'a', namespace: 'n', resourceVersion: rv, managedFields },
  data,
});

describe('contentChanged', () => {
  it('is false when the resourceVersion did not move', () => {
    expect(contentChanged(cm('1', { a: '1' }), cm('1', { a: '1' }))).toBe(false);
  });

  it('is true when the object itself changed', () => {
    expect(contentChanged(cm('1', { a: '1' }), cm('2', { a: '2' }))).toBe(true);
  });

  it('is false when only field ownership changed (e.g. a create-only precondition dropped from our entry)', () => {
    const before = cm('1', { a: '1' }, [
      { manager: 'lostromos', fieldsV1: { 'f:metadata': { 'f:deletionGracePeriodSeconds': {} } } },
    ]);
    const after = cm('2', { a: '1' }, [{ manager: 'lostromos', fieldsV1: { 'f:data': { 'f:a': {} } } }]);
    expect(contentChanged(before, after)).toBe(false);
  });
});

describe('applyRouteOf: how one desired object is applied', () => {
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'a' };
  const applied: InventoryEntry = { ...ref, uid: 'u', hash: 'h1', seal: 's' };
  const cases: Array<[string, InventoryEntry | undefined, string, boolean, string]> = [
    ['not in the inventory: create-only apply', undefined, 'h1', false, 'create'],
    [
      'pending (written ahead, maybe never applied): create-only apply',
      { ...ref, pending: true },
      'h1',
      true,
      'create',
    ],
    ['content changed, uid vouched for by the seal: uid apply, no read', applied, 'h2', true, 'apply-to-uid'],
    [
      'content changed, uid not vouched for (no key, forged): read, check, apply',
      applied,
      'h2',
      false,
      'read-then-apply',
    ],
    ['content unchanged: read for drift, apply only if drifted', applied, 'h1', true, 'verify'],
    ['content unchanged, even unsealed: read for drift', applied, 'h1', false, 'verify'],
    ['a bare ref (an earlier version): read, check, apply', ref, 'h1', false, 'read-then-apply'],
  ];
  it.each(cases)('%s', (_name, entry, hash, uidTrusted, route) => {
    expect(applyRouteOf(entry, hash, uidTrusted)).toBe(route);
  });
});
