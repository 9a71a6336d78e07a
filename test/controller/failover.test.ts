import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { FIXTURES, ship, startHarness, type Harness, type RoleHandle } from './harness.js';

// Leader failover (kill -9 and graceful), deletion while the operator is down, and a Redis outage, with
// real processes. Lease: 3 s duration, 2 s renew deadline, 1 s retry period.

let h: Harness;
const LEASE_MS = 3000;
const RETRY_MS = 1000;

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseTransitions?: number;
}
const lease = async (): Promise<LeaseSpec> =>
  ((await h.get('coordination.k8s.io/v1', 'leases', 'default', 'itest-watcher'))?.spec as
    LeaseSpec | undefined) ?? {};
const cm = (name: string) => h.get('v1', 'configmaps', 'default', name);
const identityOf = (r: RoleHandle): string | undefined =>
  r.logs().find((l) => l.msg === 'lostromos started')?.identity as string | undefined;
const leadingTimes = (r: RoleHandle): number[] =>
  r
    .logs()
    .filter((l) => l.msg === 'started leading')
    .map((l) => Date.parse(String(l.time)));

beforeAll(async () => {
  h = await startHarness();
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  await waitFor(() => h.kubectl('get', 'ships').then(() => true), {
    timeoutMs: 10_000,
    what: 'the ships CRD',
  });
});
afterAll(async () => {
  await h?.close();
});

describe('leader failover', () => {
  it('a standby takes over within leaseDuration + retryPeriod after kill -9, reconciles a CR created in the gap; never two leaders', async () => {
    const [a, b] = await Promise.all([h.start('watcher'), h.start('watcher')]);
    await h.start('worker');
    const holder = await waitFor(async () => (await lease()).holderIdentity, {
      timeoutMs: 15_000,
      what: 'a leader',
    });
    const leader = identityOf(a) === holder ? a : b;
    const standby = leader === a ? b : a;
    expect(identityOf(standby)).not.toBe(holder);
    const before = (await lease()).leaseTransitions ?? 0;

    const killedAt = Date.now();
    await leader.kill();
    await h.apply(ship('gap', { captain: 'Gap', crew: 1 }));
    const newHolder = await waitFor(
      async () => {
        const l = await lease();
        return l.holderIdentity && l.holderIdentity !== holder ? l.holderIdentity : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'the standby to take the lease' },
    );
    const tookOverMs = Date.now() - killedAt;
    expect(newHolder).toBe(identityOf(standby));
    // leaseDuration + retryPeriod × (1 + 1.2 jitter) + slack for polling and process scheduling on a loaded machine.
    expect(tookOverMs).toBeLessThan(LEASE_MS + RETRY_MS * 2.2 + 2500);
    expect((await lease()).leaseTransitions).toBe(before + 1);
    await waitFor(() => cm('gap-config'), { timeoutMs: 15_000, what: 'the CR created during the gap' });

    // Never two leaders: the standby started leading only after the old leader died.
    const standbyStarts = leadingTimes(standby);
    expect(standbyStarts).toHaveLength(1);
    expect(standbyStarts[0]!).toBeGreaterThanOrEqual(killedAt);
  });

  it('a gracefully stopped leader releases the lease; the standby takes over within a few retry periods', async () => {
    const fresh = await h.start('watcher');
    const leader = h.roles.find(
      (r) => r.role === 'watcher' && r.proc.exitCode === null && r.proc.signalCode === null && r !== fresh,
    )!;
    const holder = (await lease()).holderIdentity;
    expect(holder).toBe(identityOf(leader));
    const stoppedAt = Date.now();
    expect(await leader.stop(8000)).toBe(0);
    await waitFor(async () => (await lease()).holderIdentity === identityOf(fresh), {
      timeoutMs: 10_000,
      intervalMs: 100,
      what: 'the standby to take the released lease',
    });
    // Well below leaseDuration: the released lease is free at once.
    expect(Date.now() - stoppedAt).toBeLessThan(RETRY_MS * 2.2 + 2000);
    expect(leader.output()).toMatch(/stopped leading/);
    expect(leader.output()).toMatch(/"msg":"released the lease"/);
  });
});

describe('outages', () => {
  it('a CR deleted while every process is down has its objects deleted and its finalizer released on start', async () => {
    await waitFor(() => cm('gap-config'));
    await Promise.all(h.roles.map((r) => r.stop(8000)));
    await h.kubectl('delete', 'ship', 'gap', '--wait=false');
    const stuck = await h.get('fleet.example.io/v1', 'ships', 'default', 'gap');
    expect(stuck?.metadata.deletionTimestamp).toBeDefined(); // held by our finalizer
    await h.start('watcher');
    await h.start('worker');
    await waitFor(async () => (await h.get('fleet.example.io/v1', 'ships', 'default', 'gap')) === undefined, {
      timeoutMs: 20_000,
      what: 'the CR to be gone',
    });
    expect(await cm('gap-config')).toBeUndefined();
  });

  it('Redis down: the watcher keeps watching, reports not ready, and re-enqueues every CR on reconnect', async () => {
    const watcher = h.roles.find(
      (r) => r.role === 'watcher' && r.proc.exitCode === null && r.proc.signalCode === null,
    )!;
    await waitFor(async () => (await lease()).holderIdentity === identityOf(watcher), { timeoutMs: 15_000 });
    await h.redis.kill();
    await waitFor(async () => (await fetch(`http://127.0.0.1:${watcher.port}/readyz`)).status === 503, {
      timeoutMs: 10_000,
      what: 'readyz 503 while Redis is down',
    });
    expect((await fetch(`http://127.0.0.1:${watcher.port}/healthz`)).ok).toBe(true);
    await h.apply(ship('outage', { captain: 'Dark', crew: 2 }));
    await new Promise((r) => setTimeout(r, 1500));
    await h.redis.start(); // comes back empty: only the re-enqueue can bring the CR to a worker
    await waitFor(() => cm('outage-config'), { timeoutMs: 30_000, what: 'the CR created during the outage' });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${watcher.port}/readyz`)).ok, {
      timeoutMs: 10_000,
    });
  });
});
