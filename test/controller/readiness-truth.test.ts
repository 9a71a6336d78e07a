import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { FIXTURES, startHarness, type Harness, type RoleHandle } from './harness.js';

// A watcher is ready only while leader election works from where it stands: a Lease hijacked by a holder that
// never renews, or an API server that does not answer, make it not ready with a message that says what to
// do — and it is ready again, and reconciling, once that is fixed.

let h: Harness;
const watchers: RoleHandle[] = [];

const readyz = async (w: RoleHandle): Promise<{ status: number; body: string }> => {
  const res = await fetch(`http://127.0.0.1:${w.port}/readyz`);
  return { status: res.status, body: await res.text() };
};

beforeAll(async () => {
  h = await startHarness({ prefix: 'readiness' });
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  // Someone else holds the watchers' Lease for an hour and never renews it.
  await h.apply(
    JSON.stringify({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'itest-watcher', namespace: 'default' },
      spec: {
        holderIdentity: 'intruder',
        leaseDurationSeconds: 3600,
        acquireTime: new Date().toISOString().replace('Z', '000Z'),
        renewTime: new Date().toISOString().replace('Z', '000Z'),
      },
    }),
  );
  watchers.push(await h.start('watcher'), await h.start('watcher'));
});

afterAll(async () => {
  h?.api.faults.clear();
  await h?.close();
});

describe('watcher readiness tells the truth', () => {
  it('a hijacked Lease makes every watcher not ready, naming the holder and the fix; deleting it recovers', async () => {
    for (const w of watchers) {
      const r = await waitFor(
        async () => {
          const x = await readyz(w);
          return x.status !== 200 && x.body.includes('intruder') ? x : undefined;
        },
        { timeoutMs: 20_000, what: 'not ready because of the hijacked Lease' },
      );
      expect(r.body).toContain('kubectl -n default delete lease itest-watcher');
    }
    expect(
      watchers.some((w) => w.logs().some((l) => l.msg === 'leader election is not working; not ready')),
    ).toBe(true);
    await h.kubectl('delete', 'lease', 'itest-watcher');
    for (const w of watchers) {
      await waitFor(async () => (await readyz(w)).status === 200, {
        timeoutMs: 20_000,
        what: 'ready again',
      }).catch(async (err: Error) => {
        throw new Error(`${err.message}: ${(await readyz(w)).body}`);
      });
    }
  });

  it('an API server that does not answer makes the watchers not ready; they recover when it answers again', async () => {
    h.api.faults.pause();
    try {
      for (const w of watchers) {
        await waitFor(
          async () => {
            const x = await readyz(w);
            return x.status !== 200 && x.body.includes('no successful answer from the API server');
          },
          { timeoutMs: 20_000, what: 'not ready while the API server does not answer' },
        );
      }
    } finally {
      h.api.faults.resume();
    }
    for (const w of watchers) {
      await waitFor(async () => (await readyz(w)).status === 200, {
        timeoutMs: 20_000,
        what: 'ready again',
      }).catch(async (err: Error) => {
        throw new Error(`${err.message}: ${(await readyz(w)).body}`);
      });
    }
  });
});
