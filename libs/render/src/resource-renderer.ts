import type { LostromosConfig, ResourceConfig } from '@lostromos/config';
import { createHelmRenderer } from './helm/helm-renderer.js';
import type { KubeObject } from './kube-object.js';
import { RenderError } from './render-error.js';
import { renderTemplateSet } from './render-template-set.js';
import { loadTemplateSet, type TemplateSet } from './template-set.js';
import { watchTemplateSet } from './watch-template-set.js';
import type { RenderLogger, ResourceRenderer } from './renderer-types.js';

export type { RenderLogger, ResourceRenderer } from './renderer-types.js';

export interface ResourceRendererOptions {
  helm: LostromosConfig['helm'];
  /** Reload the template folder when its files change (templates mode). */
  watch?: boolean;
  /** Called after a reload changed the revision. */
  onChange?: () => void;
  logger?: RenderLogger;
}

/**
 * Creates the renderer for a resource: a compiled Handlebars template set (`templates`) or a Helm chart
 * (`helm`). Fails fast (RenderError) when the templates do not compile or helm is unusable.
 * With `watch`, a broken edit makes every render fail with that error (so it shows on the CRs) until fixed;
 * it never silently keeps serving the old templates.
 */
export async function createResourceRenderer(
  resource: ResourceConfig,
  opts: ResourceRendererOptions,
): Promise<ResourceRenderer> {
  if (resource.helm && resource.templates) {
    throw new RenderError('LZ_RENDER_INPUT', `resource ${resource.name}: set templates or helm, not both`);
  }
  if (resource.helm) return createHelmRenderer(resource, { helm: opts.helm, logger: opts.logger });
  if (!resource.templates) {
    throw new RenderError(
      'LZ_RENDER_INPUT',
      `resource ${resource.name}: set templates (a folder) or helm (a chart)`,
    );
  }
  const dir = resource.templates;
  let state: { set: TemplateSet } | { error: RenderError; revision: string } = {
    set: await loadTemplateSet(dir),
  };
  const revisionOf = (s: typeof state): string => ('set' in s ? s.set.revision : s.revision);
  const controller = new AbortController();
  let reloading: Promise<void> = Promise.resolve();

  const reload = async (): Promise<void> => {
    const before = revisionOf(state);
    try {
      const set = await loadTemplateSet(dir);
      state = { set };
      if (set.revision !== before)
        opts.logger?.info({ resource: resource.name, revision: set.revision }, 'templates reloaded');
    } catch (err) {
      const error =
        err instanceof RenderError
          ? err
          : new RenderError('LZ_RENDER_TEMPLATE_DIR', String(err), { cause: err });
      state = { error, revision: `error:${error.message}` };
      opts.logger?.error(
        { resource: resource.name, err: error },
        'templates failed to reload; renders fail until fixed',
      );
    }
    if (revisionOf(state) !== before) opts.onChange?.();
  };

  if (opts.watch) {
    watchTemplateSet(
      dir,
      () => {
        reloading = reloading.then(reload);
      },
      {
        signal: controller.signal,
        onError: (err) =>
          opts.logger?.warn({ resource: resource.name, err }, 'watching the template folder failed'),
      },
    );
  }

  return {
    render(cr: KubeObject): Promise<KubeObject[]> {
      try {
        if ('error' in state) throw state.error;
        return Promise.resolve(renderTemplateSet(state.set, { cr, values: resource.values }));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    get revision(): string {
      return revisionOf(state);
    },
    async close(): Promise<void> {
      controller.abort();
      await reloading;
    },
  };
}
