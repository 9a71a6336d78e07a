import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort, waitFor } from './ports.js';

/** A private redis-server on a free loopback port, so tests are isolated and can kill/restart it. */
export interface TestRedis {
  port: number;
  url: string;
  /** SIGKILL the server (simulates a crash); `start()` brings it back on the same port, empty. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setTimeout(500);
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => {
      sock.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

export async function startRedis(opts: { port?: number } = {}): Promise<TestRedis> {
  const port = opts.port ?? (await freePort());
  let proc: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    const child = proc;
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    await waitFor(
      async () => {
        if (spawnError)
          throw new Error(`cannot start redis-server (is it installed?): ${spawnError.message}`);
        return ping(port);
      },
      { timeoutMs: 10_000, what: `redis-server on port ${port}` },
    );
  };
  const kill = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };

  await start();
  return { port, url: `redis://127.0.0.1:${port}`, kill, start, stop: kill };
}
