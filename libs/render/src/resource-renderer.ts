import fs from 'node:fs';
import path from 'node:path';
import type { LostromosConfig, ResourceConfig } from '@lostromos/config';
import { createHelmRenderer } from './helm/helm-renderer.js';
import type { KubeObject } from './kube-object.js';
import { RenderError } from './render-error.js';
import { renderTemplateSet } from './render-template-set.js';
import { loadTemplateSet } from './template-set.js';
import { watchTemplateSet } from './watch-template-set.js';
import type { RenderLogger, ResourceRenderer } from './renderer-types.js';

export type { RenderLogger, ResourceRenderer } from './renderer-types.js';

export interface ResourceRendererOptions {
  helm: LostromosConfig['helm'];
  /** Reload when the template folder (or a local chart folder / .tgz) changes. */
  watch?: boolean;
  /** Called after a reload changed the revision. */
  onChange?: () => void;
  logger?: RenderLogger;
}

/** One loaded generation of a resource's templates or chart. */
interface Loaded {
  revision: string;
  render(cr: KubeObject): Promise<KubeObject[]>;
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
  if (resource.helm && resource.templates) {
    throw new RenderError('LZ_RENDER_INPUT', `resource ${resource.name}: set templates or helm, not both`);
  }
  let load: () => Promise<Loaded>;
  let watched: { target: string; recursive: boolean; name?: string } | undefined;
  if (resource.helm) {
    const chart = resource.helm.chart;
    load = () => createHelmRenderer(resource, { helm: opts.helm, logger: opts.logger });
    const stat = fs.statSync(chart, { throwIfNoEntry: false });
    // Local charts only: a folder is watched recursively, an archive through its folder.
    if (stat?.isDirectory()) watched = { target: chart, recursive: true };
    else if (stat?.isFile())
      watched = { target: path.dirname(chart), recursive: false, name: path.basename(chart) };
  } else if (resource.templates) {
    const dir = resource.templates;
    load = async () => {
      const set = await loadTemplateSet(dir);
      return {
        revision: set.revision,
        render: (cr) => Promise.resolve(renderTemplateSet(set, { cr, values: resource.values })),
      };
    };
    watched = { target: dir, recursive: false };
  } else {
    throw new RenderError(
      'LZ_RENDER_INPUT',
      `resource ${resource.name}: set templates (a folder) or helm (a chart)`,
    );
  }

  let state: Loaded | { error: RenderError; revision: string } = await load();
  const controller = new AbortController();
  let reloading: Promise<void> = Promise.resolve();
  const what = resource.helm ? 'chart' : 'templates';

  const reload = async (): Promise<void> => {
    const before = state.revision;
    try {
      state = await load();
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

  return {
    render(cr: KubeObject): Promise<KubeObject[]> {
      const s = state;
      if ('error' in s) return Promise.reject(s.error);
      try {
        return s.render(cr);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    get revision(): string {
      return state.revision;
    },
    async close(): Promise<void> {
      controller.abort();
      await reloading;
    },
  };
}
