import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOSTROMOS_BIN, freePort, waitFor } from '../support/index.js';
import { alive, descendants } from './processes.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEV_SCRIPT = path.join(ROOT, 'scripts', 'dev.mjs');

/**
 * `npm run dev` runs `exec node scripts/dev.mjs` (npm forwards SIGINT/SIGTERM to its `sh -c`, which the `exec`
 * replaced by the script), so the script is spawned directly here. A SIGINT to that one PID, not to a process
 * group, must stop the CLI and everything it runs.
 */
describe('scripts/dev.mjs (what `npm run dev` runs)', () => {
  const dev: ChildProcess[] = [];
  const seen: number[] = [];

  afterAll(() => {
    for (const pid of [...seen, ...dev.map((p) => p.pid ?? 0).filter(Boolean)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
  });

  // `pid`: `kill -INT <npm pid>`, which npm forwards to the script. `terminal`: Ctrl-C, which signals the whole
  // foreground process group (here: the script's own group) and npm forwards the same SIGINT once more; the
  // CLI must see it once, or it skips its graceful shutdown (a second signal means "stop now", exit 130).
  it.each(['pid', 'terminal'] as const)(
    'a SIGINT (%s) stops the CLI, every role, Redis and itself, gracefully, exiting 0',
    async (how) => {
      expect(fs.existsSync(LOSTROMOS_BIN)).toBe(true); // --reuse-build skips the build only when one exists
      const proc = spawn(
        process.execPath,
        [
          DEV_SCRIPT,
          '--reuse-build',
          '--examples',
          path.join(ROOT, 'templates'),
          '--workers',
          '1',
          '--dashboard-port',
          String(await freePort()),
          '--log-format',
          'json',
        ],
        {
          cwd: ROOT,
          detached: how === 'terminal',
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, REDIS_URL: '' },
        },
      );
      dev.push(proc);
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        proc.once('exit', (code, signal) => resolve({ code, signal })),
      );
      // The "metrics:" line comes as the roles start, and again after "ready:" once they all answer /healthz.
      await waitFor(() => /^Press Ctrl-C to stop everything\.$/m.test(out), {
        timeoutMs: 90_000,
        what: `the ready line; output:\n${out}`,
      });
      expect(out).not.toMatch(/error TS\d+/); // no build ran

      // The CLI, the watcher, the worker, the dashboard and redis-server.
      const children = descendants(proc.pid!);
      seen.push(...children);
      expect(children.length).toBeGreaterThanOrEqual(5);

      if (how === 'pid') {
        proc.kill('SIGINT'); // this PID only, as npm forwards it
      } else {
        process.kill(-proc.pid!, 'SIGINT');
        await new Promise((r) => setTimeout(r, 20));
        proc.kill('SIGINT');
      }
      const result = await Promise.race([
        exited,
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000)),
      ]);
      expect(result).toEqual({ code: 0, signal: null });
      expect(out).toMatch(/^stopped$/m); // the CLI's graceful path ran to its end
      await waitFor(() => children.every((pid) => !alive(pid)), {
        timeoutMs: 5_000,
        what: `every child to exit (left: ${children.filter(alive).join(', ')})`,
      });
    },
  );

  it("exits with the CLI's exit code", async () => {
    const proc = spawn(process.execPath, [DEV_SCRIPT, '--reuse-build', '--workers', 'none'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((resolve) => proc.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('lostromos dev: --workers');
  });
});
