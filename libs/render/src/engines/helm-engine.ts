import fs from 'node:fs';
import path from 'node:path';
import type { ResourceConfig } from '@lostromos/config';
import { createHelmRenderer } from '../helm/helm-renderer.js';
import type { EngineLoadOptions, LoadedTemplates, TemplateEngine, WatchTarget } from './engine.js';

/** Helm: a chart folder, archive or remote reference rendered by the helm binary (`helm template`). */
export const helmEngine: TemplateEngine = {
  name: 'helm',
  noun: 'chart',
  selects: (resource: ResourceConfig) => Boolean(resource.helm),
  async load(resource: ResourceConfig, opts: EngineLoadOptions): Promise<LoadedTemplates> {
    const helm = await createHelmRenderer(resource, { helm: opts.helm, logger: opts.logger });
    return {
      revision: helm.revision,
      // Charts never see the CR's status (helmValuesFor), so status never invalidates a Helm render.
      render: (cr) => helm.render(cr),
      describe: () => `helm chart ${helm.chart.name}-${helm.chart.version} (helm ${helm.binary.version})`,
    };
  },
  watchTarget(resource: ResourceConfig): WatchTarget | undefined {
    const chart = resource.helm!.chart;
    const stat = fs.statSync(chart, { throwIfNoEntry: false });
    // Local charts only: a folder is watched recursively, an archive through its folder.
    if (stat?.isDirectory()) return { target: chart, recursive: true };
    if (stat?.isFile()) return { target: path.dirname(chart), recursive: false, name: path.basename(chart) };
    return undefined;
  },
};
