import { describe, expect, it } from 'vitest';
import type { StoreEvent } from './object-store.js';
import { parseLabelSelector } from './selectors.js';
import type { KubeObject } from './types.js';
import { TooOldResourceVersionError, WatchHub } from './watch-hub.js';

const obj = (name: string, labels?: Record<string, string>): KubeObject => ({
  metadata: { name, namespace: 'ns', labels },
});
const ev = (rv: number, type: StoreEvent['type'], o: KubeObject, old?: KubeObject): StoreEvent => ({
  type,
  storageKey: 'configmaps',
  namespace: 'ns',
  rv,
  object: o,
  old,
});

describe('WatchHub history', () => {
  it('replays events after a resourceVersion within the window and answers TooOld beyond it', () => {
    const hub = new WatchHub(3, 1);
    for (let rv = 2; rv <= 6; rv++) hub.publish(ev(rv, 'ADDED', obj(`o${rv}`)));
    const filter = { storageKey: 'configmaps', labels: [], fields: [] };
    expect(hub.since(4, filter).map((e) => e.rv)).toEqual([5, 6]);
    expect(hub.since(3, filter).map((e) => e.rv)).toEqual([4, 5, 6]);
    expect(() => hub.since(2, filter)).toThrow(TooOldResourceVersionError);
    hub.compact(6);
    expect(() => hub.since(5, filter)).toThrow('too old resource version: 5 (7)');
    expect(hub.since(6, filter)).toEqual([]);
  });

  it('translates selector transitions into ADDED/DELETED for a filtered watcher', () => {
    const hub = new WatchHub(10, 1);
    const w = { storageKey: 'configmaps', labels: parseLabelSelector('team=blue'), fields: [] };
    const red = obj('a', { team: 'red' });
    const blue = obj('a', { team: 'blue' });
    expect(hub.eventFor(w, ev(2, 'MODIFIED', blue, red))).toBe('ADDED');
    expect(hub.eventFor(w, ev(3, 'MODIFIED', blue, blue))).toBe('MODIFIED');
    expect(hub.eventFor(w, ev(4, 'MODIFIED', red, blue))).toBe('DELETED');
    expect(hub.eventFor(w, ev(5, 'MODIFIED', red, red))).toBeUndefined();
    expect(hub.eventFor(w, ev(6, 'DELETED', blue, blue))).toBe('DELETED');
  });
});
