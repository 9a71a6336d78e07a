import { execFile } from 'node:child_process';
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

const INSTALL_HINT =
  'install helm >= 3.10 (https://helm.sh/docs/intro/install/), or set helm.binary in the config / --helm-binary; for development: node scripts/install-helm.mjs';

/** Runs `helm version` once: a missing, broken or too-old helm is a clear start-up error. */
export async function checkHelmBinary(
  binary: string,
  opts: { timeoutMs?: number } = {},
): Promise<HelmBinary> {
  const bin = binary === '' ? 'helm' : binary;
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      bin,
      ['version', '--template', '{{.Version}}'],
      { timeout: opts.timeoutMs ?? 10_000 },
      (err, stdout, stderr) => {
        if (err) {
          const e = err as NodeJS.ErrnoException;
          const why =
            e.code === 'ENOENT'
              ? `helm not found (${binary === '' ? 'no helm on PATH' : `no file ${binary}`})`
              : e.code === 'EACCES'
                ? `${bin} is not executable`
                : `\`${bin} version\` failed: ${(stderr || e.message).trim()}`;
          reject(new RenderError('LZ_HELM_BINARY', `${why}: ${INSTALL_HINT}`, { cause: err }));
          return;
        }
        resolve(stdout.trim());
      },
    );
  });
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
