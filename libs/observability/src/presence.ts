import os from 'node:os';
import type { Logger } from './logger.js';

/**
 * What a running Lostrómos process announces about itself in Redis, so the dashboard can show the cluster
 * (leader, workers seen, CRs per resource and Ready state) without talking to Kubernetes.
 */
export interface PresenceRecord {
  id: string;
  role: string;
  hostname: string;
  pid: number;
  startedAt: string;
  updatedAt: string;
  /** Watchers: whether this process holds the Lease right now. */
  leader?: boolean;
  /** Watchers (leader): CRs per configured resource, by Ready condition. */
  resources?: Record<string, { crs: number; ready: number; notReady: number }>;
  /** Workers: the queues this process consumes. */
  queues?: string[];
}

/** The Redis commands presence needs (ioredis `Redis` satisfies this). */
export interface PresenceRedis {
  set(key: string, value: string, px: 'PX', ttlMs: number): Promise<unknown>;
  del(...keys: string[]): Promise<unknown>;
  scan(
    cursor: string | number,
    match: 'MATCH',
    pattern: string,
    count: 'COUNT',
    n: number,
  ): Promise<[string, string[]]>;
  mget(...keys: string[]): Promise<Array<string | null>>;
}

// `_` cannot start a resource (= queue) name, so this never collides with BullMQ's `<prefix>:<queue>:…` keys.
export function presenceKey(prefix: string, role: string, id: string): string {
  return `${prefix}:_presence:${role}:${id}`;
}

export interface PresenceOptions {
  redis: PresenceRedis;
  /** config.redis.prefix */
  prefix: string;
  role: string;
  id: string;
  /** The changing part of the record (leader state, counts); read on every heartbeat. */
  describe?: () => Partial<Pick<PresenceRecord, 'leader' | 'resources' | 'queues'>>;
  /** Heartbeat period (default 5 s); the key expires after `ttlMs` (default 3 × interval) without one. */
  intervalMs?: number;
  ttlMs?: number;
  logger?: Logger;
  now?: () => Date;
}

/**
 * Publishes this process's {@link PresenceRecord} now and on every heartbeat until `stop()`, which deletes it.
 * A failed heartbeat (Redis down) is logged at debug level and retried on the next beat; it never throws.
 */
export function startPresence(opts: PresenceOptions): { stop(): Promise<void>; beat(): Promise<void> } {
  const intervalMs = opts.intervalMs ?? 5000;
  const ttlMs = opts.ttlMs ?? intervalMs * 3;
  const now = opts.now ?? (() => new Date());
  const key = presenceKey(opts.prefix, opts.role, opts.id);
  const startedAt = now().toISOString();
  let stopped = false;

  const beat = async (): Promise<void> => {
    if (stopped) return;
    const record: PresenceRecord = {
      id: opts.id,
      role: opts.role,
      hostname: os.hostname(),
      pid: process.pid,
      startedAt,
      updatedAt: now().toISOString(),
      ...opts.describe?.(),
    };
    try {
      await opts.redis.set(key, JSON.stringify(record), 'PX', ttlMs);
    } catch (err) {
      opts.logger?.debug({ err, key }, 'presence heartbeat failed; retrying on the next beat');
    }
  };
  void beat();
  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();
  return {
    beat,
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      try {
        await opts.redis.del(key);
      } catch (err) {
        opts.logger?.debug({ err, key }, 'could not delete presence key; it expires on its own');
      }
    },
  };
}

/** Every live presence record under `prefix`, sorted by role then id. Unparseable values are skipped. */
export async function readPresence(opts: {
  redis: PresenceRedis;
  prefix: string;
}): Promise<PresenceRecord[]> {
  const pattern = `${opts.prefix}:_presence:*`;
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await opts.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0' && keys.length < 10_000);
  if (keys.length === 0) return [];
  const values = await opts.redis.mget(...new Set(keys));
  const out: PresenceRecord[] = [];
  for (const v of values) {
    if (!v) continue;
    try {
      const rec = JSON.parse(v) as PresenceRecord;
      if (typeof rec.id === 'string' && typeof rec.role === 'string') out.push(rec);
    } catch {
      // a foreign or truncated value: not ours to show
    }
  }
  return out.sort((a, b) => a.role.localeCompare(b.role) || a.id.localeCompare(b.id));
}
