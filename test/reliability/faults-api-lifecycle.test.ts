import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../controller/harness.ts';
import { waitFor } from '../support/index.js';
import {
  createNamespace,
  QUIET_RATE,
  SHIPS,
  ShipWorkload,
  sleep,
  startCluster,
  waitForLeader,
  type ReliabilityCluster,
} from './cluster.ts';

// API server faults through the fault proxy in front of the real kube-apiserver (2 watchers, 2 workers): 5xx,
// 429 with Retry-After, latency spikes, watch streams dropped cleanly and abruptly, a forced 410 Gone with
// changes the watcher never saw; then changes around the CRs, with the real controllers: the CRD deleted and
// re-created, the templates changed while TEMPLATE_CRS CRs exist (150 here to keep `npm test` short; the soak
// runs 1,000), a namespace deleted. The CR writes of the test go straight to the API server, so only the
// operator meets the faults. Each scenario ends with the invariants (test/support/invariants.ts); convergence
// times are printed at the end (docs/reliability.md).

/** CRs present when the templates change (the soak: 1,000). */
const TEMPLATE_CRS = 150;
const CRD = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/ships.fleet.example.io';

let c: ReliabilityCluster;
let crs: ShipWorkload;
const timings: Record<string, number> = {};

const converge = async (
  scenario: string,
  timeoutMs = 60_000,
  rate: typeof QUIET_RATE | null = QUIET_RATE,
): Promise<void> => {
  const r = await c.converge(timeoutMs, rate);
  timings[scenario] = r.convergedMs;
  expect(r.violations).toEqual([]);
};

/** Requests and their answers through the proxy over `fn`. */
const counted = async (
  fn: () => Promise<void>,
): Promise<{ requests: number; byStatus: Record<string, number> }> => {
  const a = c.h.api.stats();
  await fn();
  const b = c.h.api.stats();
  const byStatus: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.byStatusCode))
    if (v - (a.byStatusCode[k] ?? 0) > 0) byStatus[k] = v - (a.byStatusCode[k] ?? 0);
  return { requests: b.requests - a.requests, byStatus };
};

beforeAll(async () => {
  c = await startCluster({ prefix: 'rel-api' });
  await createNamespace(c.direct, 'doomed');
  crs = new ShipWorkload(c.direct, 'api');
  for (let i = 0; i < 12; i++) await crs.create();
  await converge('initial', 60_000, null);
});

afterAll(async () => {
  c?.h.api.faults.clear();
  await c?.close();
  console.log(`[reliability] API faults: convergence after each fault (ms) ${JSON.stringify(timings)}`);
});

describe('API server faults', () => {
  it('500 and 503 on a third of all requests while CRs change', async () => {
    c.h.api.faults.set({ errorRate: 0.33, errorStatus: 500 });
    await crs.churn(15);
    await sleep(3000);
    c.h.api.faults.set({ errorRate: 0.33, errorStatus: 503, retryAfterSeconds: 1 });
    await crs.churn(15);
    await sleep(3000);
    c.h.api.faults.clear();
    await converge('5xx');
  });

  it('429 with Retry-After on half of all requests: the operator backs off instead of storming, then converges', async () => {
    c.h.api.faults.set({ errorRate: 0.5, errorStatus: 429, retryAfterSeconds: 2 });
    const during = await counted(async () => {
      await crs.churn(20);
      await sleep(6000);
    });
    c.h.api.faults.clear();
    timings['429: requests/s during'] = Math.round(during.requests / 6);
    // Clients wait the 2 s Retry-After before retrying: a storm would be hundreds per second.
    expect(during.requests / 6).toBeLessThan(60);
    expect(during.byStatus['429']).toBeGreaterThan(0);
    await converge('429 Retry-After');
  });

  it('latency spikes (1.5 s on every request, three times) while CRs change', async () => {
    for (let i = 0; i < 3; i++) {
      c.h.api.faults.set({ latencyMs: 1500 });
      await crs.churn(8);
      await sleep(2500);
      c.h.api.faults.set({ latencyMs: 0 });
      await sleep(1000);
    }
    c.h.api.faults.clear();
    await converge('latency spikes');
  });

  it('watch streams dropped, cleanly and abruptly, while CRs change', async () => {
    for (let i = 0; i < 6; i++) {
      await crs.churn(4);
      c.h.api.faults.dropWatches({ abrupt: i % 2 === 1 });
      await sleep(400);
    }
    await converge('watch drops');
  });

  it('a forced 410 Gone after changes the watcher never saw: it relists and reconciles them', async () => {
    const leader = await waitForLeader(c.watchers);
    const relists = async (): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${leader.port}/metrics`)).text();
      return [...text.matchAll(/^lostromos_watch_relists_total\{[^}]*\} (\d+)/gm)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
    };
    const before = await relists();
    // Every watch stream cut and no new one allowed: the changes below reach the API server but never the
    // watcher (Lease requests still pass, so leadership stays where it is) …
    c.h.api.faults.set({ errorRate: 1, errorStatus: 503, errorVerbs: ['watch'] });
    c.h.api.faults.dropWatches();
    await crs.churn(20);
    // … then the history is compacted past them, and the watches resume from where they were: 410 Gone.
    await c.h.api.faults.compact();
    c.h.api.faults.clear();
    await converge('forced 410');
    expect(await relists()).toBeGreaterThan(before);
  });

  it('the CRD deleted and re-created: the CRs are cleaned up so the CRD can go; new CRs are reconciled after it returns', async () => {
    await crs.churn(6);
    await converge('before CRD deletion', 60_000, null);
    const deletedAt = Date.now();
    expect((await c.direct('DELETE', CRD)).status).toBeLessThan(300);
    // The API server deletes every Ship; each carries our finalizer, which the operator must release.
    await waitFor(async () => (await c.direct('GET', CRD)).status === 404, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'the ships CRD to be gone',
    });
    timings['CRD deleted: gone'] = Date.now() - deletedAt;
    crs.live.clear();
    await converge('CRD deleted', 60_000, null);
    const createdAt = Date.now();
    await c.h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
    await waitFor(async () => (await c.direct('GET', `/apis/${SHIPS.apiVersion}/ships`)).status === 200, {
      timeoutMs: 30_000,
      what: 'the ships CRD served again',
    });
    for (let i = 0; i < 6; i++) await crs.create();
    await converge('CRD re-created', 90_000);
    timings['CRD re-created: new CRs reconciled'] = Date.now() - createdAt;
  });

  it(`the templates changed while ${TEMPLATE_CRS} CRs exist: every CR re-renders with the new templates`, async () => {
    const target = TEMPLATE_CRS - crs.live.size;
    let created = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (created < target) {
          created++;
          await crs.create();
        }
      }),
    );
    const first = Date.now();
    await converge(`${TEMPLATE_CRS} CRs created`, 120_000, null);
    timings[`${TEMPLATE_CRS} CRs: first convergence`] = Date.now() - first;
    // A field added, one removed, and the conditional second object gone for every CR (a prune each).
    fs.writeFileSync(
      path.join(c.h.templates, 'ships', 'configmap.yaml'),
      `apiVersion: v1
kind: ConfigMap
metadata:
  name: '{{name}}-config'
data:
  captain: '{{spec.captain}}'
  motto: 'fair winds, {{spec.captain}}'
`,
    );
    fs.rmSync(path.join(c.h.templates, 'ships', 'logbook.yaml'));
    const changedAt = Date.now();
    await converge('templates changed', 120_000);
    timings[`templates changed: ${TEMPLATE_CRS} CRs re-rendered`] = Date.now() - changedAt;
  });

  it('a namespace deleted: its CRs are cleaned up, their finalizers released, the namespace goes, nothing is left', async () => {
    for (let i = 0; i < 8; i++) await crs.create('doomed');
    await converge('namespace populated', 60_000, null);
    const deletedAt = Date.now();
    const r = await c.direct('DELETE', '/api/v1/namespaces/doomed');
    expect(r.status).toBeLessThan(300);
    for (const k of [...crs.live.keys()]) if (k.startsWith('doomed/')) crs.live.delete(k);
    await waitFor(async () => (await c.direct('GET', '/api/v1/namespaces/doomed')).status === 404, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'namespace doomed to be gone',
    });
    timings['namespace deleted: gone'] = Date.now() - deletedAt;
    await converge('namespace deleted');
  });
});
