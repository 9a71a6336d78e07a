import fs from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { condition, FIXTURES, startHarness, type Harness, type RoleHandle } from '../controller/harness.js';
import { freePort, waitFor } from '../support/index.js';
import { startSentinelCluster, type SentinelCluster } from '../support/redis-sentinel.js';

// Redis high availability, proven with real processes on loopback: a master, one replica
// (`redis-server --replicaof`) and three `redis-sentinel`s (quorum 2, down-after 1 s, failover-timeout 3 s);
// the operator (a watcher, a worker, and an `all` process that adds a standby watcher, a worker and the
// dashboard) on the real API server, configured with redis.sentinels instead of a URL. While writers
// create and update Ship CRs, the master is killed with SIGKILL. Expected: every role reports not ready
// while no master answers and ready again once the Sentinels have promoted the replica; afterwards every CR
// converges (its ConfigMap holds the latest values, Ready=True for the latest generation) and no job is
// left in the queues.
//
// No synchronous child processes here: the API server is served through an in-process proxy.

const PREFIX = 'sentinel';
const SHIPS = 36;
const WRITERS = 4;

let cluster: SentinelCluster | undefined;
let h: Harness | undefined;
let configFile: string;
let dashboardPort: number;
/** Ends the test's background loops (readiness probes, CR writers) even when an assertion failed midway. */
const stopLoops: Array<() => void> = [];

interface Ship {
  captain: string;
  crew: number;
}
interface Probe {
  role: string;
  at: number;
  status: number;
  failing: string[];
  details: string[];
}

const shipPath = (name?: string): string =>
  `/apis/fleet.example.io/v1/namespaces/default/ships${name ? `/${name}` : ''}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (r: RoleHandle): boolean => r.proc.exitCode === null && r.proc.signalCode === null;

/** /readyz of a role: the HTTP status and the failing checks (name, and name: detail). */
async function readyz(port: number): Promise<{ status: number; failing: string[]; details: string[] }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { checks?: Record<string, { ok: boolean; detail?: string }> };
    const failing = Object.entries(body.checks ?? {}).filter(([, c]) => !c.ok);
    return {
      status: res.status,
      failing: failing.map(([k]) => k),
      details: failing.map(([k, c]) => `${k}: ${c.detail ?? ''}`),
    };
  } catch (err) {
    return { status: 0, failing: ['unreachable'], details: [String(err)] };
  }
}

beforeAll(async () => {
  try {
    cluster = await startSentinelCluster({
      replicas: 1,
      sentinels: 3,
      quorum: 2,
      downAfterMs: 1000,
      failoverTimeoutMs: 3000,
    });
    h = await startHarness({ prefix: PREFIX });
    await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
    await waitFor(() => h!.kubectl('get', 'ships').then(() => true), {
      timeoutMs: 20_000,
      what: 'the ships CRD',
    });
    // The harness config with its plain redis.url swapped for Sentinel mode, plus a dashboard for `all`.
    dashboardPort = await freePort();
    const sentinels = cluster.sentinels.map((s) => `"${s.host}:${s.port}"`).join(', ');
    const text = fs.readFileSync(h.configFile, 'utf8');
    expect(text).toMatch(/^redis: \{ url: .* \}$/m);
    configFile = path.join(h.dir, 'sentinel-config.yaml');
    fs.writeFileSync(
      configFile,
      `${text.replace(
        /^redis: \{ url: .* \}$/m,
        `redis: { sentinels: [${sentinels}], sentinelName: ${cluster.masterName}, prefix: ${PREFIX} }`,
      )}
dashboard: { address: 127.0.0.1:${dashboardPort}, auth: { mode: none } }
`,
    );
  } catch (err) {
    throw new Error(`setup failed: ${(err as Error).message}\n${cluster?.logs(20) ?? ''}`, { cause: err });
  }
}, 180_000);

afterAll(async () => {
  for (const stop of stopLoops) stop();
  // Every process goes, whatever happened: operator roles and the harness's API server and redis first,
  // then the Sentinel deployment (its stop() SIGKILLs each node and Sentinel and removes its dir).
  await h?.close().catch(() => undefined);
  await cluster?.stop();
}, 60_000);

describe('Redis Sentinel: kill -9 of the master mid-run', () => {
  it('follows the promoted replica; not ready during the gap, ready after; every CR converges, no job left', async () => {
    const c = cluster!;
    const harness = h!;
    const start = (role: 'watcher' | 'worker' | 'all') => harness.start(role, [], { configFile });
    const roles = [await start('watcher'), await start('worker'), await start('all')];
    const all = roles[2]!;
    for (const r of roles) {
      await waitFor(async () => (await readyz(r.port)).status === 200, {
        timeoutMs: 30_000,
        what: `${r.role} ready on Sentinel`,
      });
      const target = `sentinel master "mymaster" via ${c.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
      expect(r.logs().find((l) => l.msg === 'lostromos started')?.redis).toBe(target);
      const status = (await (await fetch(`http://127.0.0.1:${r.port}/status`)).json()) as Record<
        string,
        unknown
      >;
      expect(status).toMatchObject({ redis: 'ready', redisTarget: target });
    }
    const oldMaster = (await c.master())!;
    expect(oldMaster).toBe(c.nodePorts[0]);

    // Readiness of every role, every 50 ms, for the whole run.
    const probes: Probe[] = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        // Stamped when the answer arrived: an answer to a request sent just before the kill may reflect it.
        await Promise.all(
          roles.map(async (r, i) => {
            const res = await readyz(r.port);
            probes.push({ role: `${r.role}#${i}`, at: Date.now(), ...res });
          }),
        );
        await sleep(50);
      }
    })();

    // Writers: each owns every WRITERS-th ship (so the last value written per ship is unambiguous), creates
    // it, then keeps updating its ships until told to stop. `latest` holds what the API server accepted.
    const latest = new Map<string, Ship>();
    let writing = true;
    stopLoops.push(() => {
      probing = false;
      writing = false;
    });
    let ops = 0;
    let writeErrors = 0;
    let counter = 0;
    const writer = async (w: number): Promise<void> => {
      const mine = Array.from({ length: SHIPS }, (_, i) => `ship-${i}`).filter((_, i) => i % WRITERS === w);
      let created = 0;
      while (writing) {
        const n = ++counter;
        const spec: Ship = { captain: `captain-${n}`, crew: n };
        try {
          if (created < mine.length) {
            const name = mine[created]!;
            await harness.kube.rest.request({
              method: 'POST',
              path: shipPath(),
              body: { apiVersion: 'fleet.example.io/v1', kind: 'Ship', metadata: { name }, spec },
            });
            created++;
            latest.set(name, spec);
          } else {
            const name = mine[n % mine.length]!;
            await harness.kube.rest.request({
              method: 'PATCH',
              path: shipPath(name),
              body: { spec },
              contentType: 'application/merge-patch+json',
            });
            latest.set(name, spec);
          }
          ops++;
        } catch {
          writeErrors++;
        }
        await sleep(40);
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));

    // Let work flow, then kill the master in the middle of it.
    await waitFor(() => latest.size >= SHIPS / 2, { timeoutMs: 30_000, what: 'half the ships written' });
    await sleep(1000);
    const opsBeforeKill = ops;
    const killedAt = Date.now();
    await c.kill(oldMaster);
    const newMaster = await c.waitForFailover(oldMaster, 30_000);
    const promotedAt = Date.now();
    expect(newMaster).toBe(c.nodePorts[1]);

    // Every role ready again (on the new master), then write a little longer and stop.
    await waitFor(
      async () => (await Promise.all(roles.map((r) => readyz(r.port)))).every((r) => r.status === 200),
      { timeoutMs: 30_000, intervalMs: 50, what: 'every role ready after the failover' },
    ).catch(async (err: Error) => {
      const states = await Promise.all(roles.map((r) => readyz(r.port)));
      const detail = roles
        .map(
          (r, i) =>
            `${r.role}#${i}: ${states[i]!.status} failing ${states[i]!.details.join('; ')}\n${r
              .output()
              .split('\n')
              .filter((l) => !l.includes('"level":20'))
              .slice(-15)
              .join('\n')}`,
        )
        .join('\n');
      throw new Error(`${err.message}\n${detail}\n${c.logs(15)}`);
    });
    const readyAgainAt = Date.now();
    await sleep(2000);
    writing = false;
    await Promise.all(writers);
    const writesStoppedAt = Date.now();
    expect(latest.size).toBe(SHIPS);

    // Every CR converges: its ConfigMap has the latest values, Ready=True for the latest generation.
    const pending = async (): Promise<string[]> => {
      const ships = await harness.list('fleet.example.io/v1', 'ships', 'default');
      const cms = new Map(
        (await harness.list('v1', 'configmaps', 'default')).map((o) => [
          o.metadata.name,
          (o as { data?: Record<string, string> }).data ?? {},
        ]),
      );
      const out: string[] = [];
      for (const [name, want] of latest) {
        const cr = ships.find((s) => s.metadata.name === name);
        const data = cms.get(`${name}-config`);
        const ready = condition(cr, 'Ready');
        const status = cr?.status as { observedGeneration?: number } | undefined;
        if (!cr) out.push(`${name}: CR missing`);
        else if (data?.captain !== want.captain || data.crew !== String(want.crew))
          out.push(`${name}: ConfigMap ${JSON.stringify(data)} != ${JSON.stringify(want)}`);
        else if (ready?.status !== 'True' || status?.observedGeneration !== cr.metadata.generation)
          out.push(
            `${name}: Ready=${ready?.status} observedGeneration ${status?.observedGeneration} generation ${cr.metadata.generation}`,
          );
      }
      return out;
    };
    let last: string[] = [];
    await waitFor(
      async () => {
        last = await pending();
        return last.length === 0;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'every CR to converge' },
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${last.slice(0, 10).join('; ')}\n${c.logs(10)}`);
    });
    const convergedAt = Date.now();

    // Nothing left unreconciled: the queues on the new master drain (no waiting, active, delayed or failed job).
    const conn = new Redis({ host: '127.0.0.1', port: newMaster, maxRetriesPerRequest: null });
    try {
      for (const name of ['ships', 'gadgets']) {
        const q = new Queue(name, { connection: conn, prefix: PREFIX });
        let counts: Record<string, number> = {};
        await waitFor(
          async () => {
            counts = await q.getJobCounts(
              'waiting',
              'active',
              'delayed',
              'prioritized',
              'waiting-children',
              'failed',
            );
            return Object.values(counts).every((n) => n === 0);
          },
          { timeoutMs: 20_000, intervalMs: 250, what: `queue ${name} drained` },
        ).catch((err: Error) => {
          throw new Error(`${err.message}: ${JSON.stringify(counts)}`);
        });
        await q.close();
      }
    } finally {
      conn.disconnect();
    }
    probing = false;
    await prober;

    // Readiness: each role went not ready after the kill, and was ready again after the promotion.
    const summary: Record<string, unknown> = {};
    for (const [i, r] of roles.entries()) {
      const mine = probes.filter((p) => p.role === `${r.role}#${i}`);
      const before = mine.filter((p) => p.at < killedAt);
      const firstDown = mine.find((p) => p.at >= killedAt && p.status === 503);
      const downChecks = [
        ...new Set(mine.filter((p) => p.at >= killedAt && p.status === 503).flatMap((p) => p.failing)),
      ];
      const backUp = firstDown && mine.find((p) => p.at > firstDown.at && p.status === 200);
      expect(
        before.filter((p) => p.status !== 200).map((p) => `${p.at - killedAt} ms: ${p.details.join('; ')}`),
        `${r.role}#${i} ready before the kill`,
      ).toEqual([]);
      expect(firstDown, `${r.role}#${i} not ready after the kill`).toBeDefined();
      expect(downChecks, `${r.role}#${i} failing checks`).toContain('redis');
      expect(backUp, `${r.role}#${i} ready again`).toBeDefined();
      expect(mine.at(-1)!.status, `${r.role}#${i} ready at the end`).toBe(200);
      summary[`${r.role}#${i}`] = {
        notReadyAfterMs: firstDown!.at - killedAt,
        readyAgainAfterMs: backUp!.at - killedAt,
        failingChecks: downChecks,
      };
      expect(alive(r), `${r.role}#${i} still running`).toBe(true);
      // It says where the connection landed: the promoted replica.
      expect(
        r
          .logs()
          .some((l) => l.msg === 'Redis connection ready again' && l.server === `127.0.0.1:${newMaster}`),
        `${r.role}#${i} logged its reconnect to the new master`,
      ).toBe(true);
    }
    // The leading watcher saw adds fail during the gap and re-enqueued every CR it knows once Redis was back.
    // (Or leadership moved meanwhile and the new leader's first list enqueued every CR.)
    const watcherLog = roles.flatMap((r, i) =>
      r
        .logs()
        .filter((l) =>
          /^(Redis is back|started leading|stopped leading|leader election is|lease request failed)/.test(
            String(l.msg),
          ),
        )
        .map((l) => ({
          role: `${r.role}#${i}`,
          t: Date.parse(String(l.time)) - killedAt,
          msg: l.msg,
          crs: l.crs,
        })),
    );
    const relist = watcherLog.find(
      (l) => l.msg === 'Redis is back: re-enqueued every known CR' && Number(l.crs) > 0,
    );
    const newLeader = watcherLog.find((l) => l.msg === 'started leading' && l.t > 0);
    expect(
      Number(relist?.crs ?? 0) >= SHIPS || newLeader !== undefined,
      `every CR re-enqueued after the failover: ${JSON.stringify(watcherLog)}`,
    ).toBe(true);
    // The dashboard (of the `all` process) reads the queues on the new master.
    const overview = await fetch(`http://127.0.0.1:${dashboardPort}/overview.json`);
    expect(overview.status).toBe(200);
    expect(alive(all)).toBe(true);

    console.log(
      JSON.stringify(
        {
          failover: {
            promotedAfterMs: promotedAt - killedAt,
            everyRoleReadyAfterMs: readyAgainAt - killedAt,
            convergedAfterWritesStoppedMs: convergedAt - writesStoppedAt,
            convergedAfterKillMs: convergedAt - killedAt,
          },
          roles: summary,
          relistedCrs: relist?.crs,
          leadershipMovedDuringGap: newLeader !== undefined,
          watcherLog,
          writes: {
            total: ops,
            beforeKill: opsBeforeKill,
            afterKill: ops - opsBeforeKill,
            errors: writeErrors,
          },
          ships: latest.size,
        },
        null,
        2,
      ),
    );
    expect(writeErrors).toBe(0);
    expect(ops - opsBeforeKill).toBeGreaterThan(20); // CRs really changed during and after the failover
  }, 240_000);
});
