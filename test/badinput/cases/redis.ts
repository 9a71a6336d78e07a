// Redis settings that cannot work at run time: Redis down when a worker starts, and redis.url pointing at a port
// that answers but is not Redis (here an HTTP server). A user must get one clear line saying what is wrong and
// where — not a log line with a stack trace per retry — readiness must say Redis is the problem, and SIGTERM must
// still stop the process. Password-file rows are in config.ts (they fail when the connection is opened).
// Scenario rows run the built binary (`lostromos start --role worker`) and observe it; they share one process
// per scenario.
import type { BadInput, Expectation } from '../corpus.ts';

/** down / not-redis: a worker; down-watcher: a watcher (Redis and the API server both unreachable). */
export type RedisScenario = 'down' | 'not-redis' | 'down-watcher';

export interface RedisInput {
  /** down: nothing listens on the port; not-redis: an HTTP server listens there. `start-*`: in-process start. */
  scenario: RedisScenario | 'start-password-missing';
  /**
   * What is judged: `log` the process's output (one line of it must match every `message` pattern, nothing in
   * it may be unclear, and at most `maxLines` lines in a 5 s window after it started); `readyz` its /readyz
   * answer; `sigterm` how it ends after SIGTERM (`exited with code N after M ms` or `still running …`); `exit`
   * the command's exit code and stderr.
   */
  check: 'log' | 'readyz' | 'sigterm' | 'exit';
}

export interface RedisExpect extends Expectation {
  /** At most this many lines of output in the 5 s window after the process started. */
  maxLines?: number;
}

export type RedisRow = BadInput<RedisInput, RedisExpect>;

const row = (
  id: string,
  title: string,
  input: RedisInput,
  expect: RedisExpect,
  finding?: string,
): RedisRow => ({
  id,
  category: 'redis',
  title,
  input,
  expect,
  ...(finding ? { finding } : {}),
});

export const REDIS_ROWS: RedisRow[] = [
  row(
    'redis-password-file-start',
    '`lostromos start` with a redis.passwordFile that does not exist: exit 2, the field, the path and the fix',
    { scenario: 'start-password-missing', check: 'exit' },
    {
      exit: 2,
      message: [
        /lostromos start: redis\.passwordFile: cannot read the password file .*missing-password \(no such file\)/,
        /mount the Secret there or fix the path/,
      ],
    },
  ),
  row(
    'redis-down-readyz',
    'Redis down: /readyz answers 503 and names redis',
    { scenario: 'down', check: 'readyz' },
    {
      message: [/^503 /, /"redis":\{"ok":false/],
    },
  ),
  row(
    'redis-down-log',
    'Redis down: one clear line naming the URL and the reason, not a stack trace per retry',
    { scenario: 'down', check: 'log' },
    { message: [/redis:\/\/127\.0\.0\.1:\d+/, /ECONNREFUSED|refused|unreachable/], maxLines: 3 },
  ),
  row(
    'redis-down-sigterm',
    'Redis down: SIGTERM stops the worker within its shutdown grace',
    { scenario: 'down', check: 'sigterm' },
    { message: [/exited with code 0 /] },
  ),
  row(
    'redis-down-watcher-sigterm',
    'Redis down, a watcher: SIGTERM ends the process once it has stopped',
    { scenario: 'down-watcher', check: 'sigterm' },
    { message: [/exited with code 0 /] },
  ),
  row(
    'redis-not-redis-readyz',
    'redis.url at a non-Redis port: /readyz answers 503 and names redis',
    { scenario: 'not-redis', check: 'readyz' },
    {
      message: [/^503 /, /"redis":\{"ok":false/],
    },
  ),
  row(
    'redis-not-redis-log',
    'redis.url at a non-Redis port: one clear error saying it is not Redis, not a loop of "Unknown RESP type"',
    { scenario: 'not-redis', check: 'log' },
    {
      message: [/redis:\/\/127\.0\.0\.1:\d+/, /not (a )?Redis|does not speak the Redis protocol/],
      maxLines: 3,
    },
  ),
  row(
    'redis-not-redis-sigterm',
    'redis.url at a non-Redis port: SIGTERM stops the worker within its shutdown grace',
    { scenario: 'not-redis', check: 'sigterm' },
    { message: [/exited with code 0 /] },
  ),
];
