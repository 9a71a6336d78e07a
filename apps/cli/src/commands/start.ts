import {
  CONFIG_FLAGS,
  formatFlagHelp,
  loadConfig,
  parseFlags,
  type FlagSpec,
  type LostromosConfig,
} from '@lostromos/config';
import type { Dashboard, DashboardErrorCode } from '@lostromos/dashboard';
import { createKubeClient, restMetricsObserver, type KubeClient } from '@lostromos/kube';
import {
  createLogger,
  createOperatorMetrics,
  HealthRegistry,
  RedisUpGauge,
  registerQueueMetrics,
  startHealthServer,
  startPresence,
  type Logger,
  type RedisConnectionStatus,
} from '@lostromos/observability';
import {
  closeRedis,
  createRedisConnection,
  CrQueueProducer,
  describeRedis,
  isRedisSettingsError,
  RedisProblemLog,
  usesSentinel,
} from '@lostromos/queue';
import type { WatcherApp } from '@lostromos/watcher';
import type { WorkerApp } from '@lostromos/worker';
import type { Redis } from 'ioredis';
import { ExitCode, NO_RESOURCES, UsageError, type Command, type CommandContext } from '../command.js';
import { cliVersion } from './version.js';

const EXTRA_FLAGS: readonly FlagSpec[] = [
  {
    name: 'trace-reconciles',
    type: 'boolean',
    description: 'debug: count concurrent reconciles per CR in Redis (<prefix>:trace:*)',
  },
];

const SHOWN = [
  'config',
  'role',
  'kubeconfig',
  'context',
  'redis',
  'server-address',
  'worker-resources',
  'log-level',
  'log-format',
];

const USAGE = `Usage: lostromos start --config FILE [--role watcher|worker|dashboard|all] [--kubeconfig FILE] [--redis URL]
       lostromos start --crd-name NAME --crd-group GROUP --crd-version V --templates DIR [...]

Runs Lostrómos roles in this process until SIGTERM/SIGINT:
  watcher    leader-elected (Lease) informers that enqueue changed CRs into Redis
  worker     renders, applies, prunes and reports the queued CRs
  dashboard  Bull Board over the queues
  all        everything in one process (default)
Every process serves /metrics, /healthz, /readyz and /status on --server-address and logs JSON lines.
Every config field can also be set with a flag or a LOSTROMOS_* variable (see docs/configuration.md).

Flags:
${formatFlagHelp([...CONFIG_FLAGS.filter((f) => SHOWN.includes(f.name)), ...EXTRA_FLAGS])}

Exit codes: 0 stopped cleanly, 1 runtime failure, 2 usage or config error.`;

/**
 * Dashboard start-up errors that are configuration problems (exit 2); a failed listen is a runtime failure.
 * Named by their codes (checked against the dashboard's by the compiler) so that a process without the
 * dashboard role does not load it: each role's app (and its dependencies, e.g. Fastify and Bull Board for the
 * dashboard) is imported only by a process that runs the role.
 */
const DASHBOARD_CONFIG_ERRORS: ReadonlySet<unknown> = new Set<DashboardErrorCode>([
  'LZ_DASHBOARD_NO_PASSWORD',
  'LZ_DASHBOARD_PASSWORD_FILE',
  'LZ_DASHBOARD_INVALID_CONFIG',
]);

/** True for a dashboard error the operator fixes in the config (the message names the field and the fix). */
export function isDashboardConfigError(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && DASHBOARD_CONFIG_ERRORS.has((err as { code?: unknown }).code)
  );
}

interface Running {
  stop(): Promise<void>;
}

/** Starts the roles of `config.role` in this process; resolves once they run. */
export async function startRoles(
  config: LostromosConfig,
  deps: { logger: Logger; env: Readonly<Record<string, string | undefined>>; trace: boolean },
): Promise<Running & { url: string }> {
  const role = config.role;
  const log = deps.logger;
  const version = cliVersion();
  const identity = config.leaderElection.identity;
  const runsWatcher = role === 'all' || role === 'watcher';
  const runsWorker = role === 'all' || role === 'worker';
  const metrics = createOperatorMetrics({
    info: { role, version },
    runs: { watcher: runsWatcher, worker: runsWorker },
  });
  const health = new HealthRegistry();
  const stopLoopWatch = health.watchEventLoop();
  const runsDashboard = role === 'all' || role === 'dashboard';
  const stops: Array<() => Promise<void>> = [];
  // lostromos_redis_up follows every Redis connection of this process, whichever roles it runs.
  const redisUp = new RedisUpGauge(metrics.redisUp);
  // Redis unreachable, or not Redis: one clear line for all the process's connections, then one per 30 s.
  const redisProblems = new RedisProblemLog({
    target: describeRedis(config.redis),
    field: usesSentinel(config.redis) ? 'redis.sentinels' : 'redis.url',
    logger: log,
  });
  // A connection that cannot reach Redis must not hold the shutdown: QUIT waits this long, then disconnects.
  const closeWithinMs = Math.max(1000, config.worker.shutdownGraceSeconds * 1000);

  let kube: KubeClient | undefined;
  let producerRedis: Redis | undefined;
  let workerRedis: Redis | undefined;
  let producer: CrQueueProducer | undefined;
  let watcher: WatcherApp | undefined;
  let worker: WorkerApp | undefined;
  let dashboard: Dashboard | undefined;
  let dashboardRedis: RedisConnectionStatus | undefined;

  const cleanup = async (): Promise<void> => {
    // Explicit order: stop producing (watcher releases the Lease), drain workers, then shared connections.
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.error({ err }, 'error while stopping');
      }
    }
    stopLoopWatch();
  };

  try {
    if (runsWatcher || runsWorker) {
      if (config.resources.length === 0) {
        throw new UsageError(NO_RESOURCES);
      }
      kube = createKubeClient({
        kubeconfig: config.kubernetes.kubeconfig,
        context: config.kubernetes.context,
        qps: config.kubernetes.qps,
        burst: config.kubernetes.burst,
        env: deps.env,
        onRequest: restMetricsObserver(metrics),
      });
      const k = kube;
      stops.push(() => Promise.resolve(k.close()));
      const pr = createRedisConnection(config.redis, 'producer');
      producerRedis = pr;
      stops.push(() => closeRedis(pr, closeWithinMs));
      const redisState = (): void => {
        const ok = pr.status === 'ready';
        health.setReady('redis', ok, ok ? 'connected' : `redis ${pr.status}`);
      };
      redisState();
      for (const ev of ['ready', 'close', 'end', 'reconnecting'] as const) pr.on(ev, redisState);
      redisUp.add(pr);
      pr.on('error', (err) => {
        if (!redisProblems.report(err)) log.debug({ err }, 'redis connection error');
      });
      pr.on('ready', () => redisProblems.recovered());
      // Say where the connection landed after a loss: with Sentinel, the promoted master after a failover.
      let lost = false;
      pr.on('close', () => (lost = true));
      pr.on('ready', () => {
        if (!lost) return;
        lost = false;
        const s = pr.stream as { remoteAddress?: string; remotePort?: number } | undefined;
        log.info(
          {
            redis: describeRedis(config.redis),
            server: `${s?.remoteAddress ?? '?'}:${s?.remotePort ?? '?'}`,
          },
          'Redis connection ready again',
        );
      });
      producer = new CrQueueProducer({
        connection: pr,
        prefix: config.redis.prefix,
        queues: config.resources.map((r) => r.name),
        onError: (err, queue) => log.debug({ err, queue }, 'queue connection error'),
      });
      const p = producer;
      stops.push(() => p.close());
      const unhook = registerQueueMetrics(metrics.registry, {
        queues: config.resources.map((r) => ({ resource: r.name, queue: p.queue(r.name) })),
      });
      stops.push(() => Promise.resolve(unhook()));
    }
    if (runsWorker && kube && producer) {
      const wr = createRedisConnection(config.redis, 'worker');
      workerRedis = wr;
      wr.on('error', (err) => {
        if (!redisProblems.report(err)) log.debug({ err }, 'redis connection error (worker)');
      });
      wr.on('ready', () => redisProblems.recovered());
      redisUp.add(wr);
      stops.push(() => closeRedis(wr, closeWithinMs));
      const { buildWorker } = await import('@lostromos/worker');
      const w = buildWorker({
        config,
        logger: log,
        metrics,
        health,
        kube,
        redis: wr,
        producer,
        identity,
        trace: deps.trace,
        redisProblems,
      });
      worker = w;
      await w.start();
      stops.push(() => w.stop());
    }
    if (runsWatcher && kube && producer && producerRedis) {
      const { buildWatcher } = await import('@lostromos/watcher');
      const w = buildWatcher({
        config,
        logger: log,
        metrics,
        health,
        kube,
        producer,
        producerRedis,
        identity,
      });
      watcher = w;
      await w.start();
      stops.push(() => w.stop());
    }
    if (producerRedis) {
      const presence = startPresence({
        redis: producerRedis,
        prefix: config.redis.prefix,
        role,
        id: identity,
        logger: log,
        describe: () => ({
          ...(watcher ? { leader: watcher.isLeader() } : {}),
          ...(watcher?.isLeader() ? { resources: watcher.crCounts() } : {}),
          ...(worker ? { queues: worker.resources.map((r) => r.name) } : {}),
        }),
      });
      stops.push(() => presence.stop());
    }
    if (runsDashboard) {
      const { createDashboard } = await import('@lostromos/dashboard');
      const d = createDashboard({
        config,
        logger: log,
        metrics,
        health,
        queueMetrics: !producer,
        onRedisConnection: (redis) => {
          dashboardRedis = redis;
          return redisUp.add(redis);
        },
      });
      try {
        await d.start(); // it logs "dashboard listening" with its URL itself
        dashboard = d;
        stops.push(() => d.stop());
      } catch (err) {
        // `--role all` without a dashboard password (e.g. the original tool's single-CRD flags) still runs the
        // controller; the dashboard is skipped with the reason. `--role dashboard` fails instead.
        const code = (err as { code?: unknown }).code;
        if (role !== 'all' || (code !== 'LZ_DASHBOARD_NO_PASSWORD' && code !== 'LZ_DASHBOARD_PASSWORD_FILE'))
          throw err;
        health.remove('dashboard');
        health.remove('dashboard-redis');
        log.warn(
          { err },
          'dashboard not started: set dashboard.auth (passwordFile, or mode none) to enable it',
        );
      }
    }
    const server = await startHealthServer({
      address: config.server.address,
      metricsPath: config.server.metricsPath,
      statusPath: config.server.statusPath,
      registry: metrics.registry,
      health,
      logger: log,
      status: () => ({
        role,
        identity,
        version,
        ...(watcher ? { watcher: watcher.status() } : {}),
        ...(worker ? { worker: { resources: worker.resources.map((r) => r.name) } } : {}),
        ...(dashboard ? { dashboard: true } : {}),
        ...(kube ? { kubernetes: { server: kube.server, ...kube.rest.rateLimit } } : {}),
        redis: producerRedis?.status ?? workerRedis?.status ?? dashboardRedis?.status ?? 'unused',
        // Where Redis is (the URL without credentials, or the Sentinel master group and the Sentinels).
        redisTarget: describeRedis(config.redis),
      }),
    });
    stops.unshift(() => server.close());
    log.info(
      {
        role,
        identity,
        server: server.url,
        redis: describeRedis(config.redis),
        resources: config.resources.map((r) => r.name),
      },
      'lostromos started',
    );
    return { url: server.url, stop: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

export const startCommand: Command = {
  name: 'start',
  summary: 'run the operator: watcher, worker and/or dashboard roles',
  usage: USAGE,
  async run(ctx: CommandContext): Promise<number> {
    const all = [...CONFIG_FLAGS, ...EXTRA_FLAGS];
    const { flags, positionals } = parseFlags(ctx.argv, all);
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    if (
      flags.config === undefined &&
      ctx.env.LOSTROMOS_CONFIG === undefined &&
      flags['crd-name'] === undefined
    ) {
      throw new UsageError(
        '--config FILE is required (or the single-CRD flags --crd-name, --crd-group, --crd-version, --templates)',
      );
    }
    const config = loadConfig({ argv: ctx.argv, env: ctx.env, cwd: ctx.cwd, extraFlags: EXTRA_FLAGS });
    const logger = createLogger({
      level: config.log.level,
      format: config.log.format,
      base: { role: config.role },
      destination: ctx.stdout,
    });
    if (config.role === 'all' || config.role === 'worker') {
      const { selectResources } = await import('@lostromos/worker');
      try {
        selectResources(config);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    let running: Running;
    try {
      running = await startRoles(config, { logger, env: ctx.env, trace: flags['trace-reconciles'] === true });
    } catch (err) {
      if (err instanceof UsageError) throw err;
      if ((err as { code?: unknown }).code === 'LZ_KUBE_CONFIG' || isRedisSettingsError(err)) {
        ctx.stderr.write(`lostromos start: ${(err as Error).message}\n`);
        return ExitCode.usage;
      }
      if (isDashboardConfigError(err)) {
        // e.g. `--role dashboard` without a password: a config error, reported with the field and the fix.
        logger.error({ err }, 'dashboard configuration is invalid');
        ctx.stderr.write(`lostromos start: ${(err as Error).message}\n`);
        return ExitCode.usage;
      }
      logger.fatal({ err }, 'could not start');
      ctx.stderr.write(`lostromos start: ${(err as Error).message}\n`);
      return ExitCode.failure;
    }
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    logger.info('shutting down');
    await running.stop();
    logger.info('stopped');
    return ExitCode.ok;
  },
};
