import os from 'node:os';
import { pino, stdSerializers, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import pinoPretty from 'pino-pretty';
import { redactSecrets, redactString } from './redact.js';

/** The logger every component receives (pino). Components derive children with their own context. */
export type Logger = PinoLogger;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * Stable keys of structured log lines; use these names so log queries keep working across components.
 * `resource` is the configured resource name (= queue name = metrics `controller` label).
 */
export const LOG_KEYS = {
  resource: 'resource',
  namespace: 'namespace',
  name: 'name',
  uid: 'uid',
  reconcileId: 'reconcileId',
  jobId: 'jobId',
  durationMs: 'durationMs',
  role: 'role',
  component: 'component',
  /** Holds an Error (written with type, message and stack); put plain text under `message` or `reason`. */
  err: 'err',
} as const;

export interface CreateLoggerOptions {
  /** trace | debug | info | warn | error | fatal | silent */
  level: string;
  /** `json` (default for machines) or `pretty` (pino-pretty, for humans). */
  format: LogFormat;
  /** Fields added to every line (e.g. `{ role: 'worker' }`). Secrets in them are redacted too. */
  base?: Record<string, unknown>;
  /** Where lines go; defaults to stdout. Tests pass a sink stream. */
  destination?: NodeJS.WritableStream;
}

/**
 * The `err` field of a line. Error messages and stacks can quote a connection URL; the std serializer keeps
 * cause chains (the serialized error has a custom prototype; its own fields are copied so they get walked).
 * `err` should hold an Error; anything else (a thrown string, a message passed by mistake) is written as
 * `{ message }` so the line stays readable instead of spreading a string into one key per character.
 */
function serializeErr(err: unknown): unknown {
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string')
    return redactSecrets({ ...stdSerializers.err(err as Error) });
  if (typeof err === 'string') return { message: redactString(err) };
  if (typeof err === 'number' || typeof err === 'boolean' || typeof err === 'bigint')
    return { message: String(err) };
  return redactSecrets(err); // a plain object is walked like any other field
}

function isLevel(level: string): level is LevelWithSilent {
  return (LOG_LEVELS as readonly string[]).includes(level);
}

/**
 * A pino logger with secrets redacted from every line: values under secret-looking keys (password, token,
 * authorization, …), credentials in URLs (redis://:pw@host), bearer/basic tokens in messages, and the data of
 * Kubernetes Secrets. JSON lines carry `level` as a label and `time` as ISO-8601.
 */
export function createLogger(opts: CreateLoggerOptions): Logger {
  if (!isLevel(opts.level)) {
    throw new Error(
      `invalid log level "${opts.level}": use one of ${LOG_LEVELS.join(', ')} (--log-level / config logging.level)`,
    );
  }
  if (!(LOG_FORMATS as readonly string[]).includes(opts.format)) {
    throw new Error(
      `invalid log format "${String(opts.format)}": use "json" or "pretty" (--log-format / config logging.format)`,
    );
  }
  const destination = opts.destination ?? process.stdout;
  const stream =
    opts.format === 'pretty'
      ? pinoPretty({ destination, colorize: false, sync: true, translateTime: 'SYS:standard' })
      : destination;
  const logger = pino(
    {
      level: opts.level,
      base: redactSecrets({ pid: process.pid, hostname: os.hostname(), ...opts.base }),
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => redactSecrets(bindings),
        log: (obj) => redactSecrets(obj),
      },
      serializers: {
        err: serializeErr,
      },
      hooks: {
        // Messages and printf-style arguments can carry a URL with credentials too.
        logMethod(args, method) {
          const cleaned = args.map((a: unknown) => (typeof a === 'string' ? redactString(a) : a));
          method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
    },
    stream as pino.DestinationStream,
  );
  // pino does not pass child bindings through formatters.bindings; redact them on the way in. Children inherit
  // this method through the prototype chain, so grandchildren are covered too.
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with the child's own `this` below
  const originalChild: Logger['child'] = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, options) {
    return originalChild.call(this, redactSecrets(bindings), options);
  } as Logger['child'];
  return logger;
}
