import path from 'node:path';
import { isConfigError, parseFlags, type FlagSpec } from '@lostromos/config';
import { ExitCode, UsageError, type Command, type CommandContext } from '../command.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'host', type: 'string', metavar: 'HOST', description: 'address to listen on (default 127.0.0.1)' },
  { name: 'port', type: 'number', metavar: 'N', description: 'port (default 0: a free port)' },
  {
    name: 'kubeconfig-out',
    type: 'string',
    metavar: 'FILE',
    description: 'write a kubeconfig for the sim here',
  },
  {
    name: 'history-window',
    type: 'number',
    metavar: 'N',
    description: 'watch events kept for resuming (default 10000)',
  },
  { name: 'workloads', type: 'boolean', description: 'simulate workload status (default true)' },
  {
    name: 'workload-delay-ms',
    type: 'number',
    metavar: 'MS',
    description: 'delay before workloads report status (default 100)',
  },
];

const USAGE = `Usage: lostromos sim [--host 127.0.0.1] [--port N] [--kubeconfig-out FILE]

Runs the in-memory Kubernetes API server that kubectl and @kubernetes/client-node talk to. Prints
"listening on http://HOST:PORT" once ready and runs until Ctrl-C (SIGINT/SIGTERM).
Admin endpoint (faults, stats, workload pins): GET http://HOST:PORT/_sim/help

Flags:
  --host HOST               address to listen on (default 127.0.0.1)
  --port N                  port (default 0: a free port)
  --kubeconfig-out FILE     write a kubeconfig for kubectl/client-node to FILE
  --history-window N        watch events kept for resuming watches; older get 410 Gone (default 10000)
  --workloads=false         do not simulate Deployment/StatefulSet/DaemonSet/ReplicaSet/Job/Pod status
  --workload-delay-ms MS    delay before simulated workloads report status (default 100)
`;

function intFlag(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new UsageError(`--${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(v)}`);
  return v;
}

export const simCommand: Command = {
  name: 'sim',
  summary: 'run the in-memory Kubernetes API simulator (for kubectl, tests and lostromos dev)',
  usage: USAGE,
  async run(ctx: CommandContext): Promise<number> {
    let flags: Record<string, unknown>;
    try {
      const parsed = parseFlags(ctx.argv, FLAGS);
      if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
      flags = parsed.flags;
    } catch (err) {
      if (isConfigError(err)) throw new UsageError(err.message);
      throw err;
    }
    const port = intFlag(flags.port, 'port', 0, 65535);
    const historyWindow = intFlag(flags['history-window'], 'history-window', 0, 10_000_000);
    const delayMs = intFlag(flags['workload-delay-ms'], 'workload-delay-ms', 0, 3_600_000);
    const host = typeof flags.host === 'string' ? flags.host : '127.0.0.1';
    // Imported here: every `lostromos` process loads this module (the command list), few run a sim.
    const { startKubeSim } = await import('@lostromos/kube-sim');
    const sim = await startKubeSim({
      host,
      port,
      historyWindow,
      workloads: { enabled: flags.workloads !== false, delayMs },
      logger: {
        info: () => undefined,
        warn: (...a: unknown[]) =>
          ctx.stderr.write(
            `kube-sim: ${a
              .map((x) => (typeof x === 'string' ? x : ''))
              .join(' ')
              .trim()}\n`,
          ),
        error: (...a: unknown[]) =>
          ctx.stderr.write(
            `kube-sim: ${a
              .map((x) => (typeof x === 'string' ? x : ''))
              .join(' ')
              .trim()}\n`,
          ),
      },
    }).catch((err: unknown) => {
      throw new Error(`cannot listen on ${host}:${port ?? 0}: ${(err as Error).message}`, { cause: err });
    });
    try {
      if (typeof flags['kubeconfig-out'] === 'string') {
        const file = path.resolve(ctx.cwd, flags['kubeconfig-out']);
        await sim.writeKubeconfig(file).catch((err: unknown) => {
          throw new Error(`cannot write the kubeconfig to ${file}: ${(err as Error).message}`, {
            cause: err,
          });
        });
        ctx.stderr.write(`kubeconfig: ${file}\n`);
      }
      ctx.stdout.write(`listening on ${sim.url}\n`);
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) return resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      await sim.stop();
    }
    return ExitCode.ok;
  },
};
