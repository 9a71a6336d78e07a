import type { LostromosConfig } from '@lostromos/config';
import { KubeEventRecorder, type KubeClient } from '@lostromos/kube';
import type { Logger, OperatorMetrics } from '@lostromos/observability';
import { RolloutStore, TemplateStore, type TemplateRevisions } from '@lostromos/queue';
import type { Redis } from 'ioredis';
import type { Enqueuer } from './enqueuer.js';
import type { ResourceController } from './resource-controller.js';
import { RolloutController } from './rollout-controller.js';
import { RolloutMetrics } from './rollout-metrics.js';

export interface RolloutControllersOptions {
  config: LostromosConfig;
  kube: KubeClient;
  /** The watcher's producer connection. */
  redis: Redis;
  identity: string;
  metrics: OperatorMetrics;
  logger: Logger;
  revisions: TemplateRevisions;
  controllers: ReadonlyMap<string, ResourceController>;
  enqueuer: Enqueuer;
}

/** One RolloutController per configured resource, next to its ResourceController (whose cache it reads). */
export function createRolloutControllers(o: RolloutControllersOptions): Map<string, RolloutController> {
  const rollouts = new RolloutStore({ connection: o.redis, prefix: o.config.redis.prefix });
  const templates = new TemplateStore({ connection: o.redis, prefix: o.config.redis.prefix });
  const metrics = new RolloutMetrics(o.metrics.registry);
  const events = new KubeEventRecorder({ client: o.kube.rest, instance: o.identity, logger: o.logger });
  const out = new Map<string, RolloutController>();
  for (const resource of o.config.resources) {
    const controller = o.controllers.get(resource.name);
    if (!controller) continue;
    out.set(
      resource.name,
      new RolloutController({
        resource,
        list: () => controller.list(),
        synced: () => controller.synced,
        enqueue: (key) => o.enqueuer.enqueue(resource.name, key, 'templates'),
        rollouts,
        templates,
        revisions: o.revisions,
        events,
        metrics,
        logger: o.logger,
      }),
    );
  }
  return out;
}
