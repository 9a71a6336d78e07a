import { spawn } from 'node:child_process';
import type { KubeObject } from '../kube-object.js';
import { parseRenderedYaml, type ParsedDocument } from '../parse-output.js';
import { RenderError } from '../render-error.js';
import { LIMITS } from '../limits.js';
import { validateObjects } from '../validate-objects.js';
import type { ChartSource } from './chart-source.js';
import type { ConcurrencyLimiter } from './concurrency-limiter.js';

export interface HelmTemplateInput {
  releaseName: string;
  /** The CR's namespace; "default" for cluster-scoped CRs (helm would otherwise read a kubeconfig). */
  namespace: string;
  /** User values (already merged); helm merges them over the chart's values.yaml. */
  values: Record<string, unknown>;
}

export interface HelmTemplateOptions {
  helmPath: string;
  timeoutMs: number;
  limiter: ConcurrencyLimiter;
}

export interface HelmTemplateResult {
  objects: KubeObject[];
  /** `kind/name` of hook objects that were left out (see docs/helm-mode.md). */
  skippedHooks: string[];
}

const MAX_OUTPUT = LIMITS.maxHelmOutputBytes;

/** Helm's error text without the "Error: " prefix; `file:line` pulled out of "(chart/templates/x.yaml:3)". */
export function helmFailure(stderr: string, chart: string): RenderError {
  const text = stderr.trim().replace(/^Error: /, '') || 'helm template failed without a message';
  const at = /\(([^():\s]+\.(?:ya?ml|tpl|txt)):(\d+)(?::\d+)?\)/.exec(text);
  return new RenderError(
    'LZ_HELM_CHART',
    `helm template ${chart} failed: ${text}`,
    at ? { file: at[1], line: Number(at[2]) } : {},
  );
}

/** Deep-merges plain mappings; lists and scalars from `over` replace those in `base`. */
export function mergeValues(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    const plain = (x: unknown): x is Record<string, unknown> =>
      typeof x === 'object' && x !== null && !Array.isArray(x);
    out[k] = plain(b) && plain(v) ? mergeValues(b, v) : v;
  }
  return out;
}

function isHook(o: KubeObject): boolean {
  return o.metadata.annotations !== undefined && 'helm.sh/hook' in o.metadata.annotations;
}

/**
 * Runs `helm template` for one release (bounded by the limiter, killed after the timeout), parses and
 * validates the objects: CRDs from crds/ first, hooks and tests left out.
 */
export async function runHelmTemplate(
  chart: ChartSource,
  input: HelmTemplateInput,
  opts: HelmTemplateOptions,
): Promise<HelmTemplateResult> {
  return helmObjects(parseHelmOutput(await execHelmTemplate(chart, input, opts), chart.name));
}

/** helm's output as YAML documents, each with the template file it came from (`# Source:`). */
export function parseHelmOutput(stdout: string, chartName: string): ParsedDocument[] {
  return parseRenderedYaml(stdout, chartName, undefined, { sourceComments: true });
}

/** Validated objects of parsed helm output: CRDs from crds/ first, hooks left out. */
export function helmObjects(docs: readonly ParsedDocument[]): HelmTemplateResult {
  const objects = validateObjects(docs);
  const skippedHooks: string[] = [];
  const kept = objects.filter((o) => {
    if (!isHook(o)) return true;
    skippedHooks.push(`${o.kind}/${o.metadata.name ?? ''}`);
    return false;
  });
  // helm prints crds/ first already; keep them first even if a chart also templates CRDs.
  const isCrd = (o: KubeObject): boolean => o.kind === 'CustomResourceDefinition';
  return { objects: [...kept.filter(isCrd), ...kept.filter((o) => !isCrd(o))], skippedHooks };
}

/** Runs `helm template` for one release and returns its standard output. */
export async function execHelmTemplate(
  chart: ChartSource,
  input: HelmTemplateInput,
  opts: HelmTemplateOptions,
): Promise<string> {
  const args = [
    'template',
    input.releaseName,
    chart.dir,
    '--namespace',
    input.namespace,
    '--include-crds',
    '--skip-tests',
    '--values',
    '-',
  ];
  const stdout = await opts.limiter.run(
    () =>
      new Promise<string>((resolve, reject) => {
        // Own process group, so a timeout kills helm and anything it started (plugins, wrappers).
        const child = spawn(opts.helmPath, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
        let settled = false;
        const settle = (fn: () => void): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          fn();
        };
        const killGroup = (): void => {
          try {
            if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        };
        const out: Buffer[] = [];
        let outLen = 0;
        let err = '';
        const timer = setTimeout(() => {
          killGroup();
          settle(() =>
            reject(
              new RenderError(
                'LZ_HELM_TIMEOUT',
                `helm template ${chart.name} did not finish within ${opts.timeoutMs / 1000}s (helm.timeoutSeconds)`,
              ),
            ),
          );
        }, opts.timeoutMs);
        child.stdout.on('data', (d: Buffer) => {
          outLen += d.length;
          if (outLen > MAX_OUTPUT) killGroup();
          else out.push(d);
        });
        child.stderr.on('data', (d: Buffer) => {
          if (err.length < 64 * 1024) err += d.toString();
        });
        child.on('error', (e) => {
          settle(() =>
            reject(
              new RenderError('LZ_HELM_BINARY', `cannot run ${opts.helmPath}: ${e.message}`, { cause: e }),
            ),
          );
        });
        child.on('close', (code) => {
          settle(() => {
            if (outLen > MAX_OUTPUT) {
              reject(
                new RenderError(
                  'LZ_RENDER_TOO_LARGE',
                  `helm template ${chart.name} printed more than ${MAX_OUTPUT} bytes (limit; a CR value repeated by a loop?)`,
                ),
              );
            } else if (code !== 0) {
              reject(helmFailure(err, chart.name));
            } else {
              resolve(Buffer.concat(out).toString('utf8'));
            }
          });
        });
        child.stdin.on('error', () => {
          /* helm exited before reading its values; the exit code tells why */
        });
        child.stdin.end(JSON.stringify(input.values));
      }),
  );
  return stdout;
}
