import fs from 'node:fs/promises';
import type { LostromosConfig, ResourceConfig } from '@lostromos/config';
import { createHash } from 'node:crypto';
import YAML from 'yaml';
import type { KubeObject } from '../kube-object.js';
import { RenderError } from '../render-error.js';
import type { RenderLogger, ResourceRenderer } from '../renderer-types.js';
import { assertCustomResource } from '../template-context.js';
import { resolveChart, type ChartSource } from './chart-source.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { checkHelmBinary, type HelmBinary } from './helm-binary.js';
import { mergeValues, runHelmTemplate, type HelmTemplateResult } from './helm-template.js';

export const DEFAULT_RELEASE_PREFIX = 'lostromos';

// One limiter per helm settings object: the frozen config is shared by every resource of a worker, so
// all its helm resources share the bound without a module-level singleton.
const limiters = new WeakMap<object, ConcurrencyLimiter>();
function limiterFor(helm: LostromosConfig['helm']): ConcurrencyLimiter {
  let l = limiters.get(helm);
  if (!l) {
    l = new ConcurrencyLimiter(helm.maxConcurrent);
    limiters.set(helm, l);
  }
  return l;
}

/** `<prefix>-<cr name>`, cut to helm's 53 characters with a hash suffix when longer. */
export function releaseNameFor(
  crName: string,
  opts: { releaseName?: string; releasePrefix?: string },
): string {
  if (opts.releaseName) return opts.releaseName;
  const full = `${opts.releasePrefix ?? DEFAULT_RELEASE_PREFIX}-${crName}`;
  if (full.length <= 53) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, 44).replace(/[-.]+$/, '')}-${hash}`;
}

/** Values for one CR: config values < { resource: { name, namespace, spec }, cr } (chart defaults under all). */
export function helmValuesFor(
  cr: KubeObject,
  configValues: Record<string, unknown>,
): Record<string, unknown> {
  const name = cr.metadata.name ?? '';
  const namespace = cr.metadata.namespace ?? '';
  return mergeValues(configValues, { resource: { name, namespace, spec: cr.spec ?? {} }, cr });
}

/** Reads values files (YAML mappings) and merges them in order. */
export async function readValuesFiles(files: readonly string[]): Promise<Record<string, unknown>> {
  let merged: Record<string, unknown> = {};
  for (const f of files) {
    let parsed: unknown;
    try {
      parsed = YAML.parse(await fs.readFile(f, 'utf8'));
    } catch (err) {
      throw new RenderError('LZ_HELM_VALUES', `values file ${f}: ${(err as Error).message}`, { cause: err });
    }
    if (parsed === null || parsed === undefined) continue;
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new RenderError('LZ_HELM_VALUES', `values file ${f} must be a YAML mapping`);
    }
    merged = mergeValues(merged, parsed as Record<string, unknown>);
  }
  return merged;
}

export interface HelmChartRendererOptions {
  helm: LostromosConfig['helm'];
  logger?: RenderLogger;
  /** Shared bound on helm processes; default one per `helm` settings object. */
  limiter?: ConcurrencyLimiter;
  cacheDir?: string;
  /** Already-checked binary (skips `helm version`). */
  binary?: HelmBinary;
}

/** A chart prepared once (binary checked, archive unpacked, values files read), rendered per CR. */
export interface HelmChartRenderer extends ResourceRenderer {
  readonly chart: ChartSource;
  readonly binary: HelmBinary;
  renderDetailed(cr: KubeObject): Promise<HelmTemplateResult>;
}

export async function createHelmRenderer(
  resource: ResourceConfig,
  opts: HelmChartRendererOptions,
): Promise<HelmChartRenderer> {
  const src = resource.helm;
  if (!src) throw new RenderError('LZ_RENDER_INPUT', `resource ${resource.name} has no helm chart`);
  const binary = opts.binary ?? (await checkHelmBinary(opts.helm.binary));
  const chart = await resolveChart(src.chart, {
    helmPath: binary.path,
    version: src.version,
    cacheDir: opts.cacheDir,
    timeoutMs: opts.helm.timeoutSeconds * 1000,
  });
  const baseValues = mergeValues(
    await readValuesFiles(src.valuesFrom ?? []),
    mergeValues(resource.values, src.values),
  );
  const limiter = opts.limiter ?? limiterFor(opts.helm);
  const revision = createHash('sha256')
    .update(`${chart.revision}\0${binary.version}\0${JSON.stringify(baseValues)}`)
    .digest('hex');
  const warned = new Set<string>();
  opts.logger?.info(
    { resource: resource.name, chart: `${chart.name}-${chart.version}`, helm: binary.version },
    'helm chart ready',
  );

  const renderDetailed = async (cr: KubeObject): Promise<HelmTemplateResult> => {
    assertCustomResource(cr);
    const result = await runHelmTemplate(
      chart,
      {
        releaseName: releaseNameFor(cr.metadata.name ?? '', src),
        namespace: cr.metadata.namespace || 'default',
        values: helmValuesFor(cr, baseValues),
      },
      { helmPath: binary.path, timeoutMs: opts.helm.timeoutSeconds * 1000, limiter },
    );
    for (const h of result.skippedHooks) {
      if (warned.has(h)) continue;
      warned.add(h);
      opts.logger?.warn(
        { resource: resource.name, object: h },
        'helm hook skipped: Lostrómos does not run hooks',
      );
    }
    return result;
  };
  return {
    chart,
    binary,
    revision,
    renderDetailed,
    render: async (cr) => (await renderDetailed(cr)).objects,
    close: () => Promise.resolve(),
  };
}
