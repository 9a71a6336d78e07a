import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { RedisSettingsError } from './redis-connection.js';
import {
  closeRedis,
  createRedisConnection,
  describeRedis,
  isRedisSettingsError,
  reconnectDelayMs,
  type RedisSettings,
} from './redis-connection.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-connection-'));
const secret = (name: string, text: string): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Builds the connection without connecting, and returns its options. */
function optionsOf(settings: RedisSettings, role: 'producer' | 'worker'): Redis['options'] {
  const c = createRedisConnection(settings, role, { lazyConnect: true });
  c.disconnect();
  return c.options;
}

const SENTINEL: RedisSettings = {
  sentinels: [
    { host: 's0', port: 26379 },
    { host: 's1', port: 26380 },
  ],
  sentinelName: 'mymaster',
};

describe('createRedisConnection', () => {
  it('plain mode: host, port, database and credentials from the URL', () => {
    const o = optionsOf({ url: 'redis://u:p%40ss@r.example:6390/4' }, 'producer');
    expect(o).toMatchObject({ host: 'r.example', port: 6390, db: 4, username: 'u', password: 'p@ss' });
    expect(o.sentinels).toBeFalsy();
  });

  it('Sentinel mode: sentinels, master name, role master, data-node and Sentinel credentials, db', () => {
    const o = optionsOf(
      {
        ...SENTINEL,
        db: 2,
        username: 'app',
        passwordFile: secret('pw', 'data-secret\n'),
        sentinelUsername: 'watch',
        sentinelPasswordFile: secret('spw', 'sentinel-secret\n'),
      },
      'worker',
    );
    expect(o).toMatchObject({
      sentinels: [
        { host: 's0', port: 26379 },
        { host: 's1', port: 26380 },
      ],
      name: 'mymaster',
      role: 'master',
      db: 2,
      username: 'app',
      password: 'data-secret',
      sentinelUsername: 'watch',
      sentinelPassword: 'sentinel-secret',
    });
    // ioredis' failoverDetector can leave a client in "end" for good when it fires during a reconnect.
    expect(o.failoverDetector).toBe(false);
    expect(o.tls).toBeUndefined();
    expect(o.sentinelTLS).toBeUndefined();
    // A command that reaches a demoted master reconnects (to the new master) and is resent.
    expect(o.reconnectOnError?.(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(o.reconnectOnError?.(new Error('ERR wrong number of arguments'))).toBe(false);
  });

  it('keeps the producer (fail fast) and worker (wait forever, as BullMQ requires) semantics in both modes', () => {
    for (const settings of [{ url: 'redis://r:6379' }, SENTINEL]) {
      expect(optionsOf(settings, 'producer')).toMatchObject({
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectionName: 'lostromos-producer',
      });
      expect(optionsOf(settings, 'worker')).toMatchObject({
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        connectionName: 'lostromos-worker',
      });
    }
  });

  it('Sentinel mode TLS: to the master with tls, to the Sentinels with sentinelTls (default tls)', () => {
    expect(optionsOf({ ...SENTINEL, tls: true }, 'producer')).toMatchObject({
      tls: {},
      enableTLSForSentinelMode: true,
      sentinelTLS: {},
    });
    const onlyMaster = optionsOf({ ...SENTINEL, tls: true, sentinelTls: false }, 'producer');
    expect(onlyMaster.sentinelTLS).toBeUndefined();
    expect(onlyMaster.tls).toEqual({});
  });

  it('duplicate() keeps Sentinel mode (BullMQ blocking connections, pub/sub subscribers)', () => {
    const c = createRedisConnection(SENTINEL, 'producer', { lazyConnect: true });
    const d = c.duplicate({ connectionName: 'sub', enableOfflineQueue: true });
    expect(d.options).toMatchObject({ sentinels: SENTINEL.sentinels, name: 'mymaster', role: 'master' });
    c.disconnect();
    d.disconnect();
  });

  it('an unreadable password file is a settings error naming the field, the path and the reason', () => {
    const missing = path.join(dir, 'nope');
    for (const [settings, field] of [
      [{ url: 'redis://r:1', passwordFile: missing }, 'redis.passwordFile'],
      [{ ...SENTINEL, sentinelPasswordFile: missing }, 'redis.sentinelPasswordFile'],
      [{ ...SENTINEL, passwordFile: dir }, 'redis.passwordFile'],
    ] as const) {
      let err: unknown;
      try {
        createRedisConnection(settings, 'producer', { lazyConnect: true });
      } catch (e) {
        err = e;
      }
      expect(isRedisSettingsError(err)).toBe(true);
      expect((err as RedisSettingsError).field).toBe(field);
      expect((err as Error).message).toMatch(
        new RegExp(
          `^${field.replace('.', '\\.')}: cannot read the password file /.+ \\((no such file|is a directory, not a file)\\): mount the Secret there or fix the path$`,
        ),
      );
    }
  });

  it('no mode at all is a settings error', () => {
    expect(() => createRedisConnection({}, 'producer')).toThrow(/redis\.url: no Redis configured/);
  });
});

describe('describeRedis', () => {
  it('never shows credentials', () => {
    expect(describeRedis({ url: 'redis://u:secret@r:6379/2' })).toBe('redis://r:6379/2');
    expect(
      describeRedis({ ...SENTINEL, sentinels: [...SENTINEL.sentinels!, { host: '::1', port: 1 }] }),
    ).toBe('sentinel master "mymaster" via s0:26379,s1:26380,[::1]:1');
  });
});

describe('reconnectDelayMs', () => {
  it('retries quickly while Redis is down, and backs off (2 s doubling to 30 s) from a server that is not Redis', () => {
    expect([1, 5, 20, 100].map((t) => reconnectDelayMs(t, 0))).toEqual([100, 500, 2000, 2000]);
    expect([1, 2, 3, 4, 5, 9].map((n) => reconnectDelayMs(1, n))).toEqual([
      2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
  });
});

/** A port that answers like a web server, as redis.url pointing at the wrong service would. */
async function httpLikeServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.on('data', () => s.write('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

const until = async (what: string, fn: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('connections of one createRedisConnection and their duplicates', () => {
  it('back off together once any of them met a server that is not Redis', async () => {
    const http = await httpLikeServer();
    const c = createRedisConnection({ url: `redis://127.0.0.1:${http.port}` }, 'worker');
    let garbled = 0;
    c.on('error', () => undefined);
    // BullMQ's blocking connection is a duplicate: what it meets counts for all.
    const d = c.duplicate();
    d.on('error', (err: Error) => {
      if (/Unknown RESP type/.test(err.message)) garbled++;
    });
    try {
      await until('a garbled reply on the duplicate', () => garbled > 0);
      const retry = c.options.retryStrategy!;
      expect(retry(1)).toBeGreaterThanOrEqual(2000);
    } finally {
      await closeRedis(c, 100);
      await http.close();
    }
  });

  it('closeRedis ends a connection that cannot reach Redis, and every duplicate of it, without waiting', async () => {
    const c = createRedisConnection({ url: 'redis://127.0.0.1:1' }, 'worker');
    const d = c.duplicate();
    let attempts = 0;
    for (const r of [c, d]) {
      r.on('error', () => undefined);
      r.on('connecting', () => attempts++);
    }
    // A worker connection queues commands while Redis is unreachable: a plain quit() would never return.
    void c.get('k').catch(() => undefined);
    await until('a few failed connects', () => attempts >= 4);
    const t0 = Date.now();
    await closeRedis(c, 60_000);
    expect(Date.now() - t0).toBeLessThan(5000);
    // Retries came every 100–400 ms; after the close neither connection tries again.
    const after = attempts;
    await new Promise((r) => setTimeout(r, 1500));
    expect(attempts).toBe(after);
    expect(['end', 'reconnecting']).toContain(c.status);
  });
});
