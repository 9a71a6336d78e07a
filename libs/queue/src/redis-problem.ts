/**
 * Why a Redis connection does not work, in terms of what to fix: nothing answers at the address
 * (`unreachable`), or something answers that does not speak the Redis protocol (`not-redis`: a web server, a
 * database on the wrong port). Other errors (a script error, a wrong password) are not connection problems.
 */
export interface RedisProblem {
  kind: 'unreachable' | 'not-redis';
  /** The cause in a few words, e.g. "ECONNREFUSED: nothing listens there". */
  reason: string;
}

/** Socket error codes that mean "cannot reach the server", with what they mean. */
const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'nothing listens there',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name cannot be resolved now',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'the network is unreachable',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed by the other side',
};

const CLOSED_REASON = 'the connection is closed';

/** ioredis' own words for a connection that is down or being re-established. */
const CLOSED =
  /^(Connection is closed\.?|Stream isn't writeable.*|Reached the max retries per request limit.*)$/;

/** ioredis' parser meeting bytes that are not RESP: "Unknown RESP type 72 "H". Please report this." */
const NOT_RESP = /Unknown RESP type \d+ "(.)"|Protocol error/;

/** The connection problem `err` stands for, or undefined when it is not one. */
export function redisProblemOf(err: unknown): RedisProblem | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && UNREACHABLE[code] !== undefined)
    return { kind: 'unreachable', reason: `${code}: ${UNREACHABLE[code]}` };
  const notResp = NOT_RESP.exec(err.message);
  if (notResp) {
    const first = notResp[1];
    const reason =
      first === undefined
        ? 'its reply is not the Redis protocol'
        : `its reply starts with ${JSON.stringify(first)}${first === 'H' ? ' like an HTTP server’s' : ''}, not the Redis protocol`;
    return { kind: 'not-redis', reason };
  }
  if (CLOSED.test(err.message)) return { kind: 'unreachable', reason: CLOSED_REASON };
  return undefined;
}

/**
 * The one line a user reads about a connection problem: what (Redis at `target`), why, and what to do.
 * `field` is the setting that says where Redis is (redis.url, or redis.sentinels in Sentinel mode).
 */
export function describeRedisProblem(target: string, field: string, p: RedisProblem): string {
  if (p.kind === 'not-redis')
    return `${target} is not a Redis server (${p.reason}): check the host and port in ${field}; retrying with backoff, not ready meanwhile`;
  return `Redis at ${target} is unreachable (${p.reason}): start Redis there or fix ${field}; retrying, not ready meanwhile`;
}

export interface RedisProblemLogOptions {
  /** Where Redis is, without credentials (describeRedis). */
  target: string;
  /** The setting to fix: redis.url or redis.sentinels. */
  field: string;
  logger: {
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
    info(obj: object, msg: string): void;
  };
  /** While the problem lasts, at most one line per this many ms (default 30 s). */
  repeatMs?: number;
  now?: () => number;
}

/**
 * Turns the stream of connection errors of a process's Redis connections (each retry of each connection,
 * BullMQ's re-emitted ones) into what a user should read: one clear line when a problem starts or changes,
 * at most one line per `repeatMs` while it lasts, and one line when Redis answers again. Errors that are not
 * connection problems are left to the caller (`report` returns false).
 */
export class RedisProblemLog {
  private current: { problem: RedisProblem; since: number; loggedAt: number } | undefined;
  private readonly repeatMs: number;
  private readonly now: () => number;

  constructor(private readonly o: RedisProblemLogOptions) {
    this.repeatMs = o.repeatMs ?? 30_000;
    this.now = o.now ?? Date.now;
  }

  /** The problem being reported now (undefined while Redis answers). */
  get problem(): RedisProblem | undefined {
    return this.current?.problem;
  }

  /** Logs `err` if it is a connection problem and a line is due; true when it was one (logged or not). */
  report(err: unknown): boolean {
    const problem = redisProblemOf(err);
    if (!problem) return false;
    const now = this.now();
    const cur = this.current;
    const same = cur?.problem.kind === problem.kind && cur.problem.reason === problem.reason;
    if (cur && same && now - cur.loggedAt < this.repeatMs) return true;
    // "the connection is closed" follows every refused or garbled attempt: it never replaces a precise cause,
    // and alone (a connection closed on purpose, at shutdown) it is no outage: the caller logs it as before.
    if (problem.reason === CLOSED_REASON) return cur !== undefined;
    const since = cur?.since ?? now;
    this.current = { problem, since, loggedAt: now };
    const line = describeRedisProblem(this.o.target, this.o.field, problem);
    const fields = { redis: this.o.target, reason: problem.reason };
    if (cur && same)
      this.o.logger.warn({ ...fields, downForSeconds: Math.round((now - since) / 1000) }, `still: ${line}`);
    else if (problem.kind === 'not-redis') this.o.logger.error(fields, line);
    else this.o.logger.warn(fields, line);
    return true;
  }

  /** A connection is ready: says so once if a problem had been reported. */
  recovered(): void {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    this.o.logger.info(
      { redis: this.o.target, downForSeconds: Math.round((this.now() - cur.since) / 1000) },
      `Redis at ${this.o.target} answers again`,
    );
  }
}
