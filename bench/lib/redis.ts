// A private redis-server per Lostrómos run (its CPU and memory are part of Lostrómos' cost) and a minimal
// RESP client for INFO and a few reads: the bench process stays free of a Redis library's own timers.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort } from '../../test/control-plane/control-plane.ts';

export interface BenchRedis {
  url: string;
  port: number;
  pid: number;
  command(...args: string[]): Promise<unknown>;
  /** INFO commandstats: calls per command. */
  commandCalls(): Promise<Map<string, number>>;
  /** total_net_input_bytes + total_net_output_bytes */
  netBytes(): Promise<number>;
  stop(): Promise<void>;
}

/** Parses one RESP reply from `buf`; returns [value, bytes used] or undefined when incomplete. */
function parse(buf: Buffer, at = 0): [unknown, number] | undefined {
  const nl = buf.indexOf('\r\n', at);
  if (nl < 0) return undefined;
  const type = String.fromCharCode(buf[at]!);
  const line = buf.toString('utf8', at + 1, nl);
  const next = nl + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [new Error(line), next];
    case ':':
      return [Number(line), next];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return undefined;
      return [buf.toString('utf8', next, next + n), next + n + 2];
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return [null, next];
      const out: unknown[] = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const r = parse(buf, pos);
        if (!r) return undefined;
        out.push(r[0]);
        pos = r[1];
      }
      return [out, pos];
    }
    default:
      throw new Error(`RESP: unexpected type ${type}`);
  }
}

export function respClient(port: number): {
  command(...args: string[]): Promise<unknown>;
  close(): void;
} {
  const sock = net.connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  let buf: Buffer = Buffer.alloc(0);
  const waiting: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  sock.on('data', (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    for (;;) {
      const r = parse(buf);
      if (!r) return;
      buf = buf.subarray(r[1]);
      const w = waiting.shift();
      if (r[0] instanceof Error) w?.reject(r[0]);
      else w?.resolve(r[0]);
    }
  });
  sock.on('error', (err) => {
    for (const w of waiting.splice(0)) w.reject(err);
  });
  return {
    command: (...args) =>
      new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        sock.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
      }),
    close: () => sock.destroy(),
  };
}

export async function startBenchRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const proc: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  let spawnError: Error | undefined;
  proc.once('error', (e) => (spawnError = e));
  const deadline = Date.now() + 10_000;
  let client: ReturnType<typeof respClient> | undefined;
  for (;;) {
    if (spawnError) throw new Error(`cannot start redis-server (is it installed?): ${spawnError.message}`);
    const c = respClient(port);
    const ok = await Promise.race([
      c.command('PING').then(
        (v) => v === 'PONG',
        () => false,
      ),
      new Promise<boolean>((r) => setTimeout(() => r(false), 300)),
    ]);
    if (ok) {
      client = c;
      break;
    }
    c.close();
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const info = async (section: string): Promise<string> => String(await client.command('INFO', section));
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: proc.pid ?? 0,
    command: (...args) => client.command(...args),
    commandCalls: async () => {
      const out = new Map<string, number>();
      for (const m of (await info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
        out.set(m[1]!, Number(m[2]));
      return out;
    },
    netBytes: async () => {
      const text = await info('stats');
      const get = (k: string): number => Number(new RegExp(`^${k}:(\\d+)`, 'm').exec(text)?.[1] ?? 0);
      return get('total_net_input_bytes') + get('total_net_output_bytes');
    },
    stop: async () => {
      client.close();
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Sum of calls across commands, minus the bench's own INFO calls. */
export function commandDelta(before: Map<string, number>, after: Map<string, number>): number {
  let n = 0;
  for (const [k, v] of after) if (k !== 'info') n += v - (before.get(k) ?? 0);
  return n;
}
