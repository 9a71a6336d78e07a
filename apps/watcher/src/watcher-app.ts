import type { LostromosConfig, ResourceConfig } from '@lostromos/config';
import { LeaseElector, type KubeClient, type KubeObject } from '@lostromos/kube';
import {
  addCollectHook,
  type HealthRegistry,
  type Logger,
  type OperatorMetrics,
} from '@lostromos/observability';
import {
  revisionsChanged,
  TemplateRevisions,
  type CrQueueProducer,
  type EnqueueReason,
} from '@lostromos/queue';
import type { Redis } from 'ioredis';
import { Gauge } from 'prom-client';
import {
  actionForPresent,
  actionForUpdate,
  changedBySomeoneElse,
  countByReady,
  crKeyOf,
  inventoryKinds,
  isReleaseEvent,
  ownerUidOf,
  type ReadyState,
} from './cr-events.js';
import { OwnedWatch } from './owned-watch.js';
import { ResourceWatch } from './resource-watch.js';

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

export interface WatcherStatus {
  identity: string;
  leader: string;
  isLeader: boolean;
  resources: Record<string, { ok: boolean; detail: string; crs: number }>;
  ownedKinds: string[];
}

export interface WatcherApp {
  start(): Promise<void>;
  /** Stops watching and releases the Lease so a standby takes over at once. */
  stop(): Promise<void>;
  isLeader(): boolean;
  status(): WatcherStatus;
  /** Managed CRs per resource by Ready condition, from the informer caches (leader only; empty otherwise). */
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
 * The watcher role: campaigns for the Lease; only the leader runs one informer per configured resource plus
 * informers on the kinds it manages, and turns notifications into CR keys on the per-resource queues.
 * Standbys do nothing but campaign. Losing the Lease stops everything at once.
 */
export function buildWatcher(deps: WatcherDeps): WatcherApp {
  const { config, metrics, health, producer } = deps;
  const log = deps.logger.child({ component: 'watcher' });
  const le = config.leaderElection;
  const elector = new LeaseElector({
    client: deps.kube.rest,
    namespace: le.namespace,
    name: le.leaseName,
    identity: deps.identity,
    leaseDurationMs: le.leaseDurationSeconds * 1000,
    renewDeadlineMs: le.renewDeadlineSeconds * 1000,
    retryPeriodMs: le.retryPeriodSeconds * 1000,
  });
  const available = new Gauge<'controller'>({
    name: 'lostromos_resource_watch_up',
    help: '1 while the resource is listed/watched, 0 while its CRD is missing or listing it fails (leader only)',
    labelNames: ['controller'],
    registers: [metrics.registry],
  });
  const states = new Map<string, { ok: boolean; detail: string }>();
  const uidToKey = new Map<string, { resource: string; key: string }>();
  const byName = new Map(config.resources.map((r) => [r.name, r]));
  let leading:
    | {
        controller: AbortController;
        watches: ResourceWatch[];
        owned: OwnedWatch;
        stopRevisions: () => Promise<void>;
      }
    | undefined;
  let redisDown = false;
  let started = false;
  let unhookMetrics: Array<() => void> = [];

  /** Managed CRs per resource by Ready state, from the informer caches (leader only; empty otherwise). */
  const managedCounts = (): Map<string, Record<ReadyState, number>> =>
    new Map((leading?.watches ?? []).map((w) => [w.resource.name, countByReady(w.list(), w.resource)]));
  // Scrape-time gauges: lostromos_managed_crs{controller,ready} and the original tool's releases_total.
  const collectManaged = (): Promise<void> => {
    metrics.managedCrs.reset();
    for (const [controller, counts] of managedCounts()) {
      for (const [ready, n] of Object.entries(counts)) metrics.managedCrs.set({ controller, ready }, n);
    }
    return Promise.resolve();
  };
  const collectReleases = (): Promise<void> => {
    let total = 0;
    for (const counts of managedCounts().values()) total += counts.true + counts.false + counts.unknown;
    metrics.releasesTotal.set(total);
    return Promise.resolve();
  };
  /** releases_events_total: every informer notification about a managed CR, like the original tool. */
  const countEvent = (resource: ResourceConfig, cr: KubeObject, old?: KubeObject): void => {
    if (isReleaseEvent(cr, old, resource)) metrics.releasesEvents.inc();
  };

  // At most MAX_INFLIGHT adds at once: a first list of thousands of CRs must not open thousands of requests.
  const MAX_INFLIGHT = 32;
  let inflight = 0;
  const backlog: Array<() => Promise<void>> = [];
  const pump = (): void => {
    while (inflight < MAX_INFLIGHT && backlog.length > 0) {
      const next = backlog.shift()!;
      inflight++;
      void next().finally(() => {
        inflight--;
        pump();
      });
    }
  };

  const enqueue = (resource: string, key: string, reason: EnqueueReason): void => {
    if (!elector.isLeader()) return;
    metrics.workqueueAdds.inc({ name: resource, controller: resource });
    backlog.push(() =>
      // Checked again when the add really goes out: a leader that lost the Lease meanwhile stays silent.
      (elector.isLeader() ? producer.enqueue(resource, key, reason) : Promise.resolve()).then(
        () => undefined,
        (err: unknown) => {
          if (!redisDown) {
            log.error(
              { err, resource, key },
              'cannot enqueue: Redis unavailable; watching on, every CR is re-enqueued on reconnect',
            );
            health.setReady('enqueue', false, `Redis unavailable: ${(err as Error).message}`);
          }
          redisDown = true;
        },
      ),
    );
    pump();
  };

  const enqueueAll = (reason: EnqueueReason, only?: string): number => {
    let n = 0;
    for (const w of leading?.watches ?? []) {
      if (only && w.resource.name !== only) continue;
      for (const cr of w.list()) {
        if (actionForPresent(cr, w.resource) === 'ignore') continue;
        enqueue(w.resource.name, crKeyOf(w.resource, cr), reason);
        n++;
      }
    }
    return n;
  };

  const onRedisReady = (): void => {
    if (!redisDown) return;
    redisDown = false;
    health.setReady('enqueue', true, 'Redis reachable');
    const n = enqueueAll('relist');
    log.info({ crs: n }, 'Redis is back: re-enqueued every known CR');
  };

  const remember = (resource: ResourceConfig, cr: KubeObject): void => {
    if (cr.metadata.uid)
      uidToKey.set(cr.metadata.uid, { resource: resource.name, key: crKeyOf(resource, cr) });
    for (const k of inventoryKinds(cr)) leading?.owned.ensure(k.apiVersion, k.kind);
  };

  const setState = (resource: ResourceConfig, ok: boolean, detail: string): void => {
    const prev = states.get(resource.name);
    states.set(resource.name, { ok, detail });
    available.set({ controller: resource.name }, ok ? 1 : 0);
    health.setReady(`resource:${resource.name}`, ok, detail);
    if (prev?.ok === ok && prev.detail === detail) return;
    if (ok) log.info({ resource: resource.name, detail }, 'resource watch healthy');
    else {
      metrics.watchRestarts.inc({ controller: resource.name });
      log.error({ resource: resource.name, detail }, 'resource cannot be watched; retrying');
    }
  };

  const startLeading = (): void => {
    const controller = new AbortController();
    const owned = new OwnedWatch({
      kube: deps.kube,
      namespace: ownedNamespace(config.resources),
      onChange: (obj, old, type) => {
        if (type === 'update' && old && !changedBySomeoneElse(obj, old)) return;
        const uid = ownerUidOf(obj);
        const owner = uid ? uidToKey.get(uid) : undefined;
        if (owner) enqueue(owner.resource, owner.key, 'event');
      },
      onError: (kind, err) => log.warn({ kind, err }, 'watching a managed kind failed; retrying'),
    });
    owned.start(controller.signal);
    const watches = config.resources.map(
      (resource) =>
        new ResourceWatch(resource, deps.kube, {
          add: (cr) => {
            countEvent(resource, cr);
            remember(resource, cr);
            if (actionForPresent(cr, resource) === 'enqueue')
              enqueue(resource.name, crKeyOf(resource, cr), 'event');
          },
          update: (cr, old) => {
            countEvent(resource, cr, old);
            remember(resource, cr);
            if (actionForUpdate(cr, old, resource) === 'enqueue')
              enqueue(resource.name, crKeyOf(resource, cr), 'event');
          },
          delete: (cr) => {
            countEvent(resource, cr);
            enqueue(resource.name, crKeyOf(resource, cr), 'event');
            // Keep the uid mapping briefly: owned objects' deletions arrive after the CR's.
            const uid = cr.metadata.uid;
            if (uid) setTimeout(() => uidToKey.delete(uid), 60_000).unref();
          },
          resync: (cr) => {
            countEvent(resource, cr);
            if (actionForPresent(cr, resource) === 'enqueue')
              enqueue(resource.name, crKeyOf(resource, cr), 'resync');
          },
          state: (ok, detail) => setState(resource, ok, detail),
          relist: (reason) => {
            metrics.watchRelists.inc({ controller: resource.name });
            log.info({ resource: resource.name, reason }, 'watch history expired; relisting');
          },
        }),
    );
    const stopRevisions = followRevisions(controller.signal);
    leading = { controller, watches, owned, stopRevisions };
    for (const w of watches) w.start(controller.signal);
  };

  /**
   * Re-enqueues a resource's CRs when the template revisions its workers run change (reported by the workers
   * through Redis; announced on a channel, polled as a fallback). The watcher never reads the templates itself.
   */
  const revisions = new TemplateRevisions({ connection: deps.producerRedis, prefix: config.redis.prefix });
  const followRevisions = (signal: AbortSignal): (() => Promise<void>) => {
    const lastSeen = new Map<string, string[]>();
    const check = async (resource: string): Promise<void> => {
      if (signal.aborted || !byName.has(resource)) return;
      const now = await revisions.live(resource);
      if (signal.aborted) return;
      const before = lastSeen.get(resource);
      if (now.length > 0) lastSeen.set(resource, now);
      if (!revisionsChanged(before, now)) return;
      const n = enqueueAll('templates', resource);
      log.info(
        { resource, revisions: now.map((r) => r.slice(0, 12)), crs: n },
        'the workers run new templates: re-enqueued every CR of the resource',
      );
    };
    const checkAll = (): void => {
      for (const r of config.resources) {
        check(r.name).catch((err: unknown) =>
          log.debug({ err, resource: r.name }, "reading the workers' template revisions failed; retrying"),
        );
      }
    };
    checkAll();
    const timer = setInterval(checkAll, 5_000);
    timer.unref();
    let unsubscribe: (() => Promise<void>) | undefined;
    revisions
      .subscribe((resource) => {
        check(resource).catch((err: unknown) =>
          log.debug({ err, resource }, "reading the workers' template revisions failed; the poll retries"),
        );
      })
      .then(
        (u) => {
          if (signal.aborted) void u();
          else unsubscribe = u;
        },
        (err: unknown) => log.warn({ err }, 'cannot subscribe to template revisions; polling every 5 s'),
      );
    return async () => {
      clearInterval(timer);
      await unsubscribe?.();
    };
  };

  const stopLeading = async (): Promise<void> => {
    const l = leading;
    leading = undefined;
    if (!l) return;
    l.controller.abort(new Error('not leading'));
    await Promise.all([...l.watches.map((w) => w.stopped()), l.owned.stop(), l.stopRevisions()]);
    for (const r of config.resources) {
      health.remove(`resource:${r.name}`);
      available.remove({ controller: r.name });
    }
    states.clear();
  };

  elector.on('started-leading', () => {
    metrics.leaderElectionMasterStatus.set({ name: le.leaseName }, 1);
    health.setReady('leader-election', true, `leader (${deps.identity})`);
    log.info({ identity: deps.identity, lease: `${le.namespace}/${le.leaseName}` }, 'started leading');
    startLeading();
  });
  elector.on('stopped-leading', (reason) => {
    metrics.leaderElectionMasterStatus.set({ name: le.leaseName }, 0);
    health.setReady('leader-election', true, `standby (${reason})`);
    log.warn({ identity: deps.identity, reason }, 'stopped leading');
    void stopLeading();
  });
  elector.on('released', () => log.info({ lease: `${le.namespace}/${le.leaseName}` }, 'released the lease'));
  elector.on('new-leader', (holder) => {
    if (holder !== deps.identity) log.info({ leader: holder }, 'new leader observed');
  });
  let lastLeaseError = '';
  elector.on('error', (err) => {
    // Logged once per distinct failure (a missing namespace would otherwise log every retry period).
    if (err.message === lastLeaseError) return log.debug({ err }, 'lease request failed again; retrying');
    lastLeaseError = err.message;
    log.warn({ err, lease: `${le.namespace}/${le.leaseName}` }, 'lease request failed; retrying');
  });
  elector.on('started-leading', () => (lastLeaseError = ''));

  return {
    start() {
      if (started) return Promise.resolve();
      started = true;
      metrics.leaderElectionMasterStatus.set({ name: le.leaseName }, 0);
      unhookMetrics = [
        addCollectHook(metrics.managedCrs, collectManaged),
        addCollectHook(metrics.releasesTotal, collectReleases),
      ];
      health.setReady('leader-election', true, 'standby (campaigning)');
      deps.producerRedis.on('ready', onRedisReady);
      elector.start();
      log.info({ identity: deps.identity, resources: [...byName.keys()] }, 'watcher started');
      return Promise.resolve();
    },
    async stop() {
      if (!started) return;
      started = false;
      deps.producerRedis.off('ready', onRedisReady);
      await stopLeading();
      await elector.stop();
      metrics.leaderElectionMasterStatus.set({ name: le.leaseName }, 0);
      for (const unhook of unhookMetrics) unhook();
      unhookMetrics = [];
      metrics.managedCrs.reset();
      metrics.releasesTotal.set(0);
      log.info('watcher stopped');
    },
    isLeader: () => elector.isLeader(),
    crCounts: () =>
      Object.fromEntries(
        [...managedCounts()].map(([name, c]) => [
          name,
          { crs: c.true + c.false + c.unknown, ready: c.true, notReady: c.false + c.unknown },
        ]),
      ),
    status: () => ({
      identity: deps.identity,
      leader: elector.leader(),
      isLeader: elector.isLeader(),
      resources: Object.fromEntries(
        (leading?.watches ?? []).map((w) => [
          w.resource.name,
          { ...(states.get(w.resource.name) ?? { ok: false, detail: 'starting' }), crs: w.list().length },
        ]),
      ),
      ownedKinds: leading?.owned.kinds() ?? [],
    }),
  };
}
