import type { ResourceConfig } from '@lostromos/config';
import { RenderError } from '../render-error.js';
import { mergeValues } from '../helm/helm-template.js';
import { renderTemplateSet } from '../render-template-set.js';
import {
  decodeFiles,
  encodeFiles,
  revisionWithValues,
  shortRevision,
  type TemplateSnapshot,
} from '../template-snapshot.js';
import { compileTemplateSet, loadTemplateSet, type TemplateSet } from '../template-set.js';
import type { LoadedTemplates, TemplateEngine, WatchTarget } from './engine.js';

function loaded(
  set: TemplateSet,
  revision: string,
  values: Record<string, unknown>,
  where: string,
): LoadedTemplates {
  return {
    revision,
    render: (cr, use) => Promise.resolve(renderTemplateSet(set, { cr, values }, use)),
    renderWithNotes: (cr) =>
      Promise.resolve({ objects: renderTemplateSet(set, { cr, values }, { statusRead: false }), notes: [] }),
    describe: () =>
      `${set.files.length} templates in ${where}${set.partials.length ? `, partials ${set.partials.join(', ')}` : ''}`,
    snapshot: {
      engine: 'handlebars',
      revision,
      files: encodeFiles(set.texts),
      values,
      source: set.dir,
    },
  };
}

/** Handlebars: every `*.yaml|*.yml|*.hbs` file of the `templates` folder, `_*` files as partials. */
export const handlebarsEngine: TemplateEngine = {
  name: 'handlebars',
  noun: 'templates',
  selects: (resource: ResourceConfig) => Boolean(resource.templates),
  withExtraValues: (resource, extra) => ({ ...resource, values: mergeValues(resource.values, extra) }),
  async load(resource: ResourceConfig): Promise<LoadedTemplates> {
    const dir = resource.templates!;
    const set = await loadTemplateSet(dir);
    // The files and the resource's values: what every CR renders from.
    return loaded(set, revisionWithValues(set.revision, resource.values), resource.values, dir);
  },
  fromSnapshot(resource: ResourceConfig, snapshot: TemplateSnapshot): Promise<LoadedTemplates> {
    try {
      if (snapshot.engine !== 'handlebars') {
        throw new RenderError(
          'LZ_RENDER_TEMPLATE_DIR',
          `template revision ${shortRevision(snapshot.revision)} of resource ${resource.name} is a ${snapshot.engine} revision; the resource now uses Handlebars templates: pin its CRs to a Handlebars revision or remove the pin`,
        );
      }
      const sources = new Map(decodeFiles(snapshot).map(([name, bytes]) => [name, bytes.toString('utf8')]));
      const set = compileTemplateSet(snapshot.source, sources, snapshot.revision);
      const where = `revision ${shortRevision(snapshot.revision)} of ${snapshot.source}`;
      return Promise.resolve(loaded(set, snapshot.revision, snapshot.values, where));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  },
  watchTarget: (resource: ResourceConfig): WatchTarget => ({ target: resource.templates!, recursive: false }),
};
