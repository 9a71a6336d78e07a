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
   * What is judged: `log` the process's output in a 5 s window after it started; `readyz` its /readyz answer;
   * `sigterm` how it ends after SIGTERM (`exited with code N after M ms` or `still running …`); `exit` the
   * command's exit code and stderr.
   */
  check: 'log' | 'readyz' | 'sigterm' | 'exit';
}

export interface RedisExpect extends Expectation {
  /** At most this many lines of output in the window. */
  maxLines?: number;
}

export type RedisRow = BadInput<RedisInput, RedisExpect>;

const WORKER_LOG =
  'apps/worker/src/worker-app.ts (worker.worker.on("error") logs "queue worker error" with the full Error for every ' +
  'failed (re)connect of every BullMQ connection) with libs/queue/src/redis-connection.ts';

const SHUTDOWN =
  'apps/worker/src/worker-app.ts stop() / apps/cli/src/commands/start.ts cleanup(): after SIGTERM the process logs ' +
  '"shutting down" and then waits for BullMQ Worker.close(), which never resolves while Redis is unreachable (seen ' +
  'running 12 minutes after SIGTERM; only a second signal ends it, with exit 130). Bound stop() by ' +
  'worker.shutdownGraceSeconds, then force-close the connections (worker.close(true), redis.disconnect())';

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
    `${WORKER_LOG}: error lines with a stack trace, several a second at first and about one a second later (17 in the first 5 s, 725 in 12 minutes); log the first failure once at warn with the URL and the reason, then only state changes (the readiness check already reports it)`,
  ),
  row(
    'redis-down-sigterm',
    'Redis down: SIGTERM stops the worker within its shutdown grace',
    { scenario: 'down', check: 'sigterm' },
    { message: [/exited with code 0 /] },
    SHUTDOWN,
  ),
  row(
    'redis-down-watcher-sigterm',
    'Redis down, a watcher: SIGTERM ends the process once it has stopped',
    { scenario: 'down-watcher', check: 'sigterm' },
    { message: [/exited with code 0 /] },
    'apps/cli/src/commands/start.ts / apps/cli/src/main.ts: the watcher logs "shutting down" and "stopped", and then the ' +
      'process never exits (seen 40 minutes after SIGTERM): a handle stays open after stop() (a Redis connection or ' +
      'timer of the producer, presence or template-revisions subscriber). Close it, or end the process once runCli resolves',
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
    `${WORKER_LOG}: ioredis' "Unknown RESP type 72 \\"H\\". Please report this." is logged with a stack about 50 times a second (696 lines in 13 s); recognise the protocol error in createRedisConnection, say "redis.url <url> answers, but not as Redis (it sent \\"HTTP…\\"): check the host and port", back off, and log it once`,
  ),
  row(
    'redis-not-redis-sigterm',
    'redis.url at a non-Redis port: SIGTERM stops the worker within its shutdown grace',
    { scenario: 'not-redis', check: 'sigterm' },
    { message: [/exited with code 0 /] },
    SHUTDOWN,
  ),
];
