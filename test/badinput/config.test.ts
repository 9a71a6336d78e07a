// Config rows, in-process: loadConfig as every command calls it (file, then env, then flags), and for `connect`
// rows the Redis connection `lostromos start` opens from the result. Every ConfigError is exit code 2 in the CLI
// (cli.test.ts runs a few of these rows through the real binary to prove it).
import fs from 'node:fs';
import path from 'node:path';
import { isConfigError, loadConfig } from '@lostromos/config';
import { createRedisConnection, isRedisSettingsError } from '@lostromos/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_ROWS, type ConfigRow } from './cases/config.ts';
import {
  assertUniqueIds,
  describeError,
  expectError,
  removeTmpDirs,
  split,
  tmpDir,
  writeTree,
} from './corpus.ts';

let root: string;
beforeAll(() => {
  root = tmpDir('config');
});
afterAll(removeTmpDirs);

function run(row: ConfigRow): void {
  const dir = path.join(root, row.id);
  fs.mkdirSync(path.join(dir, 't'), { recursive: true });
  const file = path.join(dir, 'lostromos.yaml');
  if (typeof row.input.file === 'string') fs.writeFileSync(file, row.input.file);
  else if (row.input.file !== null) fs.mkdirSync(file);
  if (row.input.files) writeTree(dir, row.input.files);
  const given = row.input.argv ?? [];
  const argv =
    typeof row.input.file === 'string' && !given.includes('--config') ? ['--config', file, ...given] : given;
  let failure: ReturnType<typeof describeError> | undefined;
  try {
    const config = loadConfig({ argv, env: { HOME: dir, ...row.input.env }, cwd: dir });
    if (row.input.connect) {
      const redis = createRedisConnection(config.redis, 'producer', { lazyConnect: true });
      redis.disconnect();
    }
  } catch (err) {
    if (!isConfigError(err) && !isRedisSettingsError(err)) throw err;
    failure = describeError(err);
  }
  expect(failure, `${row.id}: expected an error`).toBeDefined();
  // Exit codes as the commands map them: a ConfigError is 2 in every command (apps/cli/src/run-cli.ts), a
  // RedisSettingsError is 2 in `lostromos start` (apps/cli/src/commands/start.ts).
  const exit = isConfigError(failure!.error) || isRedisSettingsError(failure!.error) ? 2 : 1;
  expect(exit, `${row.id}: exit code`).toBe(row.expect.exit);
  expectError(failure!, row.expect, row.id);
  // The first line is the whole story: field, problem and fix (what `lostromos <command>:` prints first).
  expect(failure!.text.split('\n')[0]!.length, `${row.id}: first line`).toBeGreaterThan(10);
}

const { meets, open } = split(CONFIG_ROWS);

describe('bad-input corpus: config (file, env, flags)', () => {
  it('has unique row ids', () => assertUniqueIds(CONFIG_ROWS));
  it.each(meets)('$id: $title', (row) => run(row));
  it.fails.each(open)('$id (open finding): $title', (row) => run(row));
});
