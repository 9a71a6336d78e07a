import type { LostromosConfig, ResourceConfig } from '@lostromos/config';
import type { KubeObject } from '../kube-object.js';
import type { RenderLogger } from '../renderer-types.js';
import type { ContextUse } from '../template-context.js';
import type { TemplateSnapshot } from '../template-snapshot.js';

/** One loaded generation of a resource's templates: its content-addressed revision and its render. */
export interface LoadedTemplates {
  /** Changes exactly when the rendered output for some CR can change (content, engine version, values). */
  revision: string;
  /** `use.statusRead` is set when the render read the CR's status (the memo then keys on status too). */
  render(cr: KubeObject, use: ContextUse): Promise<KubeObject[]>;
  /**
   * The render plus what a person should know about it (`lostromos render` prints these as notes), e.g. the
   * Helm hooks that were skipped. The operator uses {@link render}.
   */
  renderWithNotes(cr: KubeObject): Promise<{ objects: KubeObject[]; notes: string[] }>;
  /** One line for `lostromos validate`: what was loaded. */
  describe(): string;
  /**
   * The files and values this revision was loaded from, for the template store (so every worker can render
   * it). Undefined when they could not be captured consistently (a local chart edited while it loaded: the
   * watch reloads it and the next load has one).
   */
  snapshot?: TemplateSnapshot;
  /** Releases what loading took (a chart materialised from a snapshot into a temporary folder). */
  close?(): Promise<void>;
}

/** What to watch for edits of a resource's template source ("" target: nothing local to watch). */
export interface WatchTarget {
  target: string;
  recursive: boolean;
  /** Only this file name in `target` (an archive). */
  name?: string;
}

export interface EngineLoadOptions {
  helm: LostromosConfig['helm'];
  logger?: RenderLogger;
}

/**
 * A template engine: how a resource's config names its source, how to load it (revision + render), and what
 * to watch. The worker, the CLI (`render`, `validate`, `diff`) and the renderer all go through the registry
 * in ./index.ts, so adding an engine is one file here plus its entry there.
 */
export interface TemplateEngine {
  readonly name: string;
  /** What its source is called in messages ("templates", "chart"). */
  readonly noun: string;
  /** The resource's config names this engine's source. */
  selects(resource: ResourceConfig): boolean;
  load(resource: ResourceConfig, opts: EngineLoadOptions): Promise<LoadedTemplates>;
  /**
   * The resource with `extra` values layered over its configured ones (still under the CR's own values):
   * what `lostromos render --values FILE` renders with.
   */
  withExtraValues(resource: ResourceConfig, extra: Record<string, unknown>): ResourceConfig;
  /**
   * Loads a stored revision (see TemplateSnapshot) instead of the configured source: the revision is the
   * snapshot's, whatever the files on this worker's disk say.
   */
  fromSnapshot(
    resource: ResourceConfig,
    snapshot: TemplateSnapshot,
    opts: EngineLoadOptions,
  ): Promise<LoadedTemplates>;
  watchTarget(resource: ResourceConfig): WatchTarget | undefined;
}
