import type { ResourceConfig } from '@lostromos/config';
import {
  chooseRevision,
  TEMPLATE_REVISION_ANNOTATION,
  TemplateStoreError,
  type RevisionChoiceReason,
  type RolloutView,
} from '@lostromos/queue';
import {
  formatCrKey,
  statusOf,
  UnknownRevisionError,
  type CrRenderer,
  type KubeObject,
} from '@lostromos/reconcile';
import type { RevisionLibrary } from './revision-library.js';

/** What the router reads from Redis to decide; both may throw when Redis cannot be read. */
export interface RevisionSource {
  /** The resource's stored revisions, newest first. */
  stored(): Promise<string[]>;
  /**
   * The resource's rollout as this CR sees it; undefined when no rollout state exists. Absent when the
   * resource has no staged rollout: then only pins are routed, every other CR renders this worker's revision.
   */
  rollout?(crKey: string): Promise<RolloutView | undefined>;
}

export interface RevisionRouterOptions {
  resource: ResourceConfig;
  /** The renderer of the templates on this worker's disk. */
  local: CrRenderer;
  library: Pick<RevisionLibrary, 'renderer'>;
  source: RevisionSource;
  /** Says at debug level which revision each routed CR renders with, and why. */
  logger?: { debug(obj: object, msg: string): void };
}

/** The renderer reconcile() gets for one job: the revision it reports is the one it rendered with. */
export interface JobRenderer extends CrRenderer {
  /** Why that revision (undefined before render). */
  readonly reason: RevisionChoiceReason | undefined;
}

const unavailable = (resource: string, err: unknown): TemplateStoreError =>
  new TemplateStoreError(
    'LZ_TEMPLATE_STORE_UNAVAILABLE',
    `cannot read the template revisions of resource ${resource} from Redis: ${err instanceof Error ? err.message : String(err)}`,
    { cause: err },
  );

/**
 * Picks the template revision each CR renders with (chooseRevision: a pin, the resource's staged rollout, or
 * this worker's own files) and renders with it: the local renderer when that is the revision, else the
 * stored revision from the library. One JobRenderer per job, so the revision it reports is this CR's.
 */
export class RevisionRouter {
  constructor(private readonly o: RevisionRouterOptions) {}

  forJob(): JobRenderer {
    const { local } = this.o;
    let chosen: string | undefined;
    let why: RevisionChoiceReason | undefined;
    return {
      get revision() {
        return chosen ?? local.revision;
      },
      get reason() {
        return why;
      },
      render: async (cr: KubeObject): Promise<KubeObject[]> => {
        const decision = await this.decide(cr);
        why = decision.reason;
        if (decision.revision !== undefined)
          this.o.logger?.debug(
            {
              resource: this.o.resource.name,
              namespace: cr.metadata.namespace,
              name: cr.metadata.name,
              revision: decision.revision.slice(0, 12),
              reason: decision.reason,
            },
            'template revision chosen',
          );
        const own = local.revision;
        if (decision.revision === undefined || decision.revision === own) {
          // The revision this render uses, read with it: a reload finishing later must not relabel it.
          // (A broken local renderer loads in render(): then its revision is known only afterwards.)
          chosen = own.startsWith('error:') ? undefined : own;
          return local.render(cr);
        }
        chosen = decision.revision;
        const renderer = await this.o.library.renderer(decision.revision);
        return renderer.render(cr);
      },
    };
  }

  /** The revision for this CR; undefined = this worker's own (no pin, no staged rollout). */
  private async decide(cr: KubeObject): Promise<{ revision?: string; reason: RevisionChoiceReason }> {
    const { resource, source } = this.o;
    const pin = cr.metadata.annotations?.[TEMPLATE_REVISION_ANNOTATION];
    if (pin === undefined && !source.rollout) return { reason: 'local' };
    const key = formatCrKey({
      group: resource.group,
      plural: resource.plural,
      namespace: cr.metadata.namespace ?? '',
      name: cr.metadata.name ?? '',
    });
    let stored: string[];
    let rollout: RolloutView | undefined;
    try {
      [stored, rollout] = await Promise.all([
        pin === undefined ? Promise.resolve([]) : source.stored(),
        pin === undefined && source.rollout ? source.rollout(key) : Promise.resolve(undefined),
      ]);
    } catch (err) {
      throw unavailable(resource.name, err);
    }
    const current = statusOf(cr).templateRevision;
    const choice = chooseRevision({
      resource: resource.name,
      ...(pin !== undefined ? { pin } : {}),
      stored,
      ...(rollout ? { rollout } : {}),
      ...(current !== undefined ? { current } : {}),
      local: this.o.local.revision,
    });
    if ('error' in choice) throw new UnknownRevisionError(choice.error);
    return choice;
  }
}
