import type { ResourceConfig } from '@lostromos/config';
import { RenderError } from '../render-error.js';
import type { TemplateEngine } from './engine.js';
import { handlebarsEngine } from './handlebars-engine.js';
import { helmEngine } from './helm-engine.js';

export type { EngineLoadOptions, LoadedTemplates, TemplateEngine, WatchTarget } from './engine.js';

/** Every template engine; a resource's config selects exactly one. */
export const TEMPLATE_ENGINES: readonly TemplateEngine[] = [handlebarsEngine, helmEngine];

/** The engine a resource uses; a clear error when its config names none or several sources. */
export function engineFor(resource: ResourceConfig): TemplateEngine {
  const selected = TEMPLATE_ENGINES.filter((e) => e.selects(resource));
  if (selected.length === 1) return selected[0]!;
  const sources = TEMPLATE_ENGINES.map((e) =>
    e.name === 'helm' ? 'helm (a chart)' : `${e.noun} (a folder)`,
  );
  throw new RenderError(
    'LZ_RENDER_INPUT',
    selected.length === 0
      ? `resource ${resource.name}: set ${sources.join(' or ')}`
      : `resource ${resource.name}: set ${selected.map((e) => (e.name === 'helm' ? 'helm' : e.noun)).join(' or ')}, not both`,
  );
}
