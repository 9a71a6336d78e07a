import fs from 'node:fs';
import YAML from 'yaml';
import { LOSTROMOS_BIN, spawnLostromos } from '../support/index.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to completion, keeping stdout and stderr apart. */
export async function runLostromos(
  args: readonly string[],
  opts: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): Promise<CliResult> {
  if (!fs.existsSync(LOSTROMOS_BIN))
    throw new Error(`${LOSTROMOS_BIN} is missing: build first (npx tsc -b apps/cli)`);
  const p = spawnLostromos(args, opts);
  let stdout = '';
  let stderr = '';
  p.proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  p.proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await p.exited;
  return { code, stdout, stderr };
}

export function docs(yaml: string): Record<string, unknown>[] {
  return YAML.parseAllDocuments(yaml)
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d !== null);
}
