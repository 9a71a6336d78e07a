import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitFor } from './ports.js';

/**
 * A real Redis Sentinel deployment on loopback: one master, replicas (`redis-server --replicaof`) and
 * Sentinels (`redis-sentinel`, each with its own config file, which it rewrites), on free ports, in a temp
 * dir. Every process is a child of this test process and is SIGKILLed by `stop()` (also on process exit).
 */
export interface SentinelCluster {
  dir: string;
  masterName: string;
  sentinels: Array<{ host: string; port: number }>;
  /** Ports of every data node started (master first). */
  nodePorts: number[];
  /** The master as the Sentinels report it now (majority answer), or undefined while they disagree. */
  master(): Promise<number | undefined>;
  /** SIGKILL the data node on `port` (no shutdown, no save): `kill -9`. */
  kill(port: number): Promise<void>;
  /**
   * Resolves with the new master's port once a majority of the Sentinels reports one other than `oldPort` and
   * that node says it is a master (clients asking the first Sentinel that answers may get there earlier).
   */
  waitForFailover(oldPort: number, timeoutMs?: number): Promise<number>;
  /** `INFO replication` of a node, parsed. */
  replication(port: number): Promise<Record<string, string>>;
  /** The last lines of every log file (for a failure message). */
  logs(lines?: number): string;
  stop(): Promise<void>;
}

export interface SentinelClusterOptions {
  replicas?: number;
  sentinels?: number;
  quorum?: number;
  masterName?: string;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
}

/**
 * Runs `cmd args…` under a small sh guard holding a pipe from this process: when the pipe closes — `end()`
 * below, or this process exiting in any way, even SIGKILLed by the test runner — the guard SIGKILLs the
 * server and reaps it. So no redis-server or redis-sentinel outlives the test, whatever happens to it.
 */
const GUARD = '"$0" "$@" </dev/null & pid=$!; cat >/dev/null; kill -9 $pid 2>/dev/null; wait $pid';

interface Guarded {
  proc: ChildProcess;
  /** SIGKILL the server (close the guard's pipe) and wait until the guard has reaped it. */
  kill(): Promise<void>;
}

function spawnGuarded(cmd: string, args: readonly string[], cwd: string): Guarded {
  const proc = spawn('sh', ['-c', GUARD, cmd, ...args], { stdio: ['pipe', 'ignore', 'ignore'], cwd });
  proc.once('error', () => undefined); // no sh: the ping that follows times out with a message
  proc.stdin?.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.stdin?.end();
      await exited;
    },
  };
}

async function ask<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: true,
    connectTimeout: 1000,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export async function startSentinelCluster(opts: SentinelClusterOptions = {}): Promise<SentinelCluster> {
  const masterName = opts.masterName ?? 'mymaster';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lostromos-sentinel-'));
  const procs = new Map<number, Guarded>();
  const logFiles: string[] = [];
  let stopped = false;

  const spawnLogged = (cmd: string, args: string[], port: number): void => {
    procs.set(port, spawnGuarded(cmd, args, dir));
  };

  const startNode = async (port: number, replicaOf?: number): Promise<void> => {
    const log = path.join(dir, `redis-${port}.log`);
    logFiles.push(log);
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--dbfilename',
      `dump-${port}.rdb`,
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
      '--logfile',
      log,
      ...(replicaOf ? ['--replicaof', '127.0.0.1', String(replicaOf)] : []),
    ];
    spawnLogged('redis-server', args, port);
    await waitFor(() => ask(port, (r) => r.ping()).then((p) => p === 'PONG'), {
      timeoutMs: 10_000,
      what: `redis-server on ${port} (is redis-server installed?)`,
    });
  };

  const replication = (port: number): Promise<Record<string, string>> =>
    ask(port, async (r) => parseInfo(String(await r.info('replication'))));

  const sentinelPorts: number[] = [];
  const nodePorts: number[] = [];
  const stop = async (): Promise<void> => {
    stopped = true;
    await Promise.all([...procs.values()].map((p) => p.kill()));
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const masterPort = await freePort();
    nodePorts.push(masterPort);
    await startNode(masterPort);
    for (let i = 0; i < (opts.replicas ?? 1); i++) {
      const port = await freePort();
      nodePorts.push(port);
      await startNode(port, masterPort);
    }
    await waitFor(
      async () => {
        const info = await replication(masterPort);
        const online = Object.entries(info).filter(
          ([k, v]) => /^slave\d+$/.test(k) && v.includes('state=online'),
        ).length;
        return online === nodePorts.length - 1;
      },
      { timeoutMs: 15_000, what: 'replicas in sync with the master' },
    );

    const quorum = opts.quorum ?? 2;
    for (let i = 0; i < (opts.sentinels ?? 3); i++) {
      const port = await freePort();
      sentinelPorts.push(port);
      const conf = path.join(dir, `sentinel-${port}.conf`);
      const log = path.join(dir, `sentinel-${port}.log`);
      logFiles.push(log);
      fs.writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'daemonize no',
          `dir ${dir}`,
          `logfile ${log}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} ${quorum}`,
          `sentinel down-after-milliseconds ${masterName} ${opts.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${masterName} ${opts.failoverTimeoutMs ?? 3000}`,
          `sentinel parallel-syncs ${masterName} 1`,
          '',
        ].join('\n'),
      );
      spawnLogged('redis-sentinel', [conf], port);
      await waitFor(() => ask(port, (r) => r.ping()).then((p) => p === 'PONG'), {
        timeoutMs: 10_000,
        what: `redis-sentinel on ${port} (is redis-sentinel installed?)`,
      });
    }
    // Ready for a failover once every Sentinel knows the replicas and the other Sentinels (hello messages
    // every 2 s through the master).
    await waitFor(
      async () => {
        for (const port of sentinelPorts) {
          const m = await ask(port, async (r) => {
            const flat = (await r.call('SENTINEL', 'MASTER', masterName)) as string[];
            const o: Record<string, string> = {};
            for (let i = 0; i + 1 < flat.length; i += 2) o[flat[i]!] = flat[i + 1]!;
            return o;
          });
          if (Number(m['num-slaves']) !== nodePorts.length - 1) return false;
          if (Number(m['num-other-sentinels']) !== sentinelPorts.length - 1) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'Sentinels to discover the replicas and each other' },
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const masterSeenBy = async (port: number): Promise<number | undefined> => {
    try {
      const a = await ask(
        port,
        (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName) as Promise<string[] | null>,
      );
      return a ? Number(a[1]) : undefined;
    } catch {
      return undefined;
    }
  };
  const master = async (): Promise<number | undefined> => {
    const seen = await Promise.all(sentinelPorts.map(masterSeenBy));
    const counts = new Map<number, number>();
    for (const p of seen) if (p !== undefined) counts.set(p, (counts.get(p) ?? 0) + 1);
    for (const [p, n] of counts) if (n > sentinelPorts.length / 2) return p;
    return undefined;
  };

  return {
    dir,
    masterName,
    sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
    nodePorts,
    master,
    replication,
    async kill(port) {
      await procs.get(port)?.kill();
    },
    async waitForFailover(oldPort, timeoutMs = 30_000) {
      return waitFor(
        async () => {
          const p = await master();
          if (p === undefined || p === oldPort) return undefined;
          // Promoted, not merely chosen: the node itself says it is a master.
          return (await replication(p)).role === 'master' ? p : undefined;
        },
        { timeoutMs, intervalMs: 50, what: `the Sentinels to promote a replica of ${masterName}` },
      );
    },
    logs(lines = 30) {
      return logFiles
        .map((f) => {
          const text = fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trimEnd().split('\n') : [];
          return `--- ${path.basename(f)}\n${text.slice(-lines).join('\n')}`;
        })
        .join('\n');
    },
    async stop() {
      if (!stopped) await stop();
    },
  };
}
