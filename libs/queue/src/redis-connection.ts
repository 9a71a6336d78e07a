import fs from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisSettings {
  url: string;
  tls?: boolean;
  username?: string;
  passwordFile?: string;
}

/**
 * `producer` connections fail fast while Redis is down (`enableOfflineQueue: false`) so the watcher notices and
 * re-enqueues later; `worker` connections block and retry forever (`maxRetriesPerRequest: null`, as BullMQ
 * requires). Both reconnect with a capped backoff.
 */
export function createRedisConnection(
  settings: RedisSettings,
  role: 'producer' | 'worker',
  extra: RedisOptions = {},
): Redis {
  const url = new URL(settings.url);
  const password = settings.passwordFile
    ? fs.readFileSync(settings.passwordFile, 'utf8').trim()
    : url.password
      ? decodeURIComponent(url.password)
      : undefined;
  const username = settings.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  const tls = settings.tls ?? url.protocol === 'rediss:';
  return new Redis({
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    db: Number.isFinite(db) ? db : 0,
    ...(tls ? { tls: { servername: url.hostname } } : {}),
    lazyConnect: false,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    ...(role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 }
      : { maxRetriesPerRequest: null, enableOfflineQueue: true }),
    connectionName: `lostromos-${role}`,
    ...extra,
  });
}
