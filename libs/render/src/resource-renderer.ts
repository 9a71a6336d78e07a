import { createHash } from 'node:crypto';
import type { LostromosConfig, ResourceConfig } from '@lostromos/config';
import { engineFor, type LoadedTemplates } from './engines/index.js';
import type { KubeObject } from './kube-object.js';
import { isRenderError, RenderError } from './render-error.js';
import { checkInputLimits, renderInputOf, type ContextUse } from './template-context.js';
import { watchTemplateSet } from './watch-template-set.js';
import type { RenderLogger, ResourceRenderer } from './renderer-types.js';
import type { TemplateSnapshot } from './template-snapshot.js';

export type { RenderLogger, ResourceRenderer } from './renderer-types.js';

export interface ResourceRendererOptions {
  helm: LostromosConfig['helm'];
  /** Reload when the template folder (or a local chart folder / .tgz) changes. */
  watch?: boolean;
  /** Called after a reload changed the revision. */
  onChange?: () => void;
  logger?: RenderLogger;
  /**
   * Loads something else than the resource's configured source (a stored revision, see
   * TemplateEngine.fromSnapshot); `watch` does not apply then.
   */
  load?: () => Promise<LoadedTemplates>;
}

/** One loaded generation of a resource's templates or chart. */
type Loaded = LoadedTemplates;

interface MemoEntry {
  /** The objects as JSON (each hit gets its own copy), or the permanent error the render threw. */
  json?: string;
  error?: RenderError;
  /** JSON of the CR's status when the render read it: then a hit needs the same status. */
  status?: string;
  size: number;
}

/** Renders remembered per renderer: distinct CR inputs, and their total size. */
export const RENDER_MEMO = { maxEntries: 2000, maxBytes: 32 * 1024 * 1024 } as const;

/**
 * The last renders of a resource, keyed by renderer revision and the CR as templates see it (see
 * renderInputOf): a reconcile of an unchanged CR — after our own finalizer or status write, a drift event on
 * an owned object, a resync — re-uses the render instead of running the templates (or helm) again.
 * Least recently used entries go first.
 */
class RenderMemo {
  private readonly entries = new Map<string, MemoEntry>();
  private bytes = 0;
  renders = 0;
  hits = 0;

  get(key: string, status: () => string): MemoEntry | undefined {
    const e = this.entries.get(key);
    if (!e || (e.status !== undefined && e.status !== status())) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    this.hits++;
    return e;
  }

  set(key: string, entry: MemoEntry): void {
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.size;
      this.entries.delete(key);
    }
    if (entry.size > RENDER_MEMO.maxBytes / 4) return;
    this.entries.set(key, entry);
    this.bytes += entry.size;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= RENDER_MEMO.maxEntries && this.bytes <= RENDER_MEMO.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.size;
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

/**
 * Creates the renderer for a resource: a compiled Handlebars template set (`templates`) or a Helm chart
 * (`helm`). Fails fast (RenderError) when the templates do not compile or helm is unusable.
 * With `watch`, edits are picked up; a broken edit makes every render fail with that error (so it shows on
 * the CRs) until fixed — it never silently keeps serving the old templates.
 */
export async function createResourceRenderer(
  resource: ResourceConfig,
  opts: ResourceRendererOptions,
): Promise<ResourceRenderer> {
  const engine = engineFor(resource);
  const load =
    opts.load ?? ((): Promise<Loaded> => engine.load(resource, { helm: opts.helm, logger: opts.logger }));
  const watched = opts.load ? undefined : engine.watchTarget(resource);
  let state: Loaded | { error: RenderError; revision: string } = await load();
  const memo = new RenderMemo();
  const controller = new AbortController();
  let reloading: Promise<void> = Promise.resolve();
  const what = engine.noun;

  const reload = async (): Promise<void> => {
    const before = state.revision;
    const old = state;
    try {
      state = await load();
      if ('close' in old) await old.close?.();
      if (state.revision !== before) memo.clear();
      if (state.revision !== before)
        opts.logger?.info({ resource: resource.name, revision: state.revision }, `${what} reloaded`);
    } catch (err) {
      const error =
        err instanceof RenderError
          ? err
          : new RenderError('LZ_RENDER_TEMPLATE_DIR', String(err), { cause: err });
      state = { error, revision: `error:${error.message}` };
      opts.logger?.error(
        { resource: resource.name, err: error },
        `${what} failed to reload; renders fail until fixed`,
      );
    }
    if (state.revision !== before) opts.onChange?.();
  };

  if (opts.watch && watched) {
    watchTemplateSet(
      watched.target,
      () => {
        reloading = reloading.then(reload);
      },
      {
        signal: controller.signal,
        recursive: watched.recursive,
        ...(watched.name ? { only: watched.name } : {}),
        onError: (err) => opts.logger?.warn({ resource: resource.name, err }, `watching the ${what} failed`),
      },
    );
  }

  const renderOnce = async (s: Loaded, cr: KubeObject): Promise<KubeObject[]> => {
    // Bounded before anything else looks at it (hashing a 100 MB CR would already cost).
    const input = renderInputOf(cr, { withStatus: true });
    const { status, ...rest } = input;
    checkInputLimits(input);
    const key = createHash('sha256')
      .update(s.revision)
      .update('\0')
      .update(JSON.stringify(rest))
      .digest('hex');
    const statusJson = (): string => JSON.stringify(status ?? null);
    const hit = memo.get(key, statusJson);
    if (hit?.error) throw hit.error;
    if (hit?.json !== undefined) return JSON.parse(hit.json) as KubeObject[];
    const use: ContextUse = { statusRead: false };
    memo.renders++;
    try {
      const objects = await s.render(cr, use);
      const json = JSON.stringify(objects);
      memo.set(key, { json, size: json.length, ...(use.statusRead ? { status: statusJson() } : {}) });
      return objects;
    } catch (err) {
      // Permanent errors depend on nothing but the input: remember them too (a hostile CR fails once).
      if (isRenderError(err) && !err.retryable) {
        memo.set(key, {
          error: err,
          size: err.message.length,
          ...(use.statusRead ? { status: statusJson() } : {}),
        });
      }
      throw err;
    }
  };

  return {
    render(cr: KubeObject): Promise<KubeObject[]> {
      const s = state;
      if ('error' in s) return Promise.reject(s.error);
      try {
        return renderOnce(s, cr);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    get stats(): { renders: number; reused: number } {
      return { renders: memo.renders, reused: memo.hits };
    },
    get revision(): string {
      return state.revision;
    },
    get snapshot(): TemplateSnapshot | undefined {
      return 'error' in state ? undefined : state.snapshot;
    },
    async close(): Promise<void> {
      controller.abort();
      await reloading;
      if (!('error' in state)) await state.close?.();
    },
  };
}

export interface SnapshotRendererOptions {
  helm: LostromosConfig['helm'];
  logger?: RenderLogger;
}

/**
 * The renderer of a stored template revision (the template store's snapshot) instead of the resource's
 * configured source: its revision is the snapshot's, whatever the files on this disk say now (in memory for
 * Handlebars, a temporary chart folder for Helm that close() removes). What the worker renders a pinned or
 * rolling-out CR with, and `lostromos diff --revision` renders every CR with.
 */
export async function createSnapshotRenderer(
  resource: ResourceConfig,
  snapshot: TemplateSnapshot,
  opts: SnapshotRendererOptions,
): Promise<ResourceRenderer> {
  const engine = engineFor(resource);
  const load = { helm: opts.helm, ...(opts.logger ? { logger: opts.logger } : {}) };
  return await createResourceRenderer(resource, {
    ...load,
    load: () => engine.fromSnapshot(resource, snapshot, load),
  });
}
