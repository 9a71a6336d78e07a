import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { FIXTURES, ship, startHarness, type Harness } from './harness.js';

// Worker lifecycle with real processes: stalled-job recovery after kill -9, graceful SIGTERM finishing the
// in-flight reconcile, and template edits re-enqueueing every CR of the resource.

let h: Harness;
let redis: Redis;
const cm = (name: string) => h.get('v1', 'configmaps', 'default', name);
const data = async (name: string) => (await cm(name))?.data as Record<string, string> | undefined;
const observed = async (name: string) => {
  const s = await h.get('fleet.example.io/v1', 'ships', 'default', name);
  return (
    s !== undefined &&
    (s.status as { observedGeneration?: number } | undefined)?.observedGeneration === s.metadata.generation
  );
};

beforeAll(async () => {
  h = await startHarness();
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  await waitFor(() => h.kubectl('get', 'ships').then(() => true), {
    timeoutMs: 10_000,
    what: 'the ships CRD',
  });
  await h.start('watcher');
  redis = new Redis(h.redis.url);
});
afterAll(async () => {
  h?.api.faults.clear();
  redis?.disconnect();
  await h?.close();
});

describe('worker lifecycle', () => {
  it('a job whose worker was killed mid-reconcile is recovered by another worker', async () => {
    const first = await h.start('worker', ['--trace-reconciles']);
    h.api.faults.set({ latencyMs: 400 }); // every API call slow: a reconcile takes seconds
    await h.apply(ship('stall', { captain: 'Slow', crew: 1 }));
    const key = 'itest:trace:inflight:fleet.example.io/ships/default/stall';
    await waitFor(async () => Number(await redis.get(key)) >= 1, {
      timeoutMs: 20_000,
      what: 'the reconcile to start',
    });
    await first.kill();
    h.api.faults.clear();
    expect(await observed('stall')).toBe(false);
    await h.start('worker');
    // Recovered once the dead worker's lock (5 s) expires and the stalled check runs.
    await waitFor(() => observed('stall'), {
      timeoutMs: 30_000,
      what: 'the stalled job to be reconciled by the new worker',
    });
    expect((await data('stall-config'))?.captain).toBe('Slow');
  });

  it('SIGTERM lets the in-flight reconcile finish before the worker exits', async () => {
    const w = h.roles.find(
      (r) => r.role === 'worker' && r.proc.exitCode === null && r.proc.signalCode === null,
    )!;
    h.api.faults.set({ latencyMs: 300 });
    await h.apply(ship('graceful', { captain: 'Calm', crew: 2 }));
    // Wait until the job is active, then stop the worker.
    await waitFor(
      async () => {
        const ids = await redis.lrange('itest:ships:active', 0, -1);
        return ids.length > 0;
      },
      { timeoutMs: 20_000, intervalMs: 20, what: 'the job to be active' },
    );
    const code = await w.stop(20_000);
    h.api.faults.clear();
    expect(code).toBe(0);
    expect(w.output()).toMatch(/"msg":"worker stopped"/);
    expect(await observed('graceful')).toBe(true); // finished, not abandoned
    expect(await redis.llen('itest:ships:active')).toBe(0);
  });

  it('a template edit re-enqueues every CR of the resource and the objects follow', async () => {
    await h.start('worker');
    await waitFor(() => observed('graceful'));
    const file = path.join(h.templates, 'ships', 'configmap.yaml');
    fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8')}  edited: "yes"\n`);
    for (const name of ['stall-config', 'graceful-config']) {
      await waitFor(async () => (await data(name))?.edited === 'yes', {
        timeoutMs: 20_000,
        what: `${name} re-rendered`,
      });
    }
  });
});
