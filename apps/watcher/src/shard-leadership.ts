import { EventEmitter } from 'node:events';
import { LeaseElector, type KubeClient } from '@lostromos/kube';
import { preferredLeader, shardLeaseName } from './shards.js';
import type { WatcherMembership } from './watcher-membership.js';
import type { LeaseObservation } from './lease-health.js';

export interface ShardLeadershipEvents {
  'started-leading': [shard: number];
  'stopped-leading': [shard: number, reason: string];
  'new-leader': [shard: number, holder: string];
  released: [shard: number];
  error: [shard: number, err: Error];
  /** Reading or writing membership failed (Redis down): shards stay as they are until it works again. */
  'membership-error': [err: Error];
}

export interface ShardLeadershipOptions {
  kube: KubeClient;
  namespace: string;
  leaseName: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  shards: number;
  /** Required when shards > 1: who is alive, so each shard goes to its preferred replica. */
  membership?: WatcherMembership;
}

/**
 * One Lease per shard, one elector per shard on every replica. With one shard this is plain leader election
 * (every replica campaigns; the Lease keeps its configured name). With several, every replica observes every
 * shard's Lease but only the shard's preferred live replica (rendezvous hashing over the membership) may hold
 * it: replicas spread the shards among themselves, a replica that joins takes its shards over (the holder
 * hands over within a retry period), and when one dies its shards' next preferred replicas acquire them once
 * its membership goes stale and the Lease expires — both after one lease duration, so within
 * leaseDuration + retryPeriod. Electors keep observing while they may not acquire, so a takeover never waits a
 * second lease duration for a first observation.
 */
export class ShardLeadership extends EventEmitter<ShardLeadershipEvents> {
  private readonly electors: LeaseElector[];
  private live: string[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly o: ShardLeadershipOptions) {
    super();
    if (o.shards > 1 && !o.membership) throw new Error('sharded leadership needs a membership');
    this.electors = Array.from({ length: Math.max(1, o.shards) }, (_, shard) => {
      const e = new LeaseElector({
        client: o.kube.rest,
        namespace: o.namespace,
        name: shardLeaseName(o.leaseName, shard, o.shards),
        identity: o.identity,
        leaseDurationMs: o.leaseDurationMs,
        renewDeadlineMs: o.renewDeadlineMs,
        retryPeriodMs: o.retryPeriodMs,
        ...(o.shards > 1 ? { mayAcquire: () => this.preferred(shard) } : {}),
      });
      e.on('started-leading', () => this.emit('started-leading', shard));
      e.on('stopped-leading', (reason) => this.emit('stopped-leading', shard, reason));
      e.on('new-leader', (holder) => this.emit('new-leader', shard, holder));
      e.on('released', () => this.emit('released', shard));
      e.on('error', (err) => this.emit('error', shard, err));
      return e;
    });
  }

  get shards(): number {
    return this.electors.length;
  }

  /** Whether this replica should hold `shard` now; unknown membership (not read yet) means no. */
  private preferred(shard: number): boolean {
    return this.live !== undefined && preferredLeader(shard, this.live) === this.o.identity;
  }

  private async beat(): Promise<void> {
    if (!this.o.membership) return;
    try {
      const live = await this.o.membership.heartbeat();
      const before = this.electors.map((_, shard) => this.preferred(shard));
      // Always count ourselves: our own heartbeat just went in.
      this.live = live.includes(this.o.identity) ? live : [...live, this.o.identity].sort();
      // A shard just became ours (its preferred replica left) or stopped being ours: act now, not at the
      // elector's next retry.
      this.electors.forEach((e, shard) => {
        if (this.preferred(shard) !== before[shard]) e.poke();
      });
    } catch (err) {
      // Keep the last view: shards stay where they are while Redis is unreachable.
      this.emit('membership-error', err instanceof Error ? err : new Error(String(err)));
    }
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.o.membership) {
      await this.beat();
      this.timer = setInterval(() => void this.beat(), this.o.retryPeriodMs);
      this.timer.unref();
    }
    for (const e of this.electors) e.start();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.timer);
    await Promise.all(this.electors.map((e) => e.stop()));
    await this.o.membership?.leave().catch(() => undefined);
  }

  isLeader(shard: number): boolean {
    return this.electors[shard]?.isLeader() ?? false;
  }

  /** The shards this replica leads. */
  leading(): number[] {
    return this.electors.flatMap((e, i) => (e.isLeader() ? [i] : []));
  }

  /** The holder of each shard's Lease as last observed ('' when unknown). */
  leaders(): string[] {
    return this.electors.map((e) => e.leader());
  }

  /** Each shard's Lease as this replica sees it (for readiness: API reachable, holder renewing). */
  observations(): Array<LeaseObservation> {
    return this.electors.map((e, shard) => ({
      ...e.observation(),
      lease: `${this.o.namespace}/${shardLeaseName(this.o.leaseName, shard, this.o.shards)}`,
      leading: e.isLeader(),
    }));
  }

  /** The live replicas as last read from the membership (undefined when unsharded). */
  members(): string[] | undefined {
    return this.live;
  }
}
