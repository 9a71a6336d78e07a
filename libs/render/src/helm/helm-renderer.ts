import fs from 'node:fs/promises';
import { parseUserYaml, userYamlValue, type LostromosConfig, type ResourceConfig } from '@lostromos/config';
import { createHash, randomBytes } from 'node:crypto';
import { LineCounter } from 'yaml';
import type { KubeObject } from '../kube-object.js';
import { RenderError } from '../render-error.js';
import type { RenderLogger, ResourceRenderer } from '../renderer-types.js';
import type { ParsedDocument } from '../parse-output.js';
import { checkInputLimits, renderInputOf } from '../template-context.js';
import { resolveChart, type ChartSource } from './chart-source.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { checkHelmBinary, type HelmBinary } from './helm-binary.js';
import {
  execHelmTemplate,
  helmObjects,
  mergeValues,
  parseHelmOutput,
  type HelmTemplateInput,
  type HelmTemplateResult,
} from './helm-template.js';
import { checkAgainstStandIns, standInsFor, type StandIns } from './value-check.js';

export const DEFAULT_RELEASE_PREFIX = 'lostromos';

/** helm's own complaint about a template's output that is not valid YAML (or JSON cannot hold: NaN). */
const HELM_YAML_ERROR = /YAML parse error|error converting YAML to JSON/;

/** Stand-in renders remembered per chart renderer (see value-check.ts). */
const STAND_IN_CACHE_SIZE = 64;

function describeFields(s: StandIns): string {
  const paths = [...new Set(s.fields.map((f) => f.path))];
  return `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? `, … (${paths.length} fields)` : ''}`;
}

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

/**
 * Values for one CR: config values < { resource: { name, namespace, spec }, cr } (chart defaults under all).
 * Give it the CR as renderInputOf returns it: `.Values.cr` then holds no status and no bookkeeping.
 */
export function helmValuesFor(
  cr: KubeObject,
  configValues: Record<string, unknown>,
): Record<string, unknown> {
  const name = cr.metadata.name ?? '';
  const namespace = cr.metadata.namespace ?? '';
  return mergeValues(configValues, { resource: { name, namespace, spec: cr.spec ?? {} }, cr });
}

/**
 * Reads values files (YAML mappings) and merges them in order. `field` names the setting that lists them (e.g.
 * `resources[name=crew].helm.valuesFrom`), for messages: a file that is missing, unreadable, not YAML (with the
 * config loader's checks: circular aliases, YAML bombs, nesting too deep) or not a mapping is an LZ_HELM_VALUES
 * error naming the file, the setting and the fix.
 */
export async function readValuesFiles(
  files: readonly string[],
  opts: { field?: string } = {},
): Promise<Record<string, unknown>> {
  const field = opts.field ?? 'valuesFrom';
  let merged: Record<string, unknown> = {};
  for (const [i, f] of files.entries()) {
    const where = `values file ${f} (${field}[${i}])`;
    let text: string;
    try {
      text = await fs.readFile(f, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EISDIR'
            ? 'is a folder, not a file'
            : code === 'EACCES'
              ? 'cannot be read (permission denied)'
              : `cannot be read (${(err as Error).message})`;
      throw new RenderError(
        'LZ_HELM_VALUES',
        `${where}: ${why}: create it, or fix or remove the entry in ${field} (a relative path is relative to the config file's folder)`,
        { cause: err },
      );
    }
    const lines = new LineCounter();
    const { docs, problems } = parseUserYaml(text, { lineCounter: lines });
    const read = problems[0] ? { problem: problems[0] } : docs[0] ? userYamlValue(docs[0]) : { value: null };
    if ('problem' in read) {
      const line = read.problem.offset === undefined ? 1 : lines.linePos(read.problem.offset).line;
      throw new RenderError('LZ_HELM_VALUES', `${read.problem.message} (${field}[${i}])`, { file: f, line });
    }
    const parsed = read.value;
    if (parsed === null || parsed === undefined) continue;
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new RenderError(
        'LZ_HELM_VALUES',
        `${where} must be a YAML mapping (key: value), like a chart's values.yaml`,
      );
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
  /** The values every CR's values are merged over: valuesFrom files, then resource and chart `values`. */
  readonly values: Record<string, unknown>;
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
    await readValuesFiles(src.valuesFrom ?? [], {
      field: `resources[name=${resource.name}].helm.valuesFrom`,
    }),
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

  const helmOpts = { helmPath: binary.path, timeoutMs: opts.helm.timeoutSeconds * 1000, limiter };
  const inputFor = (cr: KubeObject): HelmTemplateInput => ({
    releaseName: releaseNameFor(cr.metadata.name ?? '', src),
    namespace: cr.metadata.namespace || 'default',
    values: helmValuesFor(cr, baseValues),
  });
  // Stand-ins are `lzs<nonce><n>z`; the nonce is fixed per renderer so equal stand-in values render once.
  const nonce = randomBytes(4).toString('hex');
  const standInRenders = new Map<string, Promise<ParsedDocument[]>>();
  const standInRender = (s: StandIns): Promise<ParsedDocument[]> => {
    const input = inputFor(s.cr);
    const key = createHash('sha256')
      .update(`${revision}\0${input.releaseName}\0${input.namespace}\0${JSON.stringify(input.values)}`)
      .digest('hex');
    let p = standInRenders.get(key);
    if (p) {
      standInRenders.delete(key);
    } else {
      p = execHelmTemplate(chart, input, helmOpts).then((out) => parseHelmOutput(out, chart.name));
      // Failures are not remembered: a timeout may pass, a chart error is cheap to reproduce.
      p.catch(() => standInRenders.delete(key));
      if (standInRenders.size >= STAND_IN_CACHE_SIZE)
        standInRenders.delete(standInRenders.keys().next().value!);
    }
    standInRenders.set(key, p);
    return p;
  };

  const renderDetailed = async (cr: KubeObject): Promise<HelmTemplateResult> => {
    // The chart sees the CR without status and bookkeeping (renderInputOf), bounded before helm runs.
    const input = renderInputOf(cr, { withStatus: false });
    checkInputLimits(input);
    const s = src.checkValues === false ? undefined : standInsFor(input, nonce);
    // Only CRs with a string that could matter need the second render; for the others it would be the same.
    const checking = s !== undefined && s.fields.length > 0;
    const [real, stand] = await Promise.allSettled([
      execHelmTemplate(chart, inputFor(input), helmOpts),
      checking ? standInRender(s) : Promise.resolve(undefined),
    ]);
    // Output that is not even YAML (helm checks each template's output too), while the same chart with
    // stand-ins is fine: a CR value broke it.
    const brokenBy = (err: unknown): never => {
      if (checking && stand.status === 'fulfilled' && err instanceof RenderError) {
        throw new RenderError(
          'LZ_RENDER_INJECTION',
          `refused: a value of the CR's ${describeFields(s)} breaks the YAML of chart ${chart.name}'s output (with neutral stand-ins it is valid): ${err.message.split('\n')[0]}. The chart writes a CR value into YAML without \`quote\` or \`toYaml\`; see docs/helm-mode.md#cr-values-cannot-change-the-structure`,
          err.file ? { file: err.file, ...(err.line ? { line: err.line } : {}) } : {},
        );
      }
      throw err;
    };
    if (real.status === 'rejected') {
      const reason: unknown = real.reason;
      if (
        reason instanceof RenderError &&
        reason.code === 'LZ_HELM_CHART' &&
        HELM_YAML_ERROR.test(reason.message)
      )
        brokenBy(reason);
      throw reason;
    }
    let docs: ParsedDocument[];
    try {
      docs = parseHelmOutput(real.value, chart.name);
    } catch (err) {
      brokenBy(err);
      throw err;
    }
    if (checking) {
      if (stand.status === 'rejected') {
        const reason: unknown = stand.reason;
        if (reason instanceof RenderError && reason.retryable) throw reason;
        const why = (reason instanceof Error ? reason.message : String(reason)).split('\n')[0];
        throw new RenderError(
          'LZ_RENDER_INJECTION',
          `refused: chart ${chart.name} fails with neutral stand-ins in place of the CR's ${describeFields(s)} (${why}), so Lostrómos cannot check that these values do not change the structure of its output: ` +
            `the chart parses or tests their text. Quote or validate them differently in the chart, or set resources[name=${resource.name}].helm.checkValues: false if the chart quotes every CR value; see docs/helm-mode.md#cr-values-cannot-change-the-structure`,
        );
      }
      const refused = checkAgainstStandIns(docs, stand.value ?? [], s, chart.name);
      if (refused) throw refused;
    }
    const result = helmObjects(docs);
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
    values: baseValues,
    revision,
    renderDetailed,
    render: async (cr) => (await renderDetailed(cr)).objects,
    close: () => Promise.resolve(),
  };
}
