import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { REDACTED } from './redact.js';

function sink(): { stream: PassThrough; lines: () => Record<string, unknown>[]; text: () => string } {
  const stream = new PassThrough();
  let buf = '';
  stream.on('data', (d: Buffer) => (buf += d.toString()));
  return {
    stream,
    text: () => buf,
    lines: () =>
      buf
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines with a level label, ISO time, base fields and child context', () => {
    const s = sink();
    const log = createLogger({
      level: 'info',
      format: 'json',
      base: { role: 'worker' },
      destination: s.stream,
    });
    log
      .child({ resource: 'characters' })
      .info({ namespace: 'default', name: 'ahab', durationMs: 12 }, 'reconciled');
    log.debug('not shown at info');
    const [line, ...rest] = s.lines();
    expect(rest).toHaveLength(0);
    expect(line).toMatchObject({
      level: 'info',
      role: 'worker',
      resource: 'characters',
      namespace: 'default',
      name: 'ahab',
      durationMs: 12,
      msg: 'reconciled',
    });
    expect(new Date(String(line?.time)).toISOString()).toBe(line?.time);
  });

  it('never writes secrets: keys, URLs in messages, bindings, errors and Secret data', () => {
    const s = sink();
    const log = createLogger({
      level: 'info',
      format: 'json',
      base: { redisUrl: 'redis://:basepw@r:6379' },
      destination: s.stream,
    });
    const child = log.child({ auth: { password: 'childpw' } });
    child.info(
      { config: { redis: { url: 'redis://user:objpw@r:6379' } }, token: 'tok-123' },
      'connecting to redis://:msgpw@r:6379',
    );
    child.error({ err: new Error('connect ECONNREFUSED redis://:errpw@r:6379') }, 'redis failed');
    child.info({ obj: { apiVersion: 'v1', kind: 'Secret', data: { key: 'c2VjcmV0ZGF0YQ==' } } }, 'applied');
    child.warn('header was %s', 'Bearer abcdefghijkl');
    const text = s.text();
    for (const secret of [
      'basepw',
      'childpw',
      'objpw',
      'tok-123',
      'msgpw',
      'errpw',
      'c2VjcmV0ZGF0YQ==',
      'abcdefghijkl',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain(REDACTED);
    const errLine = s.lines()[1];
    expect(errLine?.err).toMatchObject({
      type: 'Error',
      message: `connect ECONNREFUSED redis://:${REDACTED}@r:6379`,
    });
  });

  it('writes a non-Error under err as a readable message, never one key per character', () => {
    const s = sink();
    const log = createLogger({ level: 'info', format: 'json', destination: s.stream });
    log.warn({ err: 'render failed: redis://:strpw@r:6379 refused' }, 'a string under err');
    log.warn({ err: 42 }, 'a number under err');
    log.warn({ err: { code: 'X', detail: 'plain object' } }, 'an object under err');
    const [str, num, obj] = s.lines();
    expect(str?.err).toEqual({ message: `render failed: redis://:${REDACTED}@r:6379 refused` });
    expect(num?.err).toEqual({ message: '42' });
    expect(obj?.err).toEqual({ code: 'X', detail: 'plain object' });
    expect(s.text()).not.toMatch(/"0":/);
    expect(s.text()).not.toContain('strpw');
  });

  it('pretty format prints human-readable lines, still redacted', () => {
    const s = sink();
    const log = createLogger({ level: 'debug', format: 'pretty', destination: s.stream });
    log.debug({ password: 'pw-pretty' }, 'hello human');
    expect(s.text()).toMatch(/DEBUG.*hello human/);
    expect(s.text()).not.toContain('pw-pretty');
  });

  it('rejects an unknown level or format with the accepted values', () => {
    expect(() => createLogger({ level: 'verbose', format: 'json' })).toThrow(
      /invalid log level "verbose".*trace, debug, info/,
    );
    expect(() => createLogger({ level: 'info', format: 'xml' as 'json' })).toThrow(
      /invalid log format "xml"/,
    );
  });
});
