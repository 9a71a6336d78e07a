import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ResourceConfig } from '@lostromos/config';
import { hashChartTree, readChartTree } from '../helm/chart-source.js';
import { createHelmRenderer, type HelmChartRenderer } from '../helm/helm-renderer.js';
import type { KubeObject } from '../kube-object.js';
import { mergeValues } from '../helm/helm-template.js';
import { RenderError } from '../render-error.js';
import { decodeFiles, encodeFiles, shortRevision, type TemplateSnapshot } from '../template-snapshot.js';
import type { EngineLoadOptions, LoadedTemplates, TemplateEngine, WatchTarget } from './engine.js';

const describeChart = (helm: HelmChartRenderer): string =>
  `helm chart ${helm.chart.name}-${helm.chart.version} (helm ${helm.binary.version})`;

/**
 * The chart as helm renders it (the unpacked folder, for an archive or a remote chart too) with its merged
 * values. A local folder is hashed where it lies, so it may have been edited between the hash and this read:
 * then there is no snapshot (the watch reloads it, and that load has one).
 */
async function chartSnapshot(
  resource: ResourceConfig,
  helm: HelmChartRenderer,
): Promise<TemplateSnapshot | undefined> {
  const src = resource.helm!;
  const files = await readChartTree(helm.chart.dir);
  const local = fs.statSync(src.chart, { throwIfNoEntry: false })?.isDirectory() === true;
  if (local && hashChartTree(files) !== helm.chart.revision) return undefined;
  return {
    engine: 'helm',
    revision: helm.revision,
    files: encodeFiles(files),
    values: helm.values,
    source: `${src.chart}${src.version ? `@${src.version}` : ''}`,
  };
}

/** Writes a snapshot's chart into `dir`, refusing paths that would leave it. */
async function materialise(snapshot: TemplateSnapshot, dir: string): Promise<void> {
  for (const [rel, bytes] of decodeFiles(snapshot)) {
    const target = path.resolve(dir, rel);
    if (path.isAbsolute(rel) || !target.startsWith(dir + path.sep)) {
      throw new RenderError(
        'LZ_HELM_CHART_SOURCE',
        `stored template revision ${shortRevision(snapshot.revision)} holds the path ${JSON.stringify(rel)}, outside its chart: it was not written by Lostrómos; delete it from Redis`,
      );
    }
    await fsp.mkdir(path.dirname(target), { recursive: true });
    await fsp.writeFile(target, bytes);
  }
}

async function renderWithNotes(
  helm: HelmChartRenderer,
  cr: KubeObject,
): Promise<{ objects: KubeObject[]; notes: string[] }> {
  const r = await helm.renderDetailed(cr);
  return {
    objects: r.objects,
    notes: r.skippedHooks.map((h) => `skipped Helm hook ${h} (hooks are not applied; see docs/helm-mode.md)`),
  };
}

/** Helm: a chart folder, archive or remote reference rendered by the helm binary (`helm template`). */
export const helmEngine: TemplateEngine = {
  name: 'helm',
  noun: 'chart',
  selects: (resource: ResourceConfig) => Boolean(resource.helm),
  withExtraValues: (resource, extra) => ({
    ...resource,
    helm: { ...resource.helm!, values: mergeValues(resource.helm!.values, extra) },
  }),
  async load(resource: ResourceConfig, opts: EngineLoadOptions): Promise<LoadedTemplates> {
    const helm = await createHelmRenderer(resource, { helm: opts.helm, logger: opts.logger });
    const snapshot = await chartSnapshot(resource, helm);
    return {
      revision: helm.revision,
      // Charts never see the CR's status (helmValuesFor), so status never invalidates a Helm render.
      render: (cr) => helm.render(cr),
      renderWithNotes: (cr) => renderWithNotes(helm, cr),
      describe: () => describeChart(helm),
      ...(snapshot ? { snapshot } : {}),
    };
  },
  async fromSnapshot(
    resource: ResourceConfig,
    snapshot: TemplateSnapshot,
    opts: EngineLoadOptions,
  ): Promise<LoadedTemplates> {
    if (snapshot.engine !== 'helm' || !resource.helm) {
      throw new RenderError(
        'LZ_HELM_CHART_SOURCE',
        `template revision ${shortRevision(snapshot.revision)} of resource ${resource.name} is a ${snapshot.engine} revision; the resource now uses a Helm chart: pin its CRs to a chart revision or remove the pin`,
      );
    }
    // One folder per process and revision, removed on close: another worker on this host may use its own.
    const dir = await fsp.mkdtemp(
      path.join(os.tmpdir(), `lostromos-revision-${shortRevision(snapshot.revision)}-`),
    );
    try {
      const chartDir = path.join(dir, 'chart');
      await materialise(snapshot, chartDir);
      const helm = await createHelmRenderer(
        {
          ...resource,
          values: {},
          helm: { ...resource.helm, chart: chartDir, values: snapshot.values, valuesFrom: [] },
        },
        { helm: opts.helm, logger: opts.logger },
      );
      return {
        // The stored revision, not one hashed here: helm's version or the folder's layout may differ.
        revision: snapshot.revision,
        render: (cr) => helm.render(cr),
        renderWithNotes: (cr) => renderWithNotes(helm, cr),
        describe: () =>
          `${describeChart(helm)}, revision ${shortRevision(snapshot.revision)} of ${snapshot.source}`,
        snapshot,
        close: () => fsp.rm(dir, { recursive: true, force: true }),
      };
    } catch (err) {
      await fsp.rm(dir, { recursive: true, force: true });
      throw err;
    }
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
