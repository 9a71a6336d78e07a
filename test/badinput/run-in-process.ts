import { Readable, Writable } from 'node:stream';
import { runCli } from 'lostromos';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `lostromos <args>` in this process: runCli is what apps/cli/dist/main.js calls with the process's argv,
 * env and streams, and its result is the exit code. Much cheaper than a child process on a busy machine.
 */
export async function runInProcess(
  args: readonly string[],
  opts: { cwd: string; env?: Record<string, string>; stdin?: string },
): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        add(chunk.toString());
        cb();
      },
    });
  const code = await runCli({
    argv: args,
    env: { HOME: opts.cwd, ...opts.env },
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    ...(opts.stdin !== undefined ? { stdin: Readable.from([opts.stdin]) } : {}),
    cwd: opts.cwd,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}
