import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RenderError } from '../render-error.js';

export interface HelmBinary {
  /** What we execute: an absolute path or "helm" (looked up on PATH). */
  path: string;
  /** e.g. "v4.1.4". */
  version: string;
}

/** Oldest helm we support: `helm template --include-crds --skip-tests` and `-f -` behave as we rely on. */
export const MIN_HELM_VERSION = [3, 10, 0] as const;

export function parseHelmVersion(text: string): [number, number, number] | undefined {
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function older(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  }
  return false;
}

/**
 * Where `npm run helm:install` (scripts/install-helm.mjs) puts helm in a checkout of this repository
 * (<repo>/.tools/helm/helm; this file is <repo>/libs/render/{src,dist}/helm/helm-binary.*).
 */
export const REPO_HELM = path.resolve(import.meta.dirname, '../../../../.tools/helm/helm');

const INSTALL_HINT =
  'install helm >= 3.10 (https://helm.sh/docs/intro/install/) and put it on PATH, or set helm.binary in the config / --helm-binary; in a checkout of the Lostrómos repository, `npm run helm:install` puts one at .tools/helm/helm, where lostromos finds it';

export interface CheckHelmOptions {
  timeoutMs?: number;
  /** Environment of `helm version` (default process.env; its PATH is where "helm" is looked up). */
  env?: NodeJS.ProcessEnv;
  /** Tried in order when `binary` is "" and there is no helm on PATH (default: {@link REPO_HELM}). */
  fallbacks?: readonly string[];
}

/** The output of `bin version`, or why it could not run (`notFound`: there is no such executable). */
function helmVersion(
  bin: string,
  opts: CheckHelmOptions,
): Promise<{ out: string } | { why: string; notFound: boolean; cause: Error }> {
  return new Promise((resolve) => {
    execFile(
      bin,
      ['version', '--template', '{{.Version}}'],
      { timeout: opts.timeoutMs ?? 10_000, ...(opts.env ? { env: opts.env } : {}) },
      (err, stdout, stderr) => {
        if (!err) return resolve({ out: stdout.trim() });
        const e = err as NodeJS.ErrnoException;
        const why =
          e.code === 'EACCES'
            ? `${bin} is not executable`
            : `\`${bin} version\` failed: ${(stderr || e.message).trim()}`;
        resolve({ why, notFound: e.code === 'ENOENT', cause: err });
      },
    );
  });
}

/**
 * Runs `helm version` once: a missing, broken or too-old helm is a clear start-up error. `binary` "" means
 * helm on PATH, else the helm `npm run helm:install` put in this repository (.tools/helm/helm).
 */
export async function checkHelmBinary(binary: string, opts: CheckHelmOptions = {}): Promise<HelmBinary> {
  let bin = binary === '' ? 'helm' : binary;
  let notFound = binary === '' ? 'no helm on PATH' : `no file ${binary}`;
  let result = await helmVersion(bin, opts);
  if (binary === '' && 'notFound' in result && result.notFound) {
    const fallbacks = opts.fallbacks ?? [REPO_HELM];
    const found = fallbacks.find((f) => fs.existsSync(f));
    if (found) {
      bin = found;
      notFound = `no file ${found}`;
      result = await helmVersion(found, opts);
    } else if (fallbacks.length > 0) {
      notFound = `no helm on PATH, nor at ${fallbacks.join(', ')}`;
    }
  }
  if ('why' in result) {
    const why = result.notFound ? `helm not found (${notFound})` : result.why;
    throw new RenderError('LZ_HELM_BINARY', `${why}: ${INSTALL_HINT}`, { cause: result.cause });
  }
  const out = result.out;
  const v = parseHelmVersion(out);
  if (!v)
    throw new RenderError(
      'LZ_HELM_BINARY',
      `\`${bin} version\` printed "${out}", not a version: ${INSTALL_HINT}`,
    );
  if (older(v, MIN_HELM_VERSION)) {
    throw new RenderError(
      'LZ_HELM_BINARY',
      `${bin} is helm ${out}, older than ${MIN_HELM_VERSION.join('.')}: ${INSTALL_HINT}`,
    );
  }
  return { path: bin, version: out };
}
