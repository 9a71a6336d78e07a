// Redis rows. A scenario (Redis down, or a non-Redis port) is one `lostromos start --role worker` (or watcher)
// process of the built binary, started once and observed by several rows: its output (the clear line may come
// before "lostromos started": the first connection attempt fails at once) and how many lines it writes in a 5 s
// window after it started, /readyz, and how it ends after SIGTERM. The process is always killed in the end
// (SIGKILL after 12 s), whatever it does.
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnLostromos, waitFor } from '../support/index.js';
import { REDIS_ROWS, type RedisRow, type RedisScenario } from './cases/redis.ts';
import { assertUniqueIds, cleanEnv, expectClear, removeTmpDirs, split, tmpDir, writeTree } from './corpus.ts';
import { CLI_WORKSPACE, kubeconfig } from './fixtures/files.ts';
import { runInProcess } from './run-in-process.ts';

const WINDOW_MS = 5000;
/** A clean stop takes the shutdown grace plus a moment; far longer means it hangs. */
const SIGTERM_WAIT_MS = 12_000;
/** --shutdown-grace: the worker should be gone this long after SIGTERM (plus process exit). */
const GRACE_SECONDS = 2;

let dir: string;
let notRedis: net.Server;
const servers = new Set<net.Socket>();

beforeAll(async () => {
  dir = writeTree(tmpDir('redis'), {
    ...CLI_WORKSPACE,
    kubeconfig: kubeconfig('https://127.0.0.1:1'),
  });
  // Answers anything with an HTTP response, as a web server on the wrong port would.
  notRedis = net.createServer((s) => {
    servers.add(s);
    s.on('close', () => servers.delete(s));
    s.on('error', () => undefined);
    s.on('data', () => s.write('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n'));
  });
  await new Promise<void>((resolve) => notRedis.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  removeTmpDirs();
  for (const s of servers) s.destroy();
  await new Promise((resolve) => notRedis?.close(resolve));
});

interface Observation {
  /** Everything the process wrote from its start to the end of the window. */
  log: string;
  /** What it wrote in the window (WINDOW_MS after "lostromos started"). */
  window: string;
  readyz: string;
  sigterm: string;
}

const scenarios = new Map<RedisScenario, Promise<Observation>>();

/** Starts the scenario's worker once; every row of the scenario reads the same observation. */
function observe(scenario: RedisScenario): Promise<Observation> {
  let p = scenarios.get(scenario);
  if (!p) {
    p = runScenario(scenario);
    scenarios.set(scenario, p);
  }
  return p;
}

async function runScenario(scenario: RedisScenario): Promise<Observation> {
  const redisPort =
    scenario === 'not-redis' ? (notRedis.address() as net.AddressInfo).port : await freePort();
  const port = await freePort();
  const proc = spawnLostromos(
    [
      'start',
      '--config',
      path.join(dir, 'c.yaml'),
      '--kubeconfig',
      path.join(dir, 'kubeconfig'),
      '--role',
      scenario === 'down-watcher' ? 'watcher' : 'worker',
      '--redis',
      `redis://127.0.0.1:${redisPort}`,
      '--server-address',
      `127.0.0.1:${port}`,
      '--shutdown-grace',
      String(GRACE_SECONDS),
      '--log-level',
      'info',
    ],
    { cwd: dir, env: cleanEnv() },
  );
  try {
    await waitFor(
      () => {
        if (proc.proc.exitCode !== null) throw new Error(`exited ${proc.proc.exitCode}: ${proc.output()}`);
        return proc.output().includes('"lostromos started"');
      },
      { timeoutMs: 90_000, what: `the ${scenario} process to start` },
    );
    const from = proc.output().length;
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const log = proc.output();
    const window = log.slice(from);
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    const readyz = `${res.status} ${await res.text()}`;
    const t0 = Date.now();
    proc.proc.kill('SIGTERM');
    const code = await Promise.race([
      proc.exited,
      new Promise<'running'>((r) => setTimeout(() => r('running'), SIGTERM_WAIT_MS)),
    ]);
    const sigterm =
      code === 'running'
        ? `still running ${SIGTERM_WAIT_MS} ms after SIGTERM (killed)`
        : `exited with code ${code} after ${Date.now() - t0} ms`;
    return { log, window, readyz, sigterm };
  } finally {
    await proc.kill();
  }
}

async function run(row: RedisRow): Promise<void> {
  if (row.input.scenario === 'start-password-missing') {
    const r = await runInProcess(
      [
        'start',
        '--config',
        'c.yaml',
        '--kubeconfig',
        'kubeconfig',
        '--role',
        'worker',
        '--redis-password-file',
        'missing-password',
        '--server-address',
        '127.0.0.1:0',
      ],
      { cwd: dir },
    );
    expect(r.code, `${row.id}: exit code; stderr:\n${r.stderr}`).toBe(row.expect.exit);
    expectClear(r.stderr, row.expect, row.id);
    return;
  }
  const o = await observe(row.input.scenario);
  if (row.input.check !== 'log') {
    expectClear(o[row.input.check as keyof Observation], row.expect, row.id);
    return;
  }
  // One line says it all (what, where, why, what to do): not the URL in one line and the reason in another.
  const lines = o.log.split('\n').filter((l) => l.trim() !== '');
  const clear = lines.find((l) => row.expect.message.every((re) => re.test(l)));
  expectClear(clear ?? o.log, row.expect, row.id);
  // Nothing unclear anywhere in the output (a stack, ioredis' "Unknown RESP type").
  expectClear(o.log, { message: [] }, row.id);
  if (row.expect.maxLines !== undefined) {
    const inWindow = o.window.split('\n').filter((l) => l.trim() !== '');
    expect(
      inWindow.length,
      `${row.id}: lines in ${WINDOW_MS} ms:\n${o.window.slice(0, 3000)}`,
    ).toBeLessThanOrEqual(row.expect.maxLines);
  }
}

const { meets, open } = split(REDIS_ROWS);

describe('bad-input corpus: Redis', () => {
  it('has unique row ids', () => assertUniqueIds(REDIS_ROWS));
  it.concurrent.each(meets)('$id: $title', (row) => run(row), 150_000);
  it.concurrent.fails.each(open)('$id (open finding): $title', (row) => run(row), 150_000);
});
