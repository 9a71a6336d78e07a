import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The built CLI; integration tests run `npm run build` first (npm test does). */
export const LOSTROMOS_BIN = path.resolve(import.meta.dirname, '../../apps/cli/dist/main.js');

export interface LostromosProcess {
  proc: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
  kill(): Promise<number | null>;
}

/**
 * Runs `node apps/cli/dist/main.js ...args` as a real child process and records its output.
 * `stdin`: text piped to the process's standard input (then closed); without it stdin is /dev/null.
 */
export function spawnLostromos(
  args: readonly string[],
  opts: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): LostromosProcess {
  const proc = spawn(process.execPath, [LOSTROMOS_BIN, ...args], {
    cwd: opts.cwd ?? path.resolve(import.meta.dirname, '../..'),
    env: { ...process.env, ...opts.env },
    stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (opts.stdin !== undefined) proc.stdin?.end(opts.stdin);
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const stop = async (graceMs = 10_000): Promise<number | null> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const kill = async (): Promise<number | null> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    return exited;
  };
  return { proc, output: () => out, exited, stop, kill };
}
