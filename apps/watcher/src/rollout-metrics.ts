import type { RolloutState } from '@lostromos/queue';
import { Gauge, type Registry } from 'prom-client';

/**
 * The staged rollouts this watcher leads, as gauges (docs/observability.md): set after every look of a
 * resource's rollout controller, removed when it stops leading the resource, so only the leader exports them.
 */
export class RolloutMetrics {
  private readonly wave: Gauge<'controller'>;
  private readonly crs: Gauge<'controller' | 'revision'>;
  private readonly paused: Gauge<'controller'>;
  private readonly failures: Gauge<'controller'>;
  private readonly active: Gauge<'controller'>;
  private readonly revisions = new Map<string, Set<string>>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.wave = new Gauge({
      name: 'lostromos_rollout_wave',
      help: 'Wave of the staged rollout in progress (0 when none), per resource (leader only)',
      labelNames: ['controller'],
      registers,
    });
    this.crs = new Gauge({
      name: 'lostromos_rollout_crs',
      help: 'CRs of a resource with staged rollouts per template revision (12 hex digits; "none" = never rendered), as the leader sees them',
      labelNames: ['controller', 'revision'],
      registers,
    });
    this.paused = new Gauge({
      name: 'lostromos_rollout_paused',
      help: '1 while the resource’s rollout is paused (by the controller after too many failures, or by a user)',
      labelNames: ['controller'],
      registers,
    });
    this.failures = new Gauge({
      name: 'lostromos_rollout_failures',
      help: 'CRs that failed (or were not Ready in time) in the resource’s current or last rollout',
      labelNames: ['controller'],
      registers,
    });
    this.active = new Gauge({
      name: 'lostromos_rollout_in_progress',
      help: '1 while a rollout (or an undo) of the resource moves CRs or is paused, 0 when every CR is on the stable revision',
      labelNames: ['controller'],
      registers,
    });
  }

  update(controller: string, s: RolloutState): void {
    this.wave.set({ controller }, s.phase === 'idle' ? 0 : s.wave);
    this.paused.set({ controller }, s.phase === 'paused' ? 1 : 0);
    this.failures.set({ controller }, s.failures.length);
    this.active.set({ controller }, s.phase === 'idle' ? 0 : 1);
    const seen = this.revisions.get(controller) ?? new Set<string>();
    for (const revision of seen) if (!(revision in s.byRevision)) this.crs.remove({ controller, revision });
    for (const [revision, n] of Object.entries(s.byRevision)) this.crs.set({ controller, revision }, n);
    this.revisions.set(controller, new Set(Object.keys(s.byRevision)));
  }

  remove(controller: string): void {
    for (const g of [this.wave, this.paused, this.failures, this.active]) g.remove({ controller });
    for (const revision of this.revisions.get(controller) ?? []) this.crs.remove({ controller, revision });
    this.revisions.delete(controller);
  }
}
