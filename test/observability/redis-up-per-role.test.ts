import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseMetricsText } from '../support/metrics-text.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  spawnLostromos,
  startRedis,
  waitFor,
  type LostromosProcess,
  type TestRedis,
} from '../support/index.js';
import { startSubstrate, type Substrate } from '../support/substrate.ts';

// `lostromos_redis_up` must be true on every process that exports it: each role started as a real process
// (`lostromos start --role …`) against a real redis-server reports 1 while Redis is up, 0 once it is killed,
// and 1 again after it is back. The dashboard role used to report 0 forever (LostromosRedisDown never cleared).

const ROOT = path.resolve(import.meta.dirname, '../..');
const ROLES = ['dashboard', 'worker', 'watcher', 'all'] as const;
type Role = (typeof ROLES)[number];

let dir: string;
let redis: TestRedis;
let sim: Substrate;
const procs = new Map<Role, LostromosProcess & { port: number }>();

const get = (role: Role, route: string): Promise<Response> =>
  fetch(`http://127.0.0.1:${procs.get(role)!.port}${route}`);
/** The role's readiness checks about Redis: true when all are ok (a role's other checks — e.g. a CRD this
 * test never installs — are not this test's business). */
async function redisReady(role: Role): Promise<boolean> {
  const body = (await (await get(role, '/readyz')).json()) as {
    checks: Record<string, { ok?: boolean; detail?: string }>;
  };
  const redisChecks = Object.entries(body.checks).filter(([name]) => /redis/i.test(name));
  if (redisChecks.length === 0)
    throw new Error(`--role ${role} has no Redis readiness check: ${JSON.stringify(body)}`);
  return redisChecks.every(([, c]) => c.ok === true);
}

async function redisUp(role: Role): Promise<number | undefined> {
  const p = procs.get(role)!;
  const res = await fetch(`http://127.0.0.1:${p.port}/metrics`);
  return parseMetricsText(await res.text()).get('lostromos_redis_up');
}

async function expectRedisUp(value: 0 | 1, what: string): Promise<void> {
  for (const role of ROLES) {
    await waitFor(async () => (await redisUp(role)) === value, {
      timeoutMs: 15_000,
      what: `lostromos_redis_up ${value} on --role ${role} ${what}`,
    });
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lostromos-redis-up-'));
  redis = await startRedis();
  sim = await startSubstrate();
  const kubeconfig = path.join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig);
  const configFile = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    configFile,
    `redis: { url: ${redis.url}, prefix: rup }
kubernetes: { kubeconfig: ${kubeconfig} }
leaderElection: { namespace: default, leaseName: rup-watcher, leaseDurationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 1 }
dashboard: { address: 127.0.0.1:0, auth: { mode: none } }
log: { level: warn }
resources:
  - name: characters
    group: stable.nicolerenee.io
    version: v1
    plural: characters
    templates: ${path.join(ROOT, 'templates', 'characters')}
`,
  );
  await Promise.all(
    ROLES.map(async (role) => {
      const port = await freePort();
      const p = spawnLostromos([
        'start',
        '--config',
        configFile,
        '--role',
        role,
        '--server-address',
        `127.0.0.1:${port}`,
      ]);
      procs.set(role, { ...p, port });
      await waitFor(
        async () => {
          if (p.proc.exitCode !== null)
            throw new Error(`--role ${role} exited ${p.proc.exitCode}: ${p.output().slice(-2000)}`);
          return (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok;
        },
        { timeoutMs: 20_000, what: `--role ${role} /healthz` },
      );
    }),
  );
});

afterAll(async () => {
  await Promise.all([...procs.values()].map((p) => p.stop(8000)));
  await redis?.stop();
  await sim?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('lostromos_redis_up and readiness on every role', () => {
  it('is 1 and ready with Redis up, 0 and not ready (but live) after Redis is killed, 1 and ready again once it is back', async () => {
    await expectRedisUp(1, 'with Redis up');
    const status = (await (
      await fetch(`http://127.0.0.1:${procs.get('dashboard')!.port}/status`)
    ).json()) as {
      redis?: string;
    };
    expect(status.redis).toBe('ready');

    for (const role of ROLES)
      await waitFor(() => redisReady(role), { timeoutMs: 15_000, what: `--role ${role} Redis check ok` });

    await redis.kill();
    await expectRedisUp(0, 'after Redis was killed');
    // Readiness follows Redis on every role, liveness does not: /readyz 503 naming the Redis check,
    // /healthz 200, /status ready false.
    for (const role of ROLES) {
      await waitFor(async () => !(await redisReady(role)), {
        timeoutMs: 15_000,
        what: `--role ${role} Redis check failing after Redis was killed`,
      });
      expect((await get(role, '/readyz')).status, `${role} /readyz`).toBe(503);
      const body = (await (await get(role, '/readyz')).json()) as {
        checks: Record<string, { ok?: boolean; detail?: string }>;
      };
      const failing = Object.entries(body.checks).filter(([, c]) => c.ok === false);
      expect(
        failing.some(([name, c]) => /redis/i.test(name) && Boolean(c.detail)),
        `${role}: ${JSON.stringify(body)}`,
      ).toBe(true);
      expect((await get(role, '/healthz')).status, `${role} /healthz`).toBe(200);
      expect(await (await get(role, '/status')).json(), `${role} /status`).toMatchObject({ ready: false });
    }

    await redis.start();
    await expectRedisUp(1, 'after Redis came back');
    for (const role of ROLES)
      await waitFor(() => redisReady(role), {
        timeoutMs: 20_000,
        what: `--role ${role} Redis check ok again after Redis came back`,
      });
  });
});
