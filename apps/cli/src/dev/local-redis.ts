import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { LostromosError } from '@lostromos/model';

/** The Redis `lostromos dev` uses: one it started (and stops), or the one REDIS_URL points at. */
export interface DevRedis {
  url: string;
  /** True when it came from REDIS_URL: dev neither started it nor stops it. */
  external: boolean;
  /** The redis-server child, when dev started one. */
  proc?: ChildProcess;
  stop(): Promise<void>;
}

export interface StartDevRedisOptions {
  /** REDIS_URL from the environment, if any. */
  redisUrl?: string;
  /** Port for a redis-server started here; pick a free one. */
  port: number;
  /** The executable (default `redis-server` from PATH). */
  binary?: string;
  /** How long to wait for PING (default 10 s). */
  timeoutMs?: number;
  spawnFn?: typeof spawn;
}

export const REDIS_INSTALL_HINT = [
  'lostromos dev needs Redis: install redis-server, or point REDIS_URL at a Redis you already run.',
  '  Debian/Ubuntu:  sudo apt-get install redis-server',
  '  Fedora/RHEL:    sudo dnf install redis',
  '  macOS:          brew install redis',
  '  Docker:         docker run -d -p 6379:6379 redis:7 && export REDIS_URL=redis://127.0.0.1:6379',
  'then run `npm run dev` again.',
].join('\n');

/** A redis-server could not be found or started. */
export class DevRedisError extends LostromosError {
  override readonly name = 'DevRedisError';
  readonly code = 'LZ_DEV_REDIS';
  readonly retryable = false;
}

/** Resolves true once `PING` on 127.0.0.1:port answers `+PONG`. */
export async function pingRedis(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, host);
    sock.setTimeout(500);
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => {
      sock.destroy();
      resolve(d.toString().startsWith('+PONG') || d.toString().startsWith('-NOAUTH'));
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

/**
 * Uses REDIS_URL when set; otherwise starts a private, throw-away redis-server (no persistence,
 * `maxmemory-policy noeviction` as BullMQ requires) bound to 127.0.0.1 on `port`.
 */
export async function startDevRedis(opts: StartDevRedisOptions): Promise<DevRedis> {
  if (opts.redisUrl) {
    return { url: opts.redisUrl, external: true, stop: () => Promise.resolve() };
  }
  const spawnFn = opts.spawnFn ?? spawn;
  const binary = opts.binary ?? 'redis-server';
  const args = ['--port', String(opts.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  args.push('--maxmemory-policy', 'noeviction');
  const proc = spawnFn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  proc.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let failure: Error | undefined;
  proc.once('error', (err: NodeJS.ErrnoException) => {
    failure =
      err.code === 'ENOENT'
        ? new DevRedisError(
            `${binary} was not found on PATH and REDIS_URL is not set.\n${REDIS_INSTALL_HINT}`,
          )
        : new DevRedisError(`cannot start ${binary}: ${err.message}`, { cause: err });
  });
  proc.once('exit', (code, signal) => {
    failure ??= new DevRedisError(
      `${binary} exited (${signal ?? `code ${code}`}) before answering PING on port ${opts.port}:\n${output.trim()}`,
    );
  });

  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    if (failure) throw failure;
    if (await pingRedis(opts.port)) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new DevRedisError(`${binary} did not answer PING on port ${opts.port} within the timeout`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
  };
  return { url: `redis://127.0.0.1:${opts.port}`, external: false, proc, stop };
}
