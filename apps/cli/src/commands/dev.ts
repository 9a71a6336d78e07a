import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { LOG_LEVELS, isConfigError, loadConfig, parseFlags, type FlagSpec } from '@lostromos/config';
import { ExitCode, UsageError, type Command, type CommandContext } from '../command.js';
import { applyWithRetry } from '../dev/apply-manifests.js';
import { buildDevConfig, resourceForExample, type DevResource } from '../dev/dev-config.js';
import { findExampleSets, type CrdInfo, type ExampleSet, type Manifest } from '../dev/example-sets.js';
import { DevRedisError, startDevRedis, type DevRedis } from '../dev/local-redis.js';
import { freePort, portIsFree, waitHttpOk } from '../dev/net-util.js';
import { startRole, type RoleProcess } from '../dev/role-process.js';
import { formatShortLogLine } from '../dev/short-log.js';
import {
  describeExamples,
  formatEndpointLines,
  formatSummaryLines,
  formatTourLines,
  type SummaryInput,
} from '../dev/tour.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'config', type: 'string', metavar: 'FILE', description: 'use the resources of this config file' },
  { name: 'examples', type: 'string', metavar: 'DIR', description: 'example sets (default ./templates)' },
  { name: 'workers', type: 'number', metavar: 'N', description: 'worker processes (default 2)' },
  {
    name: 'dashboard-port',
    type: 'number',
    metavar: 'N',
    description: 'dashboard port (default 3000 if free)',
  },
  {
    name: 'log-level',
    type: 'string',
    metavar: 'LEVEL',
    description: 'log level of the roles (default info)',
  },
  {
    name: 'log-format',
    type: 'string',
    metavar: 'FMT',
    description: 'short (default: one line per record), pretty or json',
  },
];

const USAGE = `Usage: lostromos dev [--config FILE] [--examples DIR] [--workers N] [--dashboard-port N]

Runs a complete local Lostrómos to try it out: the Kubernetes API simulator, a private redis-server
(or the Redis at REDIS_URL), the example CRDs and sample CRs, then the watcher, N workers and the
dashboard as child processes. Prints, one per line, first as the processes start and again after the
"ready:" line once every one answers /healthz:
  kubeconfig: PATH     dashboard: URL     dashboard login: USER / PASSWORD     metrics: URL
then a short tour. The processes' log lines follow, prefixed with their name, one line per record.
Template edits under the example folders apply live. Ctrl-C stops everything and removes temp files.

Flags:
  --config FILE         manage the resources of FILE instead of every example set under --examples
  --examples DIR        folder of example sets (CRD + templates + sample CRs), default ./templates
  --workers N           worker processes (default 2)
  --dashboard-port N    dashboard port on 127.0.0.1 (default 3000, or a free port if taken)
  --log-level LEVEL     trace, debug, info (default), warn, error
  --log-format FMT      short (default: one line per record), pretty (every field) or json

Environment:
  REDIS_URL             use this Redis instead of starting redis-server from PATH
`;

/** The simulator, as `@lostromos/kube-sim` returns it. */
export interface DevSim {
  url: string;
  port: number;
  writeKubeconfig(file: string): void | Promise<void>;
  stop(): Promise<void>;
}

export interface DevCommandOptions {
  startSim?: (opts: { port?: number }) => Promise<DevSim>;
  /** The CLI entry the role processes run (default: this package's dist/main.js). */
  cliEntry?: string;
  nodePath?: string;
  /** Grace before SIGKILL when stopping a role (default 3 s: Ctrl-C must finish within a few seconds). */
  stopGraceMs?: number;
}

// Workload simulation on: Deployments become available, so the sample CRs reach Ready like on a cluster.
// Imported here, not at the top: every `lostromos` process loads this module (the command list), few run a sim.
const defaultStartSim = async (opts: { port?: number }): Promise<DevSim> => {
  const { startKubeSim } = await import('@lostromos/kube-sim');
  return startKubeSim({ ...opts, host: '127.0.0.1', workloads: { enabled: true } });
};

/** dist/main.js of this package, also when running from src/ under vitest. */
function defaultCliEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const pkg = path.resolve(path.dirname(here), '../..');
  return path.join(pkg, 'dist', 'main.js');
}

function positiveInt(v: unknown, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
    throw new UsageError(`--${flag}: expected a positive whole number, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** The example sets and resources to run: every example set, or the resources of --config. */
async function planResources(
  examplesDir: string,
  configFile: string | undefined,
  cwd: string,
): Promise<{ resources: DevResource[]; sets: ExampleSet[]; warnings: string[] }> {
  const exists = fs.existsSync(examplesDir);
  const sets = exists ? await findExampleSets(examplesDir) : [];
  if (!configFile) {
    if (sets.length === 0) {
      throw new UsageError(
        `no example sets found under ${examplesDir} (sub-folders holding a CustomResourceDefinition): ` +
          'run from the repository root, or pass --examples DIR or --config FILE',
      );
    }
    return { resources: sets.map(resourceForExample), sets, warnings: [] };
  }
  const cfg = loadConfig({ configFile, env: {}, cwd });
  const warnings: string[] = [];
  const resources: DevResource[] = cfg.resources.map((r) => {
    const { helm, templates, ...rest } = r;
    return {
      ...rest,
      ...(templates ? { templates } : {}),
      ...(helm ? { helm } : {}),
    };
  });
  const used = sets.filter((s) =>
    resources.some((r) => r.group === s.crd.group && r.plural === s.crd.plural),
  );
  for (const r of resources) {
    if (!used.some((s) => r.group === s.crd.group && r.plural === s.crd.plural)) {
      warnings.push(
        `no CRD for ${r.plural}.${r.group} under ${examplesDir}: apply it yourself with kubectl --kubeconfig … apply -f`,
      );
    }
  }
  return { resources, sets: used, warnings };
}

export function createDevCommand(options: DevCommandOptions = {}): Command {
  return {
    name: 'dev',
    summary: 'run the simulator, Redis and every role locally with the examples, to try Lostrómos',
    usage: USAGE,
    async run(ctx: CommandContext): Promise<number> {
      let parsed;
      try {
        parsed = parseFlags(ctx.argv, FLAGS);
      } catch (err) {
        if (isConfigError(err)) throw new UsageError(err.message.replace(/^config: /, ''));
        throw err;
      }
      const f = parsed.flags;
      if (parsed.positionals.length > 0) {
        throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
      }
      const workers = positiveInt(f.workers, 'workers', 2);
      const logFormat = (f['log-format'] as string | undefined) ?? 'short';
      if (logFormat !== 'short' && logFormat !== 'pretty' && logFormat !== 'json') {
        throw new UsageError(`--log-format: expected short, pretty or json, got "${logFormat}"`);
      }
      if (f['dashboard-port'] !== undefined) positiveInt(f['dashboard-port'], 'dashboard-port', 3000);
      const logLevel = (f['log-level'] as string | undefined) ?? 'info';
      if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
        throw new UsageError(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
      }
      const examplesDir = path.resolve(ctx.cwd, (f.examples as string | undefined) ?? 'templates');
      const configFile = f.config as string | undefined;

      let plan;
      try {
        plan = await planResources(examplesDir, configFile, ctx.cwd);
      } catch (err) {
        if (isConfigError(err)) {
          ctx.stderr.write(`lostromos dev: ${err.message}\n${err.details()}\n`);
          return ExitCode.usage;
        }
        throw err;
      }
      return runDev(ctx, {
        ...options,
        plan,
        workers,
        logFormat,
        logLevel,
        dashboardPort: f['dashboard-port'],
      });
    },
  };
}

interface RunDevInput extends DevCommandOptions {
  plan: { resources: DevResource[]; sets: ExampleSet[]; warnings: string[] };
  workers: number;
  logFormat: 'short' | 'pretty' | 'json';
  logLevel: string;
  dashboardPort: unknown;
}

async function runDev(ctx: CommandContext, input: RunDevInput): Promise<number> {
  const started = performance.now();
  const out = (line: string): void => void ctx.stdout.write(`${line}\n`);
  const err = (line: string): void => void ctx.stderr.write(`${line}\n`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lostromos-dev-'));
  const roles: RoleProcess[] = [];
  let sim: DevSim | undefined;
  let redis: DevRedis | undefined;
  let stopping = false;

  // Last resort if this process is torn down without the graceful path (a second Ctrl-C exits at once):
  // nothing may outlive `lostromos dev`.
  const onExit = (): void => {
    for (const r of roles) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
    if (redis?.proc && redis.proc.exitCode === null) redis.proc.kill('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  const shutdown = async (): Promise<void> => {
    stopping = true;
    const grace = input.stopGraceMs ?? 3_000;
    await Promise.all(roles.map((r) => r.stop(grace)));
    await redis?.stop();
    await sim?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
    process.off('exit', onExit);
  };

  try {
    for (const w of input.plan.warnings) err(`warning: ${w}`);

    // 1. The API simulator, in this process.
    sim = await (input.startSim ?? defaultStartSim)({});
    const kubeconfig = path.join(tmp, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig);
    out(`kubeconfig: ${kubeconfig}`);

    // 2. Redis.
    try {
      redis = await startDevRedis({ redisUrl: ctx.env.REDIS_URL, port: await freePort() });
    } catch (e) {
      if (e instanceof DevRedisError) {
        err(`lostromos dev: ${e.message}`);
        await shutdown();
        return ExitCode.failure;
      }
      throw e;
    }
    const redisText = `${redis.url}${redis.external ? ' (from REDIS_URL)' : ''}`;
    out(`redis: ${redisText}`);

    // 3. Example CRDs, then the namespaces and sample CRs.
    const crdInfos: CrdInfo[] = input.plan.sets.map((s) => s.crd);
    const applyOpts = { server: sim.url, signal: ctx.signal };
    for (const set of input.plan.sets) {
      for (const crd of set.crds) await applyWithRetry(crd, crdInfos, applyOpts);
    }
    const samples: Manifest[] = input.plan.sets.flatMap((s) => s.samples);
    const namespaces = [...new Set(samples.map((s) => s.metadata.namespace ?? 'default'))].filter(
      (ns) => ns !== 'default',
    );
    for (const ns of namespaces) {
      await applyWithRetry(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
        crdInfos,
        applyOpts,
      );
    }
    for (const cr of samples) await applyWithRetry(cr, crdInfos, applyOpts);
    const examples = describeExamples(input.plan.sets);
    out(`examples: ${examples}`);

    // 4. The roles, as child processes of this CLI sharing one generated config.
    const wanted = positiveInt(input.dashboardPort, 'dashboard-port', 3000);
    const dashboardPort =
      input.dashboardPort !== undefined || (await portIsFree(wanted)) ? wanted : await freePort();
    const password = randomBytes(12).toString('base64url');
    const configFile = path.join(tmp, 'config.yaml');
    const config = buildDevConfig({
      redisUrl: redis.url,
      kubeconfig,
      dashboardAddress: `127.0.0.1:${dashboardPort}`,
      resources: input.plan.resources,
      logLevel: input.logLevel,
      // `short` is made here from the roles' JSON lines.
      logFormat: input.logFormat === 'short' ? 'json' : input.logFormat,
    });
    fs.writeFileSync(configFile, YAML.stringify(config), { mode: 0o600 });

    const nodePath = input.nodePath ?? process.execPath;
    const cliEntry = input.cliEntry ?? defaultCliEntry();
    const specs: { label: string; role: string }[] = [
      { label: 'watcher', role: 'watcher' },
      ...Array.from({ length: input.workers }, (_, i) => ({ label: `worker-${i + 1}`, role: 'worker' })),
      { label: 'dashboard', role: 'dashboard' },
    ];
    const ports = new Map<string, number>();
    for (const s of specs) ports.set(s.label, await freePort());
    const summary: SummaryInput = {
      kubeconfig,
      redis: redisText,
      examples,
      dashboardUrl: `http://127.0.0.1:${dashboardPort}/`,
      password,
      roles: specs.map((s) => ({ label: s.label, port: ports.get(s.label)! })),
      sets: input.plan.sets,
      cwd: ctx.cwd,
    };
    for (const s of specs) {
      const port = ports.get(s.label)!;
      const env: Record<string, string | undefined> = { ...ctx.env };
      if (s.role === 'dashboard') env.LOSTROMOS_DASHBOARD_PASSWORD = password;
      roles.push(
        startRole({
          label: s.label,
          nodePath,
          cliEntry,
          args: ['start', '--config', configFile, '--role', s.role, '--server-address', `127.0.0.1:${port}`],
          env,
          cwd: ctx.cwd,
          onLine: (l) => out(l),
          ...(input.logFormat === 'short' ? { format: formatShortLogLine } : {}),
        }),
      );
    }
    // Where everything is, before the first log line of a role (none can arrive before this synchronous
    // write), and again after "ready:" below, so the useful lines open and close the start-up.
    for (const l of [...formatEndpointLines(summary), '', ...formatTourLines(summary)]) out(l);
    out(
      `starting the watcher, ${input.workers} worker${input.workers === 1 ? '' : 's'} and the dashboard: their log lines follow, then "ready:" and these lines again. Ctrl-C stops everything.`,
    );

    // A role that dies on its own takes the whole dev session down: better than a half-working playground.
    const crashed = Promise.race(
      roles.map((r) => r.exited.then(({ code, signal }) => ({ label: r.label, code, signal }))),
    );

    const healthy = await Promise.race([
      Promise.all(
        specs.map((s) => waitHttpOk(`http://127.0.0.1:${ports.get(s.label)}/healthz`, 60_000, ctx.signal)),
      ).then((oks) => oks.every(Boolean)),
      crashed.then(() => false),
    ]);
    if (!ctx.signal.aborted && !stopping) {
      if (!healthy) err('warning: not every role answered /healthz yet; see the log lines above');
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      out('');
      out(
        healthy
          ? `ready: ${specs.length} processes answer /healthz (${seconds} s after start); the sample CRs are being reconciled`
          : `ready: not every process answers /healthz yet (${seconds} s after start)`,
      );
      for (const l of formatSummaryLines(summary)) out(l);
    }

    const outcome = await Promise.race([
      new Promise<'aborted'>((resolve) => {
        if (ctx.signal.aborted) resolve('aborted');
        else ctx.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
      }),
      crashed,
    ]);
    // Ctrl-C signals the whole process group: a role may exit a moment before our own abort arrives.
    if (outcome !== 'aborted') await new Promise((r) => setTimeout(r, 500));
    if (outcome !== 'aborted' && !ctx.signal.aborted) {
      err(
        `lostromos dev: ${outcome.label} exited on its own (${outcome.signal ?? `code ${outcome.code}`}); stopping everything`,
      );
      await shutdown();
      return ExitCode.failure;
    }
    out('stopping…');
    await shutdown();
    out('stopped');
    return ExitCode.ok;
  } catch (e) {
    await shutdown();
    throw e;
  }
}

export const devCommand: Command = createDevCommand();
