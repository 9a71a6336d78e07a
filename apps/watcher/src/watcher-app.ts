import type { LostromosConfig, ResourceConfig } from '@lostromos/config';
import type { KubeClient } from '@lostromos/kube';
import {
  addCollectHook,
  type HealthRegistry,
  type Logger,
  type OperatorMetrics,
} from '@lostromos/observability';
import { TemplateRevisions, type CrQueueProducer } from '@lostromos/queue';
import type { Redis } from 'ioredis';
import { Gauge } from 'prom-client';
import { Enqueuer } from './enqueuer.js';
import { leaseHealth } from './lease-health.js';
import { ResourceController } from './resource-controller.js';
import { createRolloutControllers } from './rollout-controllers.js';
import { ShardLeadership } from './shard-leadership.js';
import { shardLeaseName, shardOf } from './shards.js';
import { WatcherMembership } from './watcher-membership.js';

export interface WatcherDeps {
  config: LostromosConfig;
  logger: Logger;
  metrics: OperatorMetrics;
  health: HealthRegistry;
  kube: KubeClient;
  producer: CrQueueProducer;
  /** The producer's Redis connection: its 'ready' after an outage triggers a full re-enqueue. */
  producerRedis: Redis;
  /** Lease holder identity. */
  identity: string;
}

export interface WatcherShardStatus {
  shard: number;
  lease: string;
  /** Holder of the shard's Lease as last observed ('' when unknown or free). */
  leader: string;
  isLeader: boolean;
  resources: string[];
}

export interface WatcherStatus {
  identity: string;
  /** Holder of shard 0's Lease (the only one when unsharded). */
  leader: string;
  /** Whether this replica leads at least one shard. */
  isLeader: boolean;
  resources: Record<string, { ok: boolean; detail: string; crs: number }>;
  ownedKinds: string[];
  shards: WatcherShardStatus[];
  /** Live watcher replicas (sharded only). */
  members?: string[];
}

export interface WatcherApp {
  start(): Promise<void>;
  /** Stops watching and releases the Leases so other replicas take over at once. */
  stop(): Promise<void>;
  /** Whether this replica leads at least one shard. */
  isLeader(): boolean;
  status(): WatcherStatus;
  /** Managed CRs per led resource by Ready condition, from the informer caches. */
  crCounts(): Record<string, { crs: number; ready: number; notReady: number }>;
}

/** The namespace owned-object informers watch: one namespace when every resource is confined to it. */
function ownedNamespace(resources: readonly ResourceConfig[]): string {
  const first = resources[0]?.namespace ?? '';
  const confined = resources.every(
    (r) =>
      r.namespace !== '' &&
      r.namespace === first &&
      r.allow.namespaces.length === 0 &&
      !r.allow.clusterScoped,
  );
  return confined ? first : '';
}

/**
 * The watcher role: the resources are spread over `leaderElection.shards` shards with one Lease each; this
 * replica runs a ResourceController for every resource of the shards it leads and nothing for the others.
 * Losing a shard's Lease stops its controllers at once. With one shard (the default) this is classic
 * leader election: one active watcher, the others standing by.
 */
export function buildWatcher(deps: WatcherDeps): WatcherApp {
  const { config, metrics, health } = deps;
  const log = deps.logger.child({ component: 'watcher' });
  const le = config.leaderElection;
  const shards = Math.max(1, le.shards);
  const shardByResource = new Map(config.resources.map((r, i) => [r.name, shardOf(i, shards)]));
  const resourcesOf = (shard: number): string[] =>
    config.resources.filter((r) => shardByResource.get(r.name) === shard).map((r) => r.name);
  const leaseOf = (shard: number): string => shardLeaseName(le.leaseName, shard, shards);

  const leadership = new ShardLeadership({
    kube: deps.kube,
    namespace: le.namespace,
    leaseName: le.leaseName,
    identity: deps.identity,
    leaseDurationMs: le.leaseDurationSeconds * 1000,
    renewDeadlineMs: le.renewDeadlineSeconds * 1000,
    retryPeriodMs: le.retryPeriodSeconds * 1000,
    shards,
    ...(shards > 1
      ? {
          membership: new WatcherMembership({
            connection: deps.producerRedis,
            prefix: config.redis.prefix,
            identity: deps.identity,
            staleMs: le.leaseDurationSeconds * 1000,
          }),
        }
      : {}),
  });
  const leads = (resource: string): boolean => leadership.isLeader(shardByResource.get(resource) ?? 0);
  const enqueuer = new Enqueuer({
    producer: deps.producer,
    metrics,
    health,
    logger: log,
    mayEnqueue: leads,
  });
  const revisions = new TemplateRevisions({ connection: deps.producerRedis, prefix: config.redis.prefix });
  const watchUp = new Gauge<'controller'>({
    name: 'lostromos_resource_watch_up',
    help: '1 while the resource is listed/watched, 0 while its CRD is missing or listing it fails (leader only)',
    labelNames: ['controller'],
    registers: [metrics.registry],
  });
  const ownedNs = ownedNamespace(config.resources);
  const controllers = new Map(
    config.resources.map((resource) => [
      resource.name,
      new ResourceController({
        resource,
        kube: deps.kube,
        enqueuer,
        revisions,
        metrics,
        watchUp,
        health,
        logger: log,
        ownedNamespace: ownedNs,
      }),
    ]),
  );
  // Template revision history and staged rollouts, per resource, while leading it.
  const rollouts = createRolloutControllers({
    config,
    kube: deps.kube,
    redis: deps.producerRedis,
    identity: deps.identity,
    metrics,
    logger: log,
    revisions,
    controllers,
    enqueuer,
  });
  const led = (): ResourceController[] => [...controllers.values()].filter((c) => leads(c.name));
  let started = false;
  let unhookMetrics: Array<() => void> = [];
  let unsubscribe: (() => void) | undefined;

  // Scrape-time gauges: lostromos_managed_crs{controller,ready} and the original tool's releases_total.
  const collectManaged = (): Promise<void> => {
    metrics.managedCrs.reset();
    for (const c of led()) {
      for (const [ready, n] of Object.entries(c.counts()))
        metrics.managedCrs.set({ controller: c.name, ready }, n);
    }
    return Promise.resolve();
  };
  const collectReleases = (): Promise<void> => {
    let total = 0;
    for (const c of led()) {
      const counts = c.counts();
      total += counts.true + counts.false + counts.unknown;
    }
    metrics.releasesTotal.set(total);
    return Promise.resolve();
  };

  const onRedisClose = (): void => enqueuer.connectionLost();
  const onRedisReady = (): void => {
    if (!enqueuer.recovered()) return;
    let n = 0;
    for (const c of led()) n += c.enqueueAll('relist');
    log.info({ crs: n }, 'Redis is back: re-enqueued every known CR');
  };

  // Readiness follows whether leader election works from here: API server answering, holders renewing.
  let startedAt = 0;
  let healthTimer: NodeJS.Timeout | undefined;
  let lastHealth: { ok: boolean; detail: string } | undefined;
  const setLeaderHealth = (): void => {
    const h = leaseHealth(leadership.observations(), Date.now(), {
      identity: deps.identity,
      leaseDurationMs: le.leaseDurationSeconds * 1000,
      renewDeadlineMs: le.renewDeadlineSeconds * 1000,
      retryPeriodMs: le.retryPeriodSeconds * 1000,
      startedAtMs: startedAt,
    });
    health.setReady('leader-election', h.ok, h.detail);
    if (lastHealth?.ok !== h.ok) {
      if (!h.ok) log.error({ detail: h.detail }, 'leader election is not working; not ready');
      else if (lastHealth) log.info({ detail: h.detail }, 'leader election works again; ready');
    }
    lastHealth = h;
  };

  leadership.on('started-leading', (shard) => {
    metrics.leaderElectionMasterStatus.set({ name: leaseOf(shard) }, 1);
    setLeaderHealth();
    const resources = resourcesOf(shard);
    log.info(
      { identity: deps.identity, lease: `${le.namespace}/${leaseOf(shard)}`, shard, resources },
      'started leading',
    );
    for (const name of resources) controllers.get(name)?.start();
    for (const name of resources) rollouts.get(name)?.start();
  });
  leadership.on('stopped-leading', (shard, reason) => {
    metrics.leaderElectionMasterStatus.set({ name: leaseOf(shard) }, 0);
    setLeaderHealth();
    log.warn({ identity: deps.identity, shard, reason }, 'stopped leading');
    for (const name of resourcesOf(shard)) void rollouts.get(name)?.stop();
    // Not awaited: a start-leading that comes while these still stop begins new runs beside them.
    for (const name of resourcesOf(shard))
      controllers
        .get(name)
        ?.stop()
        .catch((err: unknown) =>
          log.warn({ err, resource: name }, 'stopping the resource controller failed'),
        );
  });
  leadership.on('released', (shard) =>
    log.info({ lease: `${le.namespace}/${leaseOf(shard)}` }, 'released the lease'),
  );
  leadership.on('new-leader', (shard, holder) => {
    if (holder !== deps.identity) log.info({ leader: holder, shard }, 'new leader observed');
  });
  const lastLeaseError = new Map<number, string>();
  leadership.on('error', (shard, err) => {
    // Logged once per distinct failure (a missing namespace would otherwise log every retry period).
    if (err.message === lastLeaseError.get(shard))
      return log.debug({ err, shard }, 'lease request failed again; retrying');
    lastLeaseError.set(shard, err.message);
    log.warn({ err, lease: `${le.namespace}/${leaseOf(shard)}` }, 'lease request failed; retrying');
  });
  leadership.on('started-leading', (shard) => lastLeaseError.delete(shard));
  let membershipDown = false;
  leadership.on('membership-error', (err) => {
    if (!membershipDown)
      log.warn({ err }, 'cannot read watcher membership from Redis; shards stay where they are');
    membershipDown = true;
  });

  return {
    async start() {
      if (started) return;
      started = true;
      for (let s = 0; s < shards; s++) metrics.leaderElectionMasterStatus.set({ name: leaseOf(s) }, 0);
      unhookMetrics = [
        addCollectHook(metrics.managedCrs, collectManaged),
        addCollectHook(metrics.releasesTotal, collectReleases),
      ];
      health.setReady('leader-election', true, 'standby (campaigning)');
      startedAt = Date.now();
      healthTimer = setInterval(setLeaderHealth, le.retryPeriodSeconds * 1000);
      healthTimer.unref();
      deps.producerRedis.on('ready', onRedisReady);
      deps.producerRedis.on('close', onRedisClose);
      // One subscription for every resource: workers announce template revision changes. Closable before
      // Redis confirmed it: with Redis unreachable it waits, and its connection must not outlive stop().
      const sub = revisions.subscribe((resource) => {
        controllers.get(resource)?.revisionsAnnounced();
        rollouts.get(resource)?.poke();
      });
      unsubscribe = sub.close;
      sub.subscribed.catch((err: unknown) =>
        log.warn({ err }, 'cannot subscribe to template revisions; polling every 5 s'),
      );
      await leadership.start();
      log.info({ identity: deps.identity, resources: [...controllers.keys()], shards }, 'watcher started');
    },
    async stop() {
      if (!started) return;
      started = false;
      deps.producerRedis.off('ready', onRedisReady);
      deps.producerRedis.off('close', onRedisClose);
      clearInterval(healthTimer);
      await Promise.all([...controllers.values()].map((c) => c.stop()));
      await Promise.all([...rollouts.values()].map((r) => r.stop()));
      await leadership.stop();
      unsubscribe?.();
      unsubscribe = undefined;
      for (let s = 0; s < shards; s++) metrics.leaderElectionMasterStatus.set({ name: leaseOf(s) }, 0);
      for (const unhook of unhookMetrics) unhook();
      unhookMetrics = [];
      metrics.managedCrs.reset();
      metrics.releasesTotal.set(0);
      log.info('watcher stopped');
    },
    isLeader: () => leadership.leading().length > 0,
    crCounts: () =>
      Object.fromEntries(
        led().map((c) => {
          const n = c.counts();
          return [
            c.name,
            { crs: n.true + n.false + n.unknown, ready: n.true, notReady: n.false + n.unknown },
          ];
        }),
      ),
    status: () => {
      const leaders = leadership.leaders();
      const members = leadership.members();
      return {
        identity: deps.identity,
        leader: leaders[0] ?? '',
        isLeader: leadership.leading().length > 0,
        resources: Object.fromEntries(led().map((c) => [c.name, c.status()])),
        ownedKinds: [...new Set(led().flatMap((c) => c.ownedKinds()))].sort(),
        shards: leaders.map((leader, shard) => ({
          shard,
          lease: leaseOf(shard),
          leader,
          isLeader: leadership.isLeader(shard),
          resources: resourcesOf(shard),
        })),
        ...(members ? { members } : {}),
      };
    },
  };
}
