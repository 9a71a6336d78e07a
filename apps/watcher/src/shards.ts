import { createHash } from 'node:crypto';

/**
 * The shard of a resource: its position among the configured resources, modulo the shard count. Positions
 * spread resources evenly; reordering the config moves resources between shards, which only moves leadership.
 */
export function shardOf(resourceIndex: number, shards: number): number {
  return shards <= 1 ? 0 : resourceIndex % shards;
}

/** The Lease of a shard: the configured name when unsharded (unchanged from before sharding), else `<name>-<i>`. */
export function shardLeaseName(leaseName: string, shard: number, shards: number): string {
  return shards <= 1 ? leaseName : `${leaseName}-${shard}`;
}

/**
 * Which live watcher should lead a shard (rendezvous hashing): each (identity, shard) pair gets a score and
 * the highest wins. Every replica computes the same answer from the same membership, and when a replica
 * leaves only the shards it was preferred for move.
 */
export function preferredLeader(shard: number, live: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = '';
  for (const id of live) {
    const score = createHash('sha256').update(`${shard}\0${id}`).digest('hex');
    if (best === undefined || score > bestScore) {
      best = id;
      bestScore = score;
    }
  }
  return best;
}
