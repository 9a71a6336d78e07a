import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import {
  parseListenAddress,
  readPresence,
  registerQueueMetrics,
  urlFor,
  type HealthRegistry,
  type Logger,
  type OperatorMetrics,
  type RedisConnectionStatus,
} from '@lostromos/observability';
import { createRedisConnection, CrQueueProducer, readCrFailures, RolloutStore } from '@lostromos/queue';
import express, { type ErrorRequestHandler } from 'express';
import { basicAuth } from './basic-auth.js';
import { DASHBOARD_ERROR_CODES, DashboardError } from './dashboard-error.js';
import {
  resolveDashboardSettings,
  type DashboardConfigInput,
  type DashboardSettings,
} from './dashboard-settings.js';
import { jobTitle } from './job-title.js';
import { collectOverview, renderOverviewHtml } from './overview.js';
import {
  readOnlyGuard,
  sameOriginForUnsafeMethods,
  securityHeaders,
  stripExternalResources,
} from './request-guards.js';

export interface DashboardDeps {
  /** The Lostrómos config (`LostromosConfig` satisfies this): dashboard, redis and resources are read. */
  config: DashboardConfigInput;
  logger: Logger;
  /** When given, the queue metrics (bullmq_job_count, workqueue_depth, …) are registered on its registry. */
  metrics?: OperatorMetrics;
  /** When given, the dashboard reports readiness checks `dashboard` and `dashboard-redis`. */
  health?: HealthRegistry;
  /** Register queue metrics on `metrics.registry` (default true; skipped when another component already did). */
  queueMetrics?: boolean;
  /** Reads the password file (default fs.readFile); injectable for tests. */
  readPassword?: (path: string) => Promise<string>;
  /**
   * Called with the dashboard's Redis connection once it exists (e.g. to follow it in `lostromos_redis_up`);
   * the function it returns is called when the dashboard stops.
   */
  onRedisConnection?: (redis: RedisConnectionStatus) => (() => void) | void;
}

export interface Dashboard {
  /** Resolves the settings (refusing to start without auth), connects to Redis and listens. Idempotent. */
  start(): Promise<{ url: string }>;
  /** Stops listening, closes the queues and the Redis connection. Idempotent. */
  stop(): Promise<void>;
}

const OVERVIEW_TIMEOUT_MS = 3000;
const OVERVIEW_READY_WAIT_MS = 1500;

type Redis = ReturnType<typeof createRedisConnection>;
type Queue = ReturnType<CrQueueProducer['queue']>;

function join(base: string, path: string): string {
  return base === '/' ? path : `${base}${path}`;
}

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      t = setTimeout(
        () => reject(new Error(`${what} did not answer within ${ms}ms (is Redis reachable?)`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(t));
}

/** Resolves once the connection is ready, or after `ms` (whatever its state then). */
function whenReady(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      redis.off('ready', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    redis.once('ready', done);
  });
}

/**
 * The operations dashboard: Bull Board over every resource's queue (queue name = resource name, BullMQ prefix =
 * `redis.prefix`) plus an operator overview page, behind basic auth, read-only by default, with cross-site
 * protection for state-changing requests and strict security headers.
 */
export function createDashboard(deps: DashboardDeps): Dashboard {
  const log = deps.logger.child({ component: 'dashboard' });
  let running:
    | {
        url: string;
        server: http.Server;
        redis: Redis;
        queues: Queue[];
        unhookMetrics: () => void;
        unwatchRedis: () => void;
      }
    | undefined;
  let starting: Promise<{ url: string }> | undefined;

  const start = async (): Promise<{ url: string }> => {
    const settings = await resolveDashboardSettings(deps.config, { readPassword: deps.readPassword });
    const { host, port } = (() => {
      try {
        return parseListenAddress(settings.address, 'dashboard.address');
      } catch (err) {
        throw new DashboardError(DASHBOARD_ERROR_CODES.INVALID_CONFIG, (err as Error).message, {
          field: 'dashboard.address',
          cause: err,
        });
      }
    })();
    if (!settings.readOnly) {
      log.warn(
        { address: settings.address },
        'dashboard.readOnly is false: anyone who can log in to the dashboard can retry, clean, promote, pause, empty and add jobs',
      );
    }
    if (settings.auth.mode === 'none') {
      log.warn(
        { address: settings.address },
        'dashboard.auth.mode is "none": the dashboard is served WITHOUT authentication; anyone who can reach it sees job data',
      );
    }

    // A producer-style connection: requests fail fast while Redis is down instead of queueing behind a reconnect.
    // It honours redis.url credentials, redis.passwordFile, username and TLS like every other role.
    const redis = createRedisConnection(deps.config.redis, 'producer', {
      connectionName: `${settings.prefix}:dashboard`,
    });
    let redisErrorLogged = false;
    redis.on('error', (err: Error) => {
      if (!redisErrorLogged) log.warn({ err }, 'dashboard cannot reach Redis; retrying');
      redisErrorLogged = true;
      deps.health?.setReady('dashboard-redis', false, err.message);
    });
    redis.on('ready', () => {
      if (redisErrorLogged) log.info('dashboard reconnected to Redis');
      redisErrorLogged = false;
      deps.health?.setReady('dashboard-redis', true);
    });
    deps.health?.setReady('dashboard-redis', false, 'connecting');
    const unwatchRedis = deps.onRedisConnection?.(redis) ?? (() => undefined);
    const producer = new CrQueueProducer({
      connection: redis,
      prefix: settings.prefix,
      queues: settings.queueNames,
      onError: (err, queue) => log.debug({ err, queue }, 'queue error'),
    });
    const queues = settings.queueNames.map((name) => producer.queue(name));

    let unhookMetrics: () => void = () => undefined;
    if (deps.metrics && (deps.queueMetrics ?? true)) {
      if (deps.metrics.registry.getSingleMetric('bullmq_job_count')) {
        log.debug('queue metrics already registered by another component; not registering them twice');
      } else {
        unhookMetrics = registerQueueMetrics(deps.metrics.registry, {
          queues: queues.map((queue) => ({ resource: queue.name, queue })),
        });
      }
    }

    const app = buildApp(settings, queues, redis, log);
    const server = http.createServer(app);
    server.headersTimeout = 20_000;
    server.requestTimeout = 30_000;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      unhookMetrics();
      unwatchRedis();
      redis.disconnect();
      await Promise.allSettled(queues.map((q) => q.close()));
      throw new DashboardError(
        DASHBOARD_ERROR_CODES.LISTEN,
        `dashboard cannot listen on ${settings.address} (dashboard.address): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        { field: 'dashboard.address', cause: err },
      );
    }
    const url = urlFor(
      host,
      (server.address() as AddressInfo).port,
      settings.basePath === '/' ? '/' : `${settings.basePath}/`,
    );
    running = { url, server, redis, queues, unhookMetrics, unwatchRedis };
    deps.health?.setReady('dashboard', true);
    log.info(
      {
        url,
        basePath: settings.basePath,
        readOnly: settings.readOnly,
        auth: settings.auth.mode,
        queues: settings.queueNames,
      },
      'dashboard listening',
    );
    return { url };
  };

  return {
    start(): Promise<{ url: string }> {
      if (running) return Promise.resolve({ url: running.url });
      starting ??= start().finally(() => (starting = undefined));
      return starting;
    },
    async stop(): Promise<void> {
      if (starting) await starting.catch(() => undefined);
      const r = running;
      running = undefined;
      if (!r) return;
      deps.health?.remove('dashboard');
      deps.health?.remove('dashboard-redis');
      r.unhookMetrics();
      await new Promise<void>((resolve) => {
        r.server.close(() => resolve());
        r.server.closeAllConnections();
      });
      // Queue.close waits for its connection; bound it so a dead Redis cannot block shutdown.
      await timeout(Promise.allSettled(r.queues.map((q) => q.close())), 2000, 'closing queues').catch(
        () => undefined,
      );
      r.unwatchRedis();
      r.redis.disconnect();
      log.info('dashboard stopped');
    },
  };
}

function buildApp(settings: DashboardSettings, queues: Queue[], redis: Redis, log: Logger): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(securityHeaders());
  if (settings.auth.mode === 'basic') {
    app.use(
      basicAuth({
        username: settings.auth.username,
        password: settings.auth.password,
        onFailure: ({ username, ip }) => log.warn({ username, ip }, 'dashboard login failed'),
      }),
    );
  }
  app.use(
    sameOriginForUnsafeMethods((reason) =>
      log.warn({ reason }, 'cross-site request to the dashboard refused'),
    ),
  );
  if (settings.readOnly) app.use(readOnlyGuard());

  const base = settings.basePath;
  // The landing page (basePath) is the operator overview, failing CRs first; Bull Board lives under /queues.
  const boardPath = join(base, '/queues');
  const overviewJsonPath = join(base, '/overview.json');
  const overview = async () => {
    // Just after start-up (or a reconnect) the connection may still be connecting: wait for it a little, so the
    // first page shows data instead of "Stream isn't writeable"; the parts still fail fast while Redis is down.
    await whenReady(redis, OVERVIEW_READY_WAIT_MS);
    return timeout(
      collectOverview({
        queues,
        readPresence: () => readPresence({ redis, prefix: settings.prefix }),
        readFailures: (queue) => readCrFailures(redis, settings.prefix, queue),
        rollouts: {
          resources: settings.rolloutResources,
          read: (resource) => new RolloutStore({ connection: redis, prefix: settings.prefix }).read(resource),
        },
        readOnly: settings.readOnly,
      }),
      OVERVIEW_TIMEOUT_MS,
      'overview',
    );
  };
  app.get(overviewJsonPath, async (_req, res) => {
    res.json(await overview());
  });
  app.get(base, async (_req, res) => {
    res
      .type('html')
      .send(renderOverviewHtml(await overview(), { board: `${boardPath}/`, json: overviewJsonPath }));
  });
  // Addresses of earlier versions: the overview page and Bull Board's queue and job pages.
  app.get(join(base, '/overview'), (_req, res) => res.redirect(302, base === '/' ? '/' : `${base}/`));
  app.get(join(base, '/queue/*rest'), (req, res) => {
    res.redirect(302, `${boardPath}${req.originalUrl.slice(base === '/' ? 0 : base.length)}`);
  });

  // Bull Board's page links Google Fonts: remove it (and any other third-party <link>/<script>) so the page
  // loads nothing from outside; the CSP would block it anyway.
  app.use(boardPath, (_req, res, next) => {
    const render = res.render.bind(res);
    res.render = (view: string, options?: object) => {
      render(view, options ?? {}, (err: Error | null, html?: string) => {
        if (err) next(err);
        else res.type('html').send(stripExternalResources(html ?? ''));
      });
    };
    next();
  });

  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(boardPath);
  createBullBoard({
    queues: queues.map((q) => {
      const adapter = new BullMQAdapter(q, {
        readOnlyMode: settings.readOnly,
        allowRetries: !settings.readOnly,
        description: `Lostrómos resource "${q.name}"`,
      });
      // Job cards name the CR (namespace/name), then the trigger, and a permanent failure's reason.
      adapter.setFormatter('name', (job: Parameters<typeof jobTitle>[0]) => jobTitle(job));
      return adapter;
    }),
    // @bull-board/express 9.10.1 pins its own @bull-board/api 9.10.1 while the root has 9.10.2: identical shape,
    // separately declared private fields, so the types need a nudge.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: {
      uiConfig: {
        boardTitle: 'Lostrómos queues',
        // No header link to Bull Board's docs site (the page loads nothing from elsewhere; see above).
        hideDocsLink: true,
        environment: settings.readOnly
          ? { label: 'read-only', color: '#3a4a5e', textColor: '#ffffff' }
          : { label: 'READ-WRITE', color: '#b3261e', textColor: '#ffffff' },
        miscLinks: [
          { text: 'Overview: failing CRs, leader, processes', url: base === '/' ? '/' : `${base}/` },
        ],
      },
    },
  });
  app.use(boardPath, serverAdapter.getRouter() as express.Router);

  const onError: ErrorRequestHandler = (err: Error, req, res, _next) => {
    log.error({ err, path: req.path }, 'dashboard request failed');
    if (!res.headersSent) res.status(500).json({ error: err.message });
  };
  app.use(onError);
  return app;
}
