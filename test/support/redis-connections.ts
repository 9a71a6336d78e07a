import type { Redis } from 'ioredis';
import { createRedisConnection } from '@lostromos/queue';
import { waitFor } from './ports.js';
import type { TestRedis } from './redis-server.js';

/**
 * Lostrómos' own Redis connections (createRedisConnection, by role) to a test redis-server, each returned once
 * it is ready — a producer connection has no offline queue, so a command sent before would fail — and all
 * closed by `closeAll()`. Not in support/index.ts: that module imports no workspace package.
 */
export function redisConnections(server: () => TestRedis): {
  open(role: 'producer' | 'worker'): Promise<Redis>;
  closeAll(): Promise<void>;
} {
  const conns: Redis[] = [];
  return {
    async open(role) {
      const c = createRedisConnection({ url: server().url }, role);
      conns.push(c);
      await waitFor(() => c.status === 'ready', { timeoutMs: 10_000, what: `a ${role} Redis connection` });
      return c;
    },
    async closeAll() {
      await Promise.all(conns.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}
