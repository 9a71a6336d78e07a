import type { ResourceConfig } from '@lostromos/config';
import { renderTemplateSet } from '../render-template-set.js';
import { loadTemplateSet } from '../template-set.js';
import type { LoadedTemplates, TemplateEngine, WatchTarget } from './engine.js';

/** Handlebars: every `*.yaml|*.yml|*.hbs` file of the `templates` folder, `_*` files as partials. */
export const handlebarsEngine: TemplateEngine = {
  name: 'handlebars',
  noun: 'templates',
  selects: (resource: ResourceConfig) => Boolean(resource.templates),
  async load(resource: ResourceConfig): Promise<LoadedTemplates> {
    const dir = resource.templates!;
    const set = await loadTemplateSet(dir);
    return {
      revision: set.revision,
      render: (cr, use) => Promise.resolve(renderTemplateSet(set, { cr, values: resource.values }, use)),
      describe: () =>
        `${set.files.length} templates in ${dir}${set.partials.length ? `, partials ${set.partials.join(', ')}` : ''}`,
    };
  },
  watchTarget: (resource: ResourceConfig): WatchTarget => ({ target: resource.templates!, recursive: false }),
};
