import { describe, expect, it } from 'vitest';
import { preferredLeader, shardLeaseName, shardOf } from './shards.js';

describe('sharded leadership', () => {
  it('spreads resources over shards by position, all in shard 0 when unsharded', () => {
    expect([0, 1, 2, 3, 4, 5].map((i) => shardOf(i, 3))).toEqual([0, 1, 2, 0, 1, 2]);
    expect([0, 1, 2].map((i) => shardOf(i, 1))).toEqual([0, 0, 0]);
  });
  it('keeps the configured Lease name when unsharded', () => {
    expect(shardLeaseName('lostromos-watcher', 0, 1)).toBe('lostromos-watcher');
    expect(shardLeaseName('lostromos-watcher', 2, 3)).toBe('lostromos-watcher-2');
  });
  it('agrees on one preferred leader per shard, independent of membership order', () => {
    const live = ['w-a', 'w-b', 'w-c'];
    for (let s = 0; s < 6; s++) {
      expect(preferredLeader(s, live)).toBe(preferredLeader(s, [...live].reverse()));
      expect(live).toContain(preferredLeader(s, live));
    }
    expect(preferredLeader(0, [])).toBeUndefined();
  });
  it('moves only the shards of a replica that leaves', () => {
    const live = ['w-a', 'w-b', 'w-c'];
    const before = [0, 1, 2, 3, 4, 5, 6, 7].map((s) => preferredLeader(s, live));
    const after = [0, 1, 2, 3, 4, 5, 6, 7].map((s) => preferredLeader(s, ['w-a', 'w-c']));
    before.forEach((b, s) => {
      if (b !== 'w-b') expect(after[s]).toBe(b);
      else expect(after[s]).not.toBe('w-b');
    });
  });
});
