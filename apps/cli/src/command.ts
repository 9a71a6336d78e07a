import { LostromosError } from '@lostromos/model';
/**
 * One `lostromos` sub-command. Each lives in its own file under commands/ and is listed in commands/index.ts.
 * `run` returns the process exit code: 0 success, 1 runtime failure, 2 usage or config error.
 * Long-running commands (start, sim, dev) resolve once they have shut down after `signal` aborts.
 */
export interface CommandContext {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  /** Standard input, for flags that take `-` (e.g. `render --cr -`); absent = no input to read. */
  stdin?: NodeJS.ReadableStream;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(ctx: CommandContext): Promise<number>;
}

/** Thrown for bad flags or arguments: reported on stderr with the command's usage, exit code 2. */
export class UsageError extends LostromosError {
  override readonly name = 'UsageError';
  readonly code = 'LZ_USAGE';
  readonly retryable = false;
}

export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/** A config without resources gives a watcher or worker nothing to do: `start` refuses it, so `validate` does. */
export const NO_RESOURCES =
  'no resources configured: add resources to the config file or pass --crd-name/--crd-group/--crd-version/--templates';
