import type { LostromosConfig } from '@lostromos/config';
import { createRedisConnection, describeRedis, redisProblemOf, usesSentinel } from '@lostromos/queue';

export type CliRedis = ReturnType<typeof createRedisConnection>;

export interface ConnectRedisOptions {
  /** How long to wait for Redis before saying it cannot be reached (default 5 s). */
  waitMs?: number;
}

/**
 * A connection to the operator's Redis (the config's `redis` settings) for a CLI command that reads or
 * writes what the operator keeps there (rollout state, stored template revisions). Rejects, with the address
 * and the config field to fix, when Redis is not ready within `waitMs`; the caller disconnects it when done.
 */
export async function connectRedis(
  config: LostromosConfig,
  opts: ConnectRedisOptions = {},
): Promise<CliRedis> {
  const waitMs = opts.waitMs ?? 5000;
  const redis = createRedisConnection(config.redis, 'producer', { connectionName: 'lostromos-cli' });
  const where = describeRedis(config.redis);
  const field = usesSentinel(config.redis) ? 'redis.sentinels' : 'redis.url';
  const file = config.configFile ? ` in ${config.configFile}` : '';
  try {
    await new Promise<void>((resolve, reject) => {
      let last: Error | undefined;
      const timer = setTimeout(() => {
        const why = last ? ` (${redisProblemOf(last)?.reason ?? last.message})` : '';
        reject(
          new Error(
            `cannot reach Redis at ${where} within ${waitMs / 1000} s${why}: is it running? Fix ${field}${file}, or pass --redis URL`,
          ),
        );
      }, waitMs);
      redis.on('error', (err: Error) => (last = err));
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  return redis;
}
