import type { LostromosConfig, ResourceConfig } from '@lostromos/config';
import type { Logger } from '@lostromos/observability';
import { RolloutStore, TemplateStore, type ReconcileOutcome, type TemplateRevisions } from '@lostromos/queue';
import type { CrRenderer, ReconcileResult } from '@lostromos/reconcile';
import type { TemplateSnapshot } from '@lostromos/render';
import type { Redis } from 'ioredis';
import { RevisionLibrary } from './revision-library.js';
import { RevisionPublisher } from './revision-publisher.js';
import { RevisionRouter } from './revision-router.js';

export interface RevisionRoutingOptions {
  config: LostromosConfig;
  redis: Redis;
  revisions: TemplateRevisions;
  identity: string;
  logger: Logger;
}

/** A renderer that may say which source its current revision was loaded from (ResilientRenderer does). */
type WithSnapshot = CrRenderer & { readonly snapshot?: TemplateSnapshot };

/**
 * The worker's side of template revisions, one per worker: it stores every revision it loads (so any worker
 * can render it) before reporting it, and gives each resource a RevisionRouter that renders every CR with
 * the revision it should be on — a pinned one, the rollout's, or this worker's own.
 */
export class RevisionRouting {
  readonly store: TemplateStore;
  readonly rollouts: RolloutStore;
  private readonly publisher: RevisionPublisher;
  private readonly libraries: RevisionLibrary[] = [];

  constructor(private readonly o: RevisionRoutingOptions) {
    this.store = new TemplateStore({ connection: o.redis, prefix: o.config.redis.prefix });
    this.rollouts = new RolloutStore({ connection: o.redis, prefix: o.config.redis.prefix });
    this.publisher = new RevisionPublisher({
      store: this.store,
      revisions: o.revisions,
      identity: o.identity,
      logger: o.logger,
    });
  }

  /** Stores the renderer's current revision (once) and reports it for this worker. */
  publish(
    resource: string,
    revision: string,
    kinds: readonly string[],
    renderer: WithSnapshot | undefined,
  ): Promise<void> {
    return this.publisher.publish(resource, revision, kinds, renderer?.snapshot);
  }

  router(resource: ResourceConfig, local: CrRenderer): RevisionRouter {
    const library = new RevisionLibrary({
      resource,
      helm: this.o.config.helm,
      fetch: (revision) => this.store.get(resource.name, revision),
      logger: this.o.logger,
    });
    this.libraries.push(library);
    return new RevisionRouter({
      resource,
      local,
      library,
      logger: this.o.logger,
      source: {
        stored: async () => (await this.store.history(resource.name)).map((e) => e.revision),
        // Only a resource with a staged rollout follows the rollout state; the others render the newest.
        ...(resource.rollout ? { rollout: (crKey: string) => this.rollouts.view(resource.name, crKey) } : {}),
      },
    });
  }

  /**
   * Records how the CR's reconcile ended and with which revision (resources with a staged rollout only): the
   * rollout controller advances a wave on these records instead of reading every CR. Never fails the job.
   */
  async recordOutcome(
    resource: ResourceConfig,
    crKey: string,
    result: ReconcileResult,
    revision: string,
  ): Promise<void> {
    if (!resource.rollout) return;
    const outcome = outcomeOf(result, revision, Date.now());
    try {
      await this.rollouts.recordOutcome(resource.name, crKey, outcome);
    } catch (err) {
      // The wave waits for the next reconcile of this CR (readiness polls requeue it), or times out.
      this.o.logger.debug(
        { err, resource: resource.name, cr: crKey },
        'could not record the reconcile outcome',
      );
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.libraries.map((l) => l.close()));
    this.libraries.length = 0;
  }
}

/** A reconcile result as the rollout controller needs it; undefined when the CR is gone. */
export function outcomeOf(
  result: ReconcileResult,
  revision: string,
  at: number,
): ReconcileOutcome | undefined {
  switch (result.outcome) {
    case 'gone':
    case 'deleted':
      return undefined;
    case 'paused':
      return { revision, state: 'skipped', at };
    case 'failed-permanent':
      return {
        revision,
        state: 'failed',
        reason: result.error?.reason ?? result.error?.code ?? 'Failed',
        message: result.error?.message ?? '',
        at,
      };
    default:
      return {
        revision: result.templateRevision ?? revision,
        state: result.readiness ?? 'ready',
        ...(result.readiness === 'failed' ? { reason: 'ChildFailed' } : {}),
        at,
      };
  }
}
