// CLI rows: runCli in-process (run-in-process.ts: the function apps/cli/dist/main.js calls with the process's
// argv, env and streams, returning the exit code), and the built binary for rows marked `process`.
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ROWS, type CliRow } from './cases/cli.ts';
import {
  assertUniqueIds,
  cleanEnv,
  expectClear,
  removeTmpDirs,
  runCommand,
  split,
  tmpDir,
  writeTree,
} from './corpus.ts';
import { CLI_WORKSPACE } from './fixtures/files.ts';
import { runInProcess } from './run-in-process.ts';

let dir: string;
beforeAll(() => {
  dir = writeTree(tmpDir('cli'), CLI_WORKSPACE);
});
afterAll(removeTmpDirs);

async function run(row: CliRow): Promise<void> {
  const r = row.input.process
    ? await runCommand(row.input.args, {
        cwd: dir,
        env: cleanEnv(row.input.env),
        ...(row.input.stdin !== undefined ? { stdin: row.input.stdin } : {}),
      })
    : await runInProcess(row.input.args, {
        cwd: dir,
        ...(row.input.env ? { env: row.input.env } : {}),
        ...(row.input.stdin !== undefined ? { stdin: row.input.stdin } : {}),
      });
  expect(r.code, `${row.id}: exit code; stderr:\n${r.stderr}`).toBe(row.expect.exit);
  // Errors go to stderr (the top-level help of a bare `lostromos` goes to stdout).
  expectClear(
    row.expect.exit === 0 ? r.stderr : `${r.stderr}${r.code === 2 && !r.stderr ? r.stdout : ''}`,
    row.expect,
    row.id,
  );
  for (const re of row.expect.stdout ?? []) expect(r.stdout, row.id).toMatch(re);
  if (row.expect.documents !== undefined) {
    const docs = YAML.parseAllDocuments(r.stdout).filter((d) => d.contents !== null);
    expect(docs, `${row.id}: documents on stdout`).toHaveLength(row.expect.documents);
  }
  if (row.expect.exit !== 0) {
    // One useful line first: the command's name and the problem, never a stack or the whole help.
    expect(r.stderr.split('\n').length, `${row.id}: stderr lines`).toBeLessThanOrEqual(6);
  }
}

const { meets, open } = split(CLI_ROWS);

describe('bad-input corpus: CLI', () => {
  it('has unique row ids', () => assertUniqueIds(CLI_ROWS));
  it.concurrent.each(meets)('$id: $title', (row) => run(row));
  it.concurrent.fails.each(open)('$id (open finding): $title', (row) => run(row));
});
