import type { ResourceConfig } from '@lostromos/config';
import type { KubeObject } from '@lostromos/kube';
import type { Logger } from '@lostromos/observability';
import {
  stepRollout,
  TEMPLATE_REVISION_ANNOTATION,
  type CrObservation,
  type RolloutFailure,
  type RolloutState,
  type RolloutStore,
  type TemplateRevisions,
  type TemplateStore,
} from '@lostromos/queue';
import { findCondition, statusOf, type EventRecorder } from '@lostromos/reconcile';
import { actionForPresent, crKeyOf } from './cr-events.js';
import type { RolloutMetrics } from './rollout-metrics.js';

export interface RolloutControllerOptions {
  resource: ResourceConfig;
  /** The leader's cached CRs of the resource (ResourceController.list). */
  list: () => KubeObject[];
  /** Whether that cache holds the first complete list: before, no CR would look like no CR. */
  synced: () => boolean;
  /** Puts a CR on the resource's queue (the Enqueuer checks leadership). */
  enqueue: (key: string) => void;
  rollouts: Pick<RolloutStore, 'read' | 'promoted' | 'outcomes' | 'write'>;
  templates: Pick<TemplateStore, 'history' | 'trim'>;
  revisions: Pick<TemplateRevisions, 'live'>;
  events: EventRecorder;
  metrics: RolloutMetrics;
  logger: Logger;
  /**
   * Between looks: default 2 s with a staged rollout, 30 s without (then a look only trims the history); a
   * worker announcing a revision looks at once.
   */
  tickMs?: number;
  now?: () => number;
}

/** A CR's revision pins (prefixes) protect the revisions they name from being trimmed. */
function pinsOf(crs: readonly KubeObject[]): string[] {
  return crs.flatMap((cr) => {
    const pin = cr.metadata.annotations?.[TEMPLATE_REVISION_ANNOTATION]?.trim().toLowerCase();
    return pin ? [pin] : [];
  });
}

/**
 * What the leader of a resource does about template revisions, started and stopped with the resource's
 * leadership: keeps the resource's revision history trimmed (never a revision a CR is pinned to, a rollout
 * uses or a live worker runs) and, for a resource with `rollout` configured, drives the staged rollout —
 * each look reads the state from Redis, feeds stepRollout what it sees (the newest stored revision live
 * workers run, the CRs and their revisions, the workers' outcomes for the current wave) and writes the next
 * state back by compare-and-set, then enqueues the CRs of a wave that starts and reports failures (a Warning
 * Event on each failed CR, a log line, the metrics). The state lives in Redis, so a new leader continues
 * where the last one was, and `lostromos rollout` acts on the same state.
 */
export class RolloutController {
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private looking: Promise<void> = Promise.resolve();
  private running = false;
  private again = false;
  private warnedUnstored = '';

  constructor(private readonly o: RolloutControllerOptions) {
    this.log = o.logger.child({ resource: o.resource.name, component: 'rollout' });
  }

  get name(): string {
    return this.o.resource.name;
  }

  /** Starts looking; idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => this.poke(), this.o.tickMs ?? (this.o.resource.rollout ? 2000 : 30_000));
    this.timer.unref();
    this.poke();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.timer);
    await this.looking;
    this.o.metrics.remove(this.name);
  }

  /** Looks now (a worker announced a revision); looks are never concurrent, a poke during one runs once more. */
  poke(): void {
    if (!this.running) return;
    if (this.again) return;
    this.again = true;
    this.looking = this.looking.then(async () => {
      this.again = false;
      if (!this.running) return;
      try {
        await this.look();
      } catch (err) {
        this.log.warn({ err }, 'looking at the template revisions failed; trying again');
      }
    });
  }

  private observe(crs: readonly KubeObject[]): CrObservation[] {
    const { resource } = this.o;
    return crs
      .filter((cr) => !cr.metadata.deletionTimestamp && actionForPresent(cr, resource) === 'enqueue')
      .map((cr) => {
        const status = statusOf(cr);
        const ready = findCondition(status.conditions, 'Ready');
        return {
          key: crKeyOf(resource, cr),
          ...(status.templateRevision ? { revision: status.templateRevision } : {}),
          ...(ready?.message ? { readyMessage: ready.message } : {}),
        };
      });
  }

  private async look(): Promise<void> {
    const { resource } = this.o;
    const name = resource.name;
    const now = (this.o.now ?? Date.now)();
    // Before the first list an empty cache would read as "no CR left to move" and end a rollout.
    if (!this.o.synced()) return;
    const cached = this.o.list();
    const [live, history] = await Promise.all([this.o.revisions.live(name), this.o.templates.history(name)]);
    const stored = new Set(history.map((e) => e.revision));
    // The newest revision a live worker runs that any worker can render (it is in the store).
    const newest = history.find((e) => live.includes(e.revision))?.revision;
    const unstored = live.filter((r) => !stored.has(r) && !r.startsWith('error:'));
    if (unstored.join() !== this.warnedUnstored) {
      this.warnedUnstored = unstored.join();
      if (unstored.length > 0)
        this.log.warn(
          { revisions: unstored.map((r) => r.slice(0, 12)) },
          'workers run a template revision that is not in the template store (see their logs): it is not rolled out',
        );
    }
    let state: RolloutState | undefined;
    if (resource.rollout) state = await this.advance(now, cached, newest);
    await this.trim(cached, live, state);
  }

  private async advance(
    now: number,
    cached: readonly KubeObject[],
    newest: string | undefined,
  ): Promise<RolloutState | undefined> {
    const { resource, rollouts } = this.o;
    const name = resource.name;
    const prev = await rollouts.read(name);
    const moving = prev?.phase === 'progressing';
    const [promoted, outcomes] = await Promise.all([
      moving ? rollouts.promoted(name) : Promise.resolve(new Set<string>()),
      moving ? rollouts.outcomes(name, prev.waveMembers) : Promise.resolve(new Map()),
    ]);
    const step = stepRollout(name, prev, {
      now,
      settings: resource.rollout!,
      newest,
      crs: this.observe(cached),
      promoted,
      outcomes,
    });
    if (!step) return prev;
    if (!step.changed) {
      this.o.metrics.update(name, step.state);
      return step.state;
    }
    const written = await rollouts.write(name, prev, step.state, {
      resetPromoted: step.resetPromoted,
      promote: step.promote,
    });
    if (!written) {
      // Someone else wrote first (a `lostromos rollout` command, a former leader): the next look redoes it.
      this.poke();
      return prev;
    }
    this.o.metrics.update(name, written);
    for (const e of written.history.slice(prev ? historyOverlap(prev, written) : 0))
      this.log.info({ stable: written.stable.slice(0, 12), target: written.target.slice(0, 12) }, e.message);
    for (const key of step.promote) this.o.enqueue(key);
    await this.reportFailures(step.newFailures, cached, written);
    if (step.paused) {
      this.log.warn(
        { reason: written.pausedReason, wave: written.wave, failures: written.failures.length },
        'rollout paused by itself: fix the templates and `lostromos rollout resume`, or `lostromos rollout undo`',
      );
    }
    return written;
  }

  private async reportFailures(
    failures: readonly RolloutFailure[],
    cached: readonly KubeObject[],
    s: RolloutState,
  ): Promise<void> {
    const { resource } = this.o;
    const max = resource.rollout?.maxFailures ?? 0;
    for (const f of failures) {
      const cr = cached.find((c) => crKeyOf(resource, c) === f.cr);
      if (!cr) continue;
      await this.o.events.record(cr, {
        type: 'Warning',
        reason: 'RolloutFailed',
        action: 'Rollout',
        message: `${f.message} (${f.reason}); the ${s.undo ? 'undo' : 'rollout'} of resource ${resource.name} to revision ${s.target.slice(0, 12)} pauses when more than ${max} CR${max === 1 ? '' : 's'} fail`,
      });
    }
  }

  /** Drops old revisions beyond the store's limit, except those in use. */
  private async trim(
    cached: readonly KubeObject[],
    live: readonly string[],
    state: RolloutState | undefined,
  ): Promise<void> {
    const keep = new Set([...live, ...(state ? [state.stable, state.target, state.observed] : [])]);
    if (state?.previous) keep.add(state.previous);
    const pins = pinsOf(cached);
    const removed = await this.o.templates.trim(
      this.name,
      (r) => keep.has(r) || pins.some((p) => p.length > 0 && r.startsWith(p)),
    );
    if (removed.length > 0)
      this.log.info({ revisions: removed.map((r) => r.slice(0, 12)) }, 'trimmed old template revisions');
  }
}

/** How many of `next`'s history entries `prev` already had (the history is bounded, oldest first). */
function historyOverlap(prev: RolloutState, next: RolloutState): number {
  const last = prev.history.at(-1);
  if (!last) return 0;
  for (let i = next.history.length - 1; i >= 0; i--) {
    const e = next.history[i]!;
    if (e.at === last.at && e.message === last.message) return i + 1;
  }
  return 0;
}
