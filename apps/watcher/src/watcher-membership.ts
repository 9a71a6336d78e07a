import type { Redis } from 'ioredis';

export interface WatcherMembershipOptions {
  connection: Redis;
  prefix: string;
  identity: string;
  /** A member that has not heartbeated for this long is gone (the lease duration). */
  staleMs: number;
  now?: () => number;
}

/**
 * The live watcher replicas, shared through Redis (`<prefix>:watchers`: identity → last heartbeat), so every
 * replica computes the same preferred leader per shard. Membership only decides who *campaigns*; who leads is
 * still decided by the shard's Lease on the API server, so a stale or split view can delay a handover but never
 * make two leaders.
 */
export class WatcherMembership {
  private readonly o: WatcherMembershipOptions;
  private readonly now: () => number;

  constructor(opts: WatcherMembershipOptions) {
    this.o = opts;
    this.now = opts.now ?? Date.now;
  }

  private get key(): string {
    return `${this.o.prefix}:watchers`;
  }

  /** Records this replica as alive and returns the live replicas (itself included), sorted. */
  async heartbeat(): Promise<string[]> {
    const now = this.now();
    await this.o.connection.hset(this.key, this.o.identity, String(now));
    const all = await this.o.connection.hgetall(this.key);
    const live: string[] = [];
    const stale: string[] = [];
    for (const [id, at] of Object.entries(all)) (Number(at) >= now - this.o.staleMs ? live : stale).push(id);
    // Entries of long-dead replicas are pruned by whoever sees them (ten lease durations: no flapping).
    const ancient = stale.filter((id) => Number(all[id]) < now - 10 * this.o.staleMs);
    if (ancient.length > 0) await this.o.connection.hdel(this.key, ...ancient);
    return live.sort();
  }

  /** A clean shutdown: leave at once, so this replica's shards move without waiting for staleness. */
  async leave(): Promise<void> {
    await this.o.connection.hdel(this.key, this.o.identity);
  }
}
