import type { ResourceConfig } from '@lostromos/config';
import type { KubeClient, KubeObject } from '@lostromos/kube';
import type { HealthRegistry, Logger, OperatorMetrics } from '@lostromos/observability';
import { revisionsChanged, type EnqueueReason, type TemplateRevisions } from '@lostromos/queue';
import { mayTrustWithoutRead, RESOURCE_LABEL } from '@lostromos/reconcile';
import type { Gauge } from 'prom-client';
import {
  actionForPresent,
  actionForUpdate,
  addedReason,
  countByReady,
  crKeyOf,
  isReleaseEvent,
  ownedChangeOf,
  ownerUidsOf,
  readyStateOf,
  type ReadyState,
} from './cr-events.js';
import type { Enqueuer } from './enqueuer.js';
import { OwnedWatch } from './owned-watch.js';
import { ResourceWatch } from './resource-watch.js';

export interface ResourceControllerOptions {
  resource: ResourceConfig;
  kube: KubeClient;
  enqueuer: Enqueuer;
  revisions: TemplateRevisions;
  metrics: OperatorMetrics;
  /** lostromos_resource_watch_up (one registered gauge shared by every controller). */
  watchUp: Gauge<'controller'>;
  health: HealthRegistry;
  logger: Logger;
  /** The namespace owned-object informers watch ("" = all). */
  ownedNamespace: string;
  /** Fallback poll of the workers' template revisions (default 5 s; a channel announces changes at once). */
  revisionPollMs?: number;
}

export interface ResourceControllerStatus {
  ok: boolean;
  detail: string;
  crs: number;
}

/**
 * What one start() created, so that a stop() still finishing when the next start() comes (a Lease lost and won
 * back within moments) ends its own informers and never the new ones.
 */
interface ControllerRun {
  controller: AbortController;
  watch: ResourceWatch;
  owned: OwnedWatch;
  state: { ok: boolean; detail: string } | undefined;
  stopRevisions: () => Promise<void>;
  /** Checks the workers' template revisions now (a worker announced a change). */
  checkRevisions: () => void;
}

/**
 * Everything the leader of one configured resource does, like a controller-runtime controller: an informer on
 * its CRs with the filter predicates, an index from CR uid to the cached CR, informers on the kinds its objects are of
 * (scoped by the `lostromos.io/resource` label, so another resource's objects never wake it), and a follower
 * of the template revisions its workers run. It turns each into a CR key on the resource's queue.
 *
 * start() and stop() may interleave: stop() detaches the current run at once and finishes it in the
 * background of its promise, and a start() meanwhile begins a new run beside it. Only the current run reports
 * health and state; a run that ends while another has started leaves the readiness check and gauge alone.
 */
export class ResourceController {
  private readonly resource: ResourceConfig;
  private readonly log: Logger;
  /**
   * CR uid → the cached CR (an index, like client-go's indexers): the CR key is built only when an owned object
   * changes, so the index holds no string of its own per CR.
   */
  private readonly uidToCr = new Map<string, KubeObject>();
  private run: ControllerRun | undefined;
  /** Runs whose stop has not finished yet. */
  private readonly stopping = new Set<Promise<void>>();

  constructor(private readonly o: ResourceControllerOptions) {
    this.resource = o.resource;
    this.log = o.logger.child({ resource: o.resource.name });
  }

  get name(): string {
    return this.resource.name;
  }

  /** Starts watching; idempotent. Does not wait for a previous stop() to finish. */
  start(): void {
    if (this.run) return;
    const controller = new AbortController();
    const resource = this.resource;
    // A stop still finishing may leave its last state here: the new run reports its own.
    this.o.health.remove(`resource:${resource.name}`);
    this.o.watchUp.remove({ controller: resource.name });
    const enqueue = (key: string, reason: EnqueueReason, verify = false): void =>
      this.o.enqueuer.enqueue(resource.name, key, reason, verify);
    const owned = new OwnedWatch({
      kube: this.o.kube,
      namespace: this.o.ownedNamespace,
      labelSelector: `${RESOURCE_LABEL}=${resource.name}`,
      onChange: (obj, old, type) => {
        // A delete, or an update that may be drift, makes the owner's next reconcile read every object.
        const change = type === 'update' && old ? ownedChangeOf(obj, old) : 'drift';
        if (!change) return;
        // The owner as the object says now and as it said before: someone may have removed or overwritten
        // the owner-uid label, and that very change is drift the owner must repair.
        for (const uid of ownerUidsOf(obj, old)) {
          const cr = this.uidToCr.get(uid);
          if (cr) enqueue(crKeyOf(resource, cr), 'event', change === 'drift');
        }
      },
      // A kind watched for the first time (a new resource's first renders, a new leader). Left alone: an object
      // only our apply wrote (nothing changed since our reconcile saw it; the watch reports the first change).
      // Anything else happened before anyone watched: an object a worker may trust without a read (status-less,
      // a Service: mayTrustWithoutRead) that someone else wrote may have drifted (its owner reads every object
      // next time), and an owner of another kind with a status that is not Ready may be waiting for a status
      // change no event will report — it is looked at again now instead of when its timed re-check comes.
      onListed: (obj) => {
        if (obj.writers.entries > 0 && obj.writers.others === '') return;
        const trustable = mayTrustWithoutRead(obj.apiVersion, obj.kind);
        for (const uid of ownerUidsOf(obj)) {
          const cr = this.uidToCr.get(uid);
          if (!cr || actionForPresent(cr, resource) !== 'enqueue') continue;
          if (trustable) enqueue(crKeyOf(resource, cr), 'event', true);
          else if (readyStateOf(cr) !== 'true') enqueue(crKeyOf(resource, cr), 'event');
        }
      },
      onError: (kind, err) => this.log.warn({ kind, err }, 'watching a managed kind failed; retrying'),
    });
    const countEvent = (cr: KubeObject, old?: KubeObject): void => {
      if (isReleaseEvent(cr, old, resource)) this.o.metrics.releasesEvents.inc();
    };
    const remember = (cr: KubeObject): void => {
      if (cr.metadata.uid) this.uidToCr.set(cr.metadata.uid, cr);
    };
    const watch = new ResourceWatch(resource, this.o.kube, {
      add: (cr) => {
        countEvent(cr);
        remember(cr);
        // The first list (this watcher just began leading, or the CRD appeared): whatever happened to the CR's
        // objects while no one watched them is unknown, so its first reconcile reads every object (a mark).
        // After it, an added CR that holds no finalizer of ours was just created: `new`, behind the events.
        if (actionForPresent(cr, resource) !== 'enqueue') return;
        if (!watch.synced) enqueue(crKeyOf(resource, cr), 'event', true);
        else enqueue(crKeyOf(resource, cr), addedReason(cr));
      },
      update: (cr, old) => {
        countEvent(cr, old);
        remember(cr);
        if (actionForUpdate(cr, old, resource) === 'enqueue') enqueue(crKeyOf(resource, cr), 'event');
      },
      delete: (cr) => {
        countEvent(cr);
        enqueue(crKeyOf(resource, cr), 'event');
        // Keep the uid mapping briefly: owned objects' deletions arrive after the CR's.
        const uid = cr.metadata.uid;
        if (uid) setTimeout(() => this.uidToCr.delete(uid), 60_000).unref();
      },
      resync: (cr) => {
        countEvent(cr);
        if (actionForPresent(cr, resource) === 'enqueue') enqueue(crKeyOf(resource, cr), 'resync');
      },
      state: (ok, detail) => this.setState(run, ok, detail),
      relist: (reason) => {
        this.o.metrics.watchRelists.inc({ controller: resource.name });
        this.log.info({ reason }, 'watch history expired; relisting');
      },
    });
    const run: ControllerRun = {
      controller,
      watch,
      owned,
      state: undefined,
      stopRevisions: () => Promise.resolve(),
      checkRevisions: () => undefined,
    };
    this.run = run;
    owned.start(controller.signal);
    watch.start(controller.signal);
    this.followRevisions(run);
  }

  /** Stops watching; resolves once every run stopped so far has ended (idempotent). */
  async stop(): Promise<void> {
    const run = this.run;
    if (run) {
      this.run = undefined;
      run.controller.abort(new Error('not leading'));
      const ended = this.finish(run);
      this.stopping.add(ended);
      // A failure reaches the callers through the await below; this chain only does the bookkeeping.
      ended.then(
        () => this.stopping.delete(ended),
        () => this.stopping.delete(ended),
      );
    }
    await Promise.all([...this.stopping]);
  }

  private async finish(run: ControllerRun): Promise<void> {
    await Promise.all([run.watch.stopped(), run.owned.stop(), run.stopRevisions()]);
    // Started again meanwhile: the readiness check and the gauge are the new run's.
    if (this.run) return;
    this.o.health.remove(`resource:${this.resource.name}`);
    this.o.watchUp.remove({ controller: this.resource.name });
  }

  /** Whether the cache holds the first complete list of the CRs. */
  get synced(): boolean {
    return this.run?.watch.synced ?? false;
  }

  /** Cached CRs (empty until the first list, and while not leading). */
  list(): KubeObject[] {
    return this.run?.watch.list() ?? [];
  }

  /** Enqueues every cached CR that passes the filter; returns how many. */
  enqueueAll(reason: EnqueueReason): number {
    let n = 0;
    for (const cr of this.list()) {
      if (actionForPresent(cr, this.resource) === 'ignore') continue;
      this.o.enqueuer.enqueue(this.resource.name, crKeyOf(this.resource, cr), reason);
      n++;
    }
    return n;
  }

  counts(): Record<ReadyState, number> {
    return countByReady(this.list(), this.resource);
  }

  status(): ResourceControllerStatus {
    return { ...(this.run?.state ?? { ok: false, detail: 'starting' }), crs: this.list().length };
  }

  /** A worker announced a template revision change for this resource (the app holds one subscription). */
  revisionsAnnounced(): void {
    this.run?.checkRevisions();
  }

  ownedKinds(): string[] {
    return this.run?.owned.kinds() ?? [];
  }

  private setState(run: ControllerRun, ok: boolean, detail: string): void {
    // A run being stopped (or replaced) no longer speaks for the resource.
    if (this.run !== run) return;
    const prev = run.state;
    run.state = { ok, detail };
    this.o.watchUp.set({ controller: this.resource.name }, ok ? 1 : 0);
    this.o.health.setReady(`resource:${this.resource.name}`, ok, detail);
    if (prev?.ok === ok && prev.detail === detail) return;
    if (ok) this.log.info({ detail }, 'resource watch healthy');
    else {
      this.o.metrics.watchRestarts.inc({ controller: this.resource.name });
      this.log.error({ detail }, 'resource cannot be watched; retrying');
    }
  }

  /**
   * Re-enqueues the CRs when the template revisions the resource's live workers run change (workers report
   * them through Redis and announce changes on a channel, see revisionsAnnounced; polled as a fallback). The watcher never reads the
   * templates itself: the process that renders owns the revision.
   */
  private followRevisions(run: ControllerRun): void {
    const name = this.resource.name;
    const signal = run.controller.signal;
    let lastSeen: string[] | undefined;
    let checking = Promise.resolve();
    const check = (): void => {
      checking = checking
        .then(async () => {
          if (signal.aborted) return;
          const [now, kinds] = await Promise.all([this.o.revisions.live(name), this.o.revisions.kinds(name)]);
          if (signal.aborted) return;
          // Watch what the workers' templates render (never what a CR's writable status claims).
          for (const k of kinds) {
            const slash = k.lastIndexOf('/');
            if (slash > 0) run.owned.ensure(k.slice(0, slash), k.slice(slash + 1));
          }
          const before = lastSeen;
          if (now.length > 0) lastSeen = now;
          if (!revisionsChanged(before, now)) return;
          // A staged rollout moves the CRs itself, in waves (rollout-controller.ts).
          if (this.resource.rollout) return;
          const n = this.enqueueAll('templates');
          this.log.info(
            { revisions: now.map((r) => r.slice(0, 12)), crs: n },
            'the workers run new templates: re-enqueued every CR of the resource',
          );
        })
        .catch((err: unknown) =>
          this.log.debug({ err }, "reading the workers' template revisions failed; retrying"),
        );
    };
    check();
    const timer = setInterval(check, this.o.revisionPollMs ?? 5_000);
    timer.unref();
    run.checkRevisions = check;
    run.stopRevisions = async () => {
      clearInterval(timer);
      await checking;
    };
  }
}
