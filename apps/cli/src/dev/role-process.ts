import { spawn, type ChildProcess } from 'node:child_process';

/** One operator process `lostromos dev` runs as a child: `lostromos start --role ROLE`. */
export interface RoleProcess {
  /** Label shown before each of its output lines, e.g. `worker-1`. */
  label: string;
  proc: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs: number): Promise<void>;
}

export interface StartRoleOptions {
  label: string;
  /** Node executable (process.execPath) and the CLI's main module. */
  nodePath: string;
  cliEntry: string;
  args: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Receives each complete output line, already prefixed with `[label]`. */
  onLine: (line: string) => void;
  /** Rewrites each line before it is prefixed (e.g. a JSON log record into one short line). */
  format?: (line: string) => string;
  spawnFn?: typeof spawn;
}

function lineSplitter(emit: (line: string) => void): { push(chunk: Buffer): void; flush(): void } {
  let buf = '';
  return {
    push(chunk) {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        emit(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    },
    flush() {
      if (buf) emit(buf);
      buf = '';
    },
  };
}

export function startRole(opts: StartRoleOptions): RoleProcess {
  const spawnFn = opts.spawnFn ?? spawn;
  const proc = spawnFn(opts.nodePath, [opts.cliEntry, ...opts.args], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${opts.label}] `;
  const format = opts.format ?? ((l: string): string => l);
  const out = lineSplitter((l) => opts.onLine(prefix + format(l)));
  const err = lineSplitter((l) => opts.onLine(prefix + format(l)));
  proc.stdout?.on('data', (d: Buffer) => out.push(d));
  proc.stderr?.on('data', (d: Buffer) => err.push(d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      out.flush();
      err.flush();
      resolve({ code, signal });
    });
    proc.once('error', (e) => {
      opts.onLine(`${prefix}cannot start: ${e.message}`);
      resolve({ code: 1, signal: null });
    });
  });
  const stop = async (graceMs: number): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
  };
  return { label: opts.label, proc, exited, stop };
}
