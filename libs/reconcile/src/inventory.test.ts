import { describe, expect, it } from 'vitest';
import {
  appliedEntry,
  isTracked,
  mergeInventory,
  orphansPossible,
  parseEntry,
  pendingEntries,
  sealOf,
  trustedUid,
} from './inventory.js';
import type { CrStatus, InventoryEntry, ObjectRef } from './model.js';

const ref = (kind: string, name: string, apiVersion = 'v1', namespace = 'ns'): ObjectRef => ({
  apiVersion,
  kind,
  namespace,
  name,
});
const KEY = 'inventory-key';
const CR_UID = 'cr-uid-1';
const cm = ref('ConfigMap', 'a');

describe('inventory entries as stored', () => {
  it('reads the three forms: applied (uid, hash, seal), pending, and a bare ref', () => {
    expect(parseEntry({ ...cm, uid: 'u', hash: 'h', seal: 's' })).toEqual({
      ...cm,
      uid: 'u',
      hash: 'h',
      seal: 's',
    });
    expect(parseEntry({ ...cm, pending: true })).toEqual({ ...cm, pending: true });
    expect(parseEntry(cm)).toEqual(cm);
  });

  it('keeps only the ref when the facts are malformed or incomplete, and drops what is no ref', () => {
    expect(parseEntry({ ...cm, uid: 7, hash: 'h' })).toEqual(cm);
    expect(parseEntry({ ...cm, uid: 'u' })).toEqual(cm);
    expect(parseEntry({ ...cm, uid: '', hash: 'h' })).toEqual(cm);
    expect(parseEntry({ ...cm, pending: 'yes' })).toEqual(cm);
    expect(parseEntry({ kind: 'ConfigMap', name: 'a' })).toBeUndefined();
    expect(parseEntry({ ...cm, namespace: 3 })).toBeUndefined();
    expect(parseEntry('ConfigMap/a')).toBeUndefined();
  });

  it('omits an empty namespace', () => {
    expect(parseEntry({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name: 'x' })).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      name: 'x',
    });
  });

  it('calls applied and pending entries tracked, a bare ref not', () => {
    expect(isTracked({ ...cm, uid: 'u', hash: 'h' })).toBe(true);
    expect(isTracked({ ...cm, pending: true })).toBe(true);
    expect(isTracked(cm)).toBe(false);
  });
});

describe('the seal', () => {
  const entry = { ...cm, uid: 'obj-uid', hash: '0123456789abcdef' };
  const sealed: InventoryEntry = { ...entry, seal: sealOf(KEY, CR_UID, entry) };

  it('vouches for the recorded uid under the key it was sealed with', () => {
    expect(sealed.seal).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(trustedUid(sealed, KEY, CR_UID)).toBe('obj-uid');
  });

  it('vouches for nothing that was changed after sealing, nor for another CR, another key or no key', () => {
    expect(trustedUid({ ...sealed, uid: 'someone-elses-uid' }, KEY, CR_UID)).toBeUndefined();
    expect(trustedUid({ ...sealed, hash: 'ffffffffffffffff' }, KEY, CR_UID)).toBeUndefined();
    expect(trustedUid({ ...sealed, name: 'b' }, KEY, CR_UID)).toBeUndefined();
    expect(trustedUid(sealed, KEY, 'another-cr')).toBeUndefined();
    expect(trustedUid(sealed, 'rotated-key', CR_UID)).toBeUndefined();
    expect(trustedUid(sealed, undefined, CR_UID)).toBeUndefined();
    expect(trustedUid(entry, KEY, CR_UID)).toBeUndefined();
    expect(trustedUid({ ...sealed, seal: 'short' }, KEY, CR_UID)).toBeUndefined();
  });
});

describe('appliedEntry', () => {
  const facts = { uid: 'obj-uid', hash: 'h1' };

  it('records the facts, sealed when there is a key', () => {
    const entry = appliedEntry(cm, facts, { key: KEY, crUid: CR_UID, tracked: true });
    expect(entry).toEqual({ ...cm, ...facts, seal: sealOf(KEY, CR_UID, { ...cm, ...facts }) });
    expect(appliedEntry(cm, facts, { key: undefined, crUid: CR_UID, tracked: true })).toEqual({
      ...cm,
      ...facts,
    });
  });

  it('is a bare ref when the inventory may be incomplete, or the uid is unknown', () => {
    expect(appliedEntry(cm, facts, { key: KEY, crUid: CR_UID, tracked: false })).toEqual(cm);
    expect(appliedEntry(cm, { hash: 'h1' }, { key: KEY, crUid: CR_UID, tracked: true })).toEqual(cm);
  });
});

describe('orphansPossible: when prune must search by label', () => {
  const applied = { ...cm, uid: 'u', hash: 'h' };
  const lastApplied = { renderHash: 'sha256:x', generation: 1 };
  const cases: Array<[string, CrStatus, boolean, boolean]> = [
    ['a CR seen for the first time (finalizer added now)', {}, true, false],
    ['no apply ever completed (a first reconcile may have been interrupted)', {}, false, true],
    ['no apply completed, though a failure recorded what it applied', { resources: [applied] }, false, true],
    ['an empty inventory (no way to tell who wrote it)', { lastApplied, resources: [] }, false, true],
    [
      'a bare ref (written by an earlier version)',
      { lastApplied, resources: [applied, ref('Service', 's')] },
      false,
      true,
    ],
    ['tracked entries only', { lastApplied, resources: [applied] }, false, false],
    [
      'tracked entries and pending ones (written ahead)',
      { lastApplied, resources: [applied, { ...ref('Service', 's'), pending: true }] },
      false,
      false,
    ],
  ];
  it.each(cases)('%s', (_name, status, firstSeen, expected) => {
    expect(orphansPossible(status, { firstSeen })).toBe(expected);
  });
});

describe('pendingEntries and mergeInventory', () => {
  it('makes pending entries of the refs the inventory does not name, across apiVersions of one group', () => {
    const entries: InventoryEntry[] = [{ ...cm, uid: 'u', hash: 'h' }];
    expect(
      pendingEntries(entries, [
        ref('ConfigMap', 'a'),
        ref('Service', 's'),
        ref('HorizontalPodAutoscaler', 'h', 'autoscaling/v2'),
      ]),
    ).toEqual([
      { ...ref('Service', 's'), pending: true },
      { ...ref('HorizontalPodAutoscaler', 'h', 'autoscaling/v2'), pending: true },
    ]);
    expect(
      pendingEntries(
        [{ ...ref('HorizontalPodAutoscaler', 'h', 'autoscaling/v1'), pending: true }],
        [ref('HorizontalPodAutoscaler', 'h', 'autoscaling/v2')],
      ),
    ).toEqual([]);
  });

  it('merges in a stable order regardless of input order, the later entry of one identity winning', () => {
    const a = mergeInventory(
      [ref('Service', 'b'), { ...cm, pending: true }],
      [{ ...cm, uid: 'u', hash: 'h' }, ref('Service', 'b')],
    );
    expect(a).toEqual([{ ...cm, uid: 'u', hash: 'h' }, ref('Service', 'b')]);
    expect(mergeInventory([], [ref('Service', 'b'), cm, ref('Service', 'b')])).toEqual([
      cm,
      ref('Service', 'b'),
    ]);
  });
});
