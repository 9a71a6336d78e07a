import fs from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import { redisProblemOf } from './redis-problem.js';
import { LostromosError } from '@lostromos/model';

/** One Redis Sentinel to ask for the current master. */
export interface SentinelAddress {
  host: string;
  port: number;
}

/**
 * How to reach Redis (the `redis` section of the config, which satisfies this): either one Redis at `url`
 * (plain mode) or the master of `sentinelName` as reported by `sentinels` (Sentinel mode). The config
 * validates that exactly one mode is set.
 */
export interface RedisSettings {
  /** Plain mode: redis:// or rediss://, credentials and database number optional in the URL. */
  url?: string;
  /** Sentinel mode: the Sentinels that monitor the master (any one that answers is enough). */
  sentinels?: readonly SentinelAddress[];
  /** Sentinel mode: the master group name (`sentinel monitor <name> …`). */
  sentinelName?: string;
  /** Sentinel mode: ACL user and password file for the Sentinels themselves (not the data nodes). */
  sentinelUsername?: string;
  sentinelPasswordFile?: string;
  /** Sentinel mode: TLS to the Sentinels (default: `tls`). */
  sentinelTls?: boolean;
  /** Sentinel mode: database number (plain mode takes it from the URL path). */
  db?: number;
  /** TLS to the data nodes (plain mode default: true for rediss:// URLs). */
  tls?: boolean;
  username?: string;
  passwordFile?: string;
}

/** A Redis setting that cannot work (an unreadable password file, no mode): fixed in the config, exit 2. */
export class RedisSettingsError extends LostromosError {
  override readonly name = 'RedisSettingsError';
  readonly code = 'LZ_REDIS_CONFIG';
  readonly retryable = false as const;
  constructor(
    readonly field: string,
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(`${field}: ${message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
  }
}

export function isRedisSettingsError(err: unknown): err is RedisSettingsError {
  return err instanceof Error && (err as { code?: unknown }).code === 'LZ_REDIS_CONFIG';
}

/** True when the settings select Sentinel mode. */
export function usesSentinel(settings: RedisSettings): boolean {
  return (settings.sentinels?.length ?? 0) > 0;
}

/** Where Redis is, for logs and /status: never a credential. */
export function describeRedis(settings: RedisSettings): string {
  if (usesSentinel(settings)) {
    const hosts = settings.sentinels!.map(
      (s) => (s.host.includes(':') ? `[${s.host}]` : s.host) + `:${s.port}`,
    );
    return `sentinel master "${settings.sentinelName ?? ''}" via ${hosts.join(',')}`;
  }
  if (!settings.url) return 'not configured';
  try {
    const u = new URL(settings.url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return 'invalid URL';
  }
}

function readSecret(file: string, field: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT'
        ? 'no such file'
        : e.code === 'EACCES'
          ? 'permission denied'
          : e.code === 'EISDIR'
            ? 'is a directory, not a file'
            : e.message;
    throw new RedisSettingsError(
      field,
      `cannot read the password file ${file} (${why}): mount the Secret there or fix the path`,
      { cause: err },
    );
  }
}

/**
 * How long to wait before reconnect attempt `times`: quickly (100 ms more per attempt, at most 2 s) while
 * Redis is down or restarting, so a recovered Redis is used at once; but after `notRedisStreak` attempts in a
 * row met a server that is not Redis (a wrong port), 2 s doubling to 30 s: that is a setting to fix, and
 * each attempt only adds noise and load to the server that answered.
 */
export function reconnectDelayMs(times: number, notRedisStreak: number): number {
  if (notRedisStreak > 0) return Math.min(30_000, 2000 * 2 ** (notRedisStreak - 1));
  return Math.min(100 * times, 2000);
}

/**
 * The connections of one createRedisConnection call and their duplicates (BullMQ's blocking connections, the
 * revisions subscriber): what they met lately, for the reconnect delay, and which are still open, so
 * closeRedis can end them all.
 */
class ConnectionFamily {
  private notRedisStreak = 0;
  readonly open = new Set<Redis>();
  root: Redis | undefined;

  track(redis: Redis): Redis {
    this.root ??= redis;
    families.set(redis, this);
    this.open.add(redis);
    redis.on('connecting', () => this.open.add(redis));
    redis.on('end', () => this.open.delete(redis));
    redis.on('error', (err: Error) => {
      if (redisProblemOf(err)?.kind === 'not-redis') this.notRedisStreak++;
      // Nothing at the address any more (a server that is not Redis may also reset the connection: no reset).
      else if (CONNECT_FAILURES.has((err as NodeJS.ErrnoException).code ?? '')) this.notRedisStreak = 0;
    });
    redis.on('ready', () => (this.notRedisStreak = 0));
    // Copies must feed the same record: ioredis' duplicate() builds a plain Redis from our options.
    const duplicate = redis.duplicate.bind(redis);
    redis.duplicate = (override?: Partial<RedisOptions>) => this.track(duplicate(override));
    return redis;
  }

  readonly retryStrategy = (times: number): number => reconnectDelayMs(times, this.notRedisStreak);
}

const families = new WeakMap<Redis, ConnectionFamily>();

/** Errors of a connect attempt that reached no server. */
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
]);

/** A command answered -READONLY reached a replica: the master was demoted (failover). Reconnect, resend. */
function reconnectOnReadonly(err: Error): 2 | false {
  return err.message.startsWith('READONLY') ? 2 : false;
}

/**
 * `producer` connections fail fast while Redis is down (`enableOfflineQueue: false`) so the watcher notices and
 * re-enqueues later; `worker` connections block and retry forever (`maxRetriesPerRequest: null`, as BullMQ
 * requires). Both reconnect with a capped backoff.
 *
 * In Sentinel mode every (re)connect asks the Sentinels for the current master of `sentinelName` and checks
 * its role, so after a failover the connection lands on the promoted replica; the options carry over to
 * `duplicate()` (BullMQ's blocking connections, pub/sub). A command that meets a demoted master (READONLY)
 * reconnects and is resent.
 */
export function createRedisConnection(
  settings: RedisSettings,
  role: 'producer' | 'worker',
  extra: RedisOptions = {},
): Redis {
  const trouble = new ConnectionFamily();
  const common: RedisOptions = {
    lazyConnect: false,
    retryStrategy: trouble.retryStrategy,
    ...(role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 }
      : { maxRetriesPerRequest: null, enableOfflineQueue: true }),
    connectionName: `lostromos-${role}`,
  };
  const password = settings.passwordFile
    ? readSecret(settings.passwordFile, 'redis.passwordFile')
    : undefined;

  if (usesSentinel(settings)) {
    if (!settings.sentinelName) {
      throw new RedisSettingsError(
        'redis.sentinelName',
        'required with redis.sentinels: the master group name the Sentinels monitor, e.g. mymaster',
      );
    }
    const sentinelPassword = settings.sentinelPasswordFile
      ? readSecret(settings.sentinelPasswordFile, 'redis.sentinelPasswordFile')
      : undefined;
    const tls = settings.tls ?? false;
    const sentinelTls = settings.sentinelTls ?? tls;
    return trouble.track(
      new Redis({
        sentinels: settings.sentinels!.map((s) => ({ host: s.host, port: s.port })),
        name: settings.sentinelName,
        role: 'master',
        ...(settings.sentinelUsername ? { sentinelUsername: settings.sentinelUsername } : {}),
        ...(sentinelPassword ? { sentinelPassword } : {}),
        ...(sentinelTls ? { sentinelTLS: {} } : {}),
        ...(tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
        ...(settings.username ? { username: settings.username } : {}),
        ...(password ? { password } : {}),
        db: settings.db ?? 0,
        // No Sentinel answers: retry them all with the same capped backoff as a reconnect.
        sentinelRetryStrategy: (times) => Math.min(100 * times, 2000),
        // Not ioredis' failoverDetector: its +switch-master subscription disconnects the connector while a
        // reconnect may be resolving the master, which rejects connect() and leaves the client in "end" for good
        // (seen in test/reliability/redis-sentinel.test.ts). Sentinel itself disconnects the clients of a
        // demoted master (CLIENT KILL), and READONLY replies reconnect (below).
        reconnectOnError: reconnectOnReadonly,
        ...common,
        ...extra,
      }),
    );
  }

  if (!settings.url) {
    throw new RedisSettingsError(
      'redis.url',
      'no Redis configured: set redis.url (one Redis) or redis.sentinels with redis.sentinelName (Redis Sentinel)',
    );
  }
  const url = new URL(settings.url);
  const fromUrl = url.password ? decodeURIComponent(url.password) : undefined;
  const username = settings.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  const tls = settings.tls ?? url.protocol === 'rediss:';
  const pw = password ?? fromUrl;
  return trouble.track(
    new Redis({
      host: url.hostname,
      port: url.port ? Number(url.port) : 6379,
      ...(username ? { username } : {}),
      ...(pw ? { password: pw } : {}),
      db: Number.isFinite(db) ? db : 0,
      ...(tls ? { tls: { servername: url.hostname } } : {}),
      ...common,
      ...extra,
    }),
  );
}

/**
 * Closes a connection of createRedisConnection without waiting on Redis for more than `timeoutMs`: a clean
 * QUIT when it is connected (pending replies arrive first), else — or when QUIT does not come back in time —
 * a disconnect; then every duplicate of it still open (a BullMQ blocking connection whose worker could not
 * close while Redis was unreachable) is disconnected too. A worker connection queues commands while Redis is
 * unreachable, so a plain quit() would wait for Redis forever, and its reconnect timer would keep the process
 * alive.
 */
export async function closeRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const quit = redis.quit().then(
      () => true,
      () => false,
    );
    const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
    const clean = await Promise.race([quit, timeout]);
    clearTimeout(timer);
    if (!clean) redis.disconnect();
  } else redis.disconnect();
  const family = families.get(redis);
  if (family?.root === redis) for (const other of [...family.open]) if (other !== redis) other.disconnect();
}
