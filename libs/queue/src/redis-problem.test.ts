import { describe, expect, it } from 'vitest';
import { describeRedisProblem, RedisProblemLog, redisProblemOf } from './redis-problem.js';

const sysErr = (code: string, message = `connect ${code} 127.0.0.1:6379`): Error =>
  Object.assign(new Error(message), { code });
const notResp = (): Error => new Error('Unknown RESP type 72 "H". Please report this.');

describe('redisProblemOf', () => {
  it('nothing at the address: unreachable, with the code and what it means', () => {
    expect(redisProblemOf(sysErr('ECONNREFUSED'))).toEqual({
      kind: 'unreachable',
      reason: 'ECONNREFUSED: nothing listens there',
    });
    expect(redisProblemOf(sysErr('ENOTFOUND'))?.reason).toBe('ENOTFOUND: the host name does not resolve');
    expect(redisProblemOf(new Error('Connection is closed.'))?.kind).toBe('unreachable');
  });
  it('a server that is not Redis: not-redis, saying what it sent instead of ioredis’ "Please report this"', () => {
    const p = redisProblemOf(notResp());
    expect(p).toEqual({
      kind: 'not-redis',
      reason: 'its reply starts with "H" like an HTTP server’s, not the Redis protocol',
    });
    expect(redisProblemOf(new Error('Unknown RESP type 21 "\u0015". Please report this.'))?.reason).toBe(
      'its reply starts with "\\u0015", not the Redis protocol',
    );
  });
  it('other errors are not connection problems', () => {
    expect(redisProblemOf(new Error('NOAUTH Authentication required.'))).toBeUndefined();
    expect(redisProblemOf(new Error('ERR Error running script'))).toBeUndefined();
    expect(redisProblemOf('ECONNREFUSED')).toBeUndefined();
    expect(redisProblemOf(sysErr('EACCES'))).toBeUndefined();
  });
});

describe('describeRedisProblem', () => {
  it('says what, where, why and what to do in one line', () => {
    const line = describeRedisProblem('redis://r:6379/', 'redis.url', {
      kind: 'unreachable',
      reason: 'ECONNREFUSED: nothing listens there',
    });
    expect(line).toBe(
      'Redis at redis://r:6379/ is unreachable (ECONNREFUSED: nothing listens there): start Redis there or fix redis.url; retrying, not ready meanwhile',
    );
    expect(describeRedisProblem('redis://r:80/', 'redis.url', redisProblemOf(notResp())!)).toMatch(
      /^redis:\/\/r:80\/ is not a Redis server \(its reply starts with "H".*\): check the host and port in redis\.url/,
    );
  });
});

describe('RedisProblemLog', () => {
  const setup = () => {
    let now = 1_000_000;
    const lines: Array<{ level: string; msg: string; obj: object }> = [];
    const rec =
      (level: string) =>
      (obj: object, msg: string): void => {
        lines.push({ level, msg, obj });
      };
    const log = new RedisProblemLog({
      target: 'redis://127.0.0.1:1/',
      field: 'redis.url',
      logger: { warn: rec('warn'), error: rec('error'), info: rec('info') },
      now: () => now,
    });
    return { log, lines, advance: (ms: number) => (now += ms) };
  };

  it('one line when Redis goes away, then at most one per 30 s while it stays away, one when it is back', () => {
    const { log, lines, advance } = setup();
    // Every retry of every connection, and BullMQ's copies of them, for 29 s: one line.
    for (let i = 0; i < 290; i++) {
      expect(log.report(i % 2 ? new Error('Connection is closed.') : sysErr('ECONNREFUSED'))).toBe(true);
      advance(100);
    }
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'warn Redis at redis://127.0.0.1:1/ is unreachable (ECONNREFUSED: nothing listens there): start Redis there or fix redis.url; retrying, not ready meanwhile',
    ]);
    advance(1000);
    log.report(sysErr('ECONNREFUSED'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 'warn', obj: { downForSeconds: 30 } });
    expect(lines[1]!.msg).toMatch(/^still: Redis at redis:\/\/127\.0\.0\.1:1\/ is unreachable/);
    expect(log.problem?.kind).toBe('unreachable');
    advance(5000);
    log.recovered();
    log.recovered();
    expect(lines.slice(2)).toEqual([
      {
        level: 'info',
        msg: 'Redis at redis://127.0.0.1:1/ answers again',
        obj: { redis: 'redis://127.0.0.1:1/', downForSeconds: 35 },
      },
    ]);
    expect(log.problem).toBeUndefined();
  });

  it('a different cause is said at once; a non-Redis server is an error (a setting to fix)', () => {
    const { log, lines, advance } = setup();
    log.report(sysErr('ECONNREFUSED'));
    advance(1000);
    log.report(notResp());
    log.report(notResp());
    expect(lines.map((l) => l.level)).toEqual(['warn', 'error']);
    expect(lines[1]!.msg).toMatch(/is not a Redis server/);
  });

  it('leaves other errors to the caller, and a connection closed on purpose is no outage', () => {
    const { log, lines } = setup();
    expect(log.report(new Error('ERR Error running script'))).toBe(false);
    expect(log.report(new Error('Connection is closed.'))).toBe(false);
    log.recovered();
    expect(lines).toEqual([]);
  });
});
