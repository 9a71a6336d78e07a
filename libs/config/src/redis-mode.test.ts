import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { parseConfig } from './load-config.js';
import { parseSentinelAddress } from './schema.js';

const base = { file: '/etc/lostromos/config.yaml', env: {}, hostname: 'host', pid: 7 };

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('Redis: plain (redis.url) or Sentinel mode', () => {
  it('defaults to plain mode on redis://127.0.0.1:6379 without any Sentinel field', () => {
    expect(parseConfig('', base).redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      prefix: 'lostromos',
      tls: false,
    });
  });

  it('reads Sentinel mode from the file: "host:port" strings and {host, port} objects, defaults filled', () => {
    const c = parseConfig(
      `redis:
  sentinels: ["s0.example:26380", { host: s1.example }, "[::1]:26381", "10.0.0.3"]
  sentinelName: mymaster
  sentinelPasswordFile: ./sentinel-password
  passwordFile: ./redis-password
  prefix: lz
`,
      base,
    );
    expect(c.redis).toEqual({
      sentinels: [
        { host: 's0.example', port: 26380 },
        { host: 's1.example', port: 26379 },
        { host: '::1', port: 26381 },
        { host: '10.0.0.3', port: 26379 },
      ],
      sentinelName: 'mymaster',
      sentinelPasswordFile: '/etc/lostromos/sentinel-password',
      passwordFile: '/etc/lostromos/redis-password',
      sentinelTls: false,
      db: 0,
      prefix: 'lz',
      tls: false,
    });
    expect(c.redis.url).toBeUndefined();
  });

  it('sentinelTls follows tls unless set; db and ACL users pass through', () => {
    const c = parseConfig(
      'redis: { sentinels: [s:1], sentinelName: m, tls: true, db: 3, username: u, sentinelUsername: su }\n',
      base,
    );
    expect(c.redis).toMatchObject({
      tls: true,
      sentinelTls: true,
      db: 3,
      username: 'u',
      sentinelUsername: 'su',
    });
    const off = parseConfig(
      'redis: { sentinels: [s:1], sentinelName: m, tls: true, sentinelTls: false }\n',
      base,
    );
    expect(off.redis).toMatchObject({ tls: true, sentinelTls: false });
  });

  it('takes Sentinel mode from env and flags through the field table', () => {
    const fromEnv = parseConfig('', {
      ...base,
      cwd: '/work',
      env: {
        LOSTROMOS_REDIS_SENTINELS: 'a:26379, b:26380',
        LOSTROMOS_REDIS_SENTINEL_NAME: 'mymaster',
        LOSTROMOS_REDIS_SENTINEL_PASSWORD_FILE: 'secrets/sentinel',
        LOSTROMOS_REDIS_SENTINEL_USERNAME: 'watch',
        LOSTROMOS_REDIS_SENTINEL_TLS: 'true',
        LOSTROMOS_REDIS_DB: '2',
      },
    });
    expect(fromEnv.redis).toMatchObject({
      sentinels: [
        { host: 'a', port: 26379 },
        { host: 'b', port: 26380 },
      ],
      sentinelName: 'mymaster',
      sentinelPasswordFile: '/work/secrets/sentinel',
      sentinelUsername: 'watch',
      sentinelTls: true,
      db: 2,
    });
    const fromFlags = parseConfig('', {
      ...base,
      cwd: '/work',
      argv: [
        '--redis-sentinels',
        'a:1',
        '--redis-sentinels=b:2,c',
        '--redis-sentinel-name',
        'm',
        '--redis-sentinel-password-file',
        'p',
        '--redis-db',
        '1',
      ],
    });
    expect(fromFlags.redis).toMatchObject({
      sentinels: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2 },
        { host: 'c', port: 26379 },
      ],
      sentinelName: 'm',
      sentinelPasswordFile: '/work/p',
      db: 1,
    });
  });

  it('refuses url and sentinels together, naming both sources and the fix', () => {
    const e = errorOf(() =>
      parseConfig('redis:\n  url: redis://r:6379\n  sentinels: [s:26379]\n  sentinelName: m\n', base),
    );
    expect(e.code).toBe('LZ_CONFIG_INVALID');
    expect(e.message).toBe(
      'config: redis.url: redis.url (/etc/lostromos/config.yaml:2) and redis.sentinels (/etc/lostromos/config.yaml:3) are both set: keep redis.url for one Redis, or redis.sentinels with redis.sentinelName for Redis Sentinel, not both',
    );
    // An env URL over a file with Sentinels (e.g. a leftover LOSTROMOS_REDIS_URL) is the same mistake.
    const env = errorOf(() =>
      parseConfig('redis: { sentinels: [s:26379], sentinelName: m }\n', {
        ...base,
        env: { LOSTROMOS_REDIS_URL: 'redis://x:1' },
      }),
    );
    expect(env.message).toContain('redis.url (env LOSTROMOS_REDIS_URL) and redis.sentinels');
    expect(env.issues[0]!.where).toBe('env LOSTROMOS_REDIS_URL');
  });

  it('requires sentinelName with sentinels', () => {
    const e = errorOf(() => parseConfig('redis: { sentinels: [s:26379] }\n', base));
    expect(e.message).toBe(
      'config: redis.sentinelName: required with redis.sentinels: the master group name the Sentinels monitor (`sentinel monitor <name> …`), e.g. mymaster',
    );
  });

  it('refuses Sentinel-only fields without sentinels', () => {
    for (const field of [
      'sentinelName: m',
      'sentinelUsername: u',
      'sentinelPasswordFile: f',
      'sentinelTls: true',
    ]) {
      const e = errorOf(() => parseConfig(`redis: { url: redis://r:1, ${field} }\n`, base));
      expect(e.message).toMatch(
        /^config: redis\.sentinel\w+: only used with Redis Sentinel: add redis\.sentinels \(host:port of each Sentinel\) or remove it$/,
      );
    }
    expect(errorOf(() => parseConfig('redis: { db: 2 }\n', base)).message).toBe(
      'config: redis.db: only used with Redis Sentinel: add redis.sentinels (host:port of each Sentinel) or remove it; with redis.url put the database in the URL path, e.g. redis://host:6379/2',
    );
    // An empty list is no Sentinel mode.
    expect(parseConfig('redis: { sentinels: [] }\n', base).redis.url).toBe('redis://127.0.0.1:6379');
  });

  it('refuses bad Sentinel addresses with the index, the reason and an example', () => {
    const cases: Array<[string, string]> = [
      ['"s:0"', 'port must be a whole number from 1 to 65535'],
      ['"s:99999"', 'port must be a whole number from 1 to 65535'],
      ['"redis://s:26379"', 'must be "host:port" of a Redis Sentinel or {host, port}'],
      ['7', 'must be "host:port" of a Redis Sentinel or {host, port}'],
      ['{ host: s, prot: 1 }', 'unknown field prot (a Sentinel is {host, port})'],
      ['{ port: 1 }', 'host: must be a host name or IP address of a Redis Sentinel'],
      ['{ host: s, port: "x" }', 'port must be a whole number'],
    ];
    for (const [value, message] of cases) {
      const e = errorOf(() => parseConfig(`redis:\n  sentinels: [a:1, ${value}]\n  sentinelName: m\n`, base));
      expect(e.message, value).toContain(`config: redis.sentinels[1]: ${message}`);
      expect(e.issues[0]!.where, value).toBe('/etc/lostromos/config.yaml:2');
    }
    const env = errorOf(() =>
      parseConfig('', {
        ...base,
        env: { LOSTROMOS_REDIS_SENTINELS: 'a b', LOSTROMOS_REDIS_SENTINEL_NAME: 'm' },
      }),
    );
    expect(env.message).toContain('redis.sentinels[0]: must be "host:port"');
    expect(env.issues[0]!.where).toBe('env LOSTROMOS_REDIS_SENTINELS');
    expect(
      errorOf(() => parseConfig('redis: { sentinels: [a:1], sentinelName: "my master" }\n', base)).message,
    ).toContain('redis.sentinelName: must be the master group name the Sentinels monitor');
  });

  it('parseSentinelAddress: the accepted forms', () => {
    expect(parseSentinelAddress('h')).toEqual({ host: 'h', port: 26379 });
    expect(parseSentinelAddress(' h:1 ')).toEqual({ host: 'h', port: 1 });
    expect(parseSentinelAddress('[fe80::1]:2')).toEqual({ host: 'fe80::1', port: 2 });
    expect(parseSentinelAddress({ host: 'h', port: 3 })).toEqual({ host: 'h', port: 3 });
    expect(typeof parseSentinelAddress('h:')).toBe('string');
    expect(typeof parseSentinelAddress(null)).toBe('string');
  });
});
