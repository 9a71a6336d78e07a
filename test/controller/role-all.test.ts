import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { condition, FIXTURES, startHarness, type Harness, type RoleHandle } from './harness.js';

// `lostromos start --role all` (watcher + worker + dashboard in one process): readiness follows the children's
// own status through the managed-kind informers, and API errors (429 with Retry-After) are retried to success.

let h: Harness;
let all: RoleHandle;
const crdYaml = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: sites.web.example.io }
spec:
  scope: Namespaced
  group: web.example.io
  names: { kind: Site, plural: sites, singular: site }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`;
const site = (name: string) => h.get('web.example.io/v1', 'sites', 'default', name);

beforeAll(async () => {
  h = await startHarness({
    configExtra: `  - { name: sites, group: web.example.io, version: v1, plural: sites, templates: ${path.join(FIXTURES, 'apps')} }
dashboard: { address: 127.0.0.1:0, auth: { mode: none } }
`,
  });
  await h.apply(crdYaml);
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  await waitFor(() => h.kubectl('get', 'sites').then(() => true), {
    timeoutMs: 10_000,
    what: 'the sites CRD',
  });
  all = await h.start('all', ['--trace-reconciles']);
});
afterAll(async () => {
  h?.api.faults.clear();
  await h?.close();
});

describe('--role all', () => {
  it('reports Ready from the Deployment status and follows it when the Deployment becomes unavailable', async () => {
    await h.apply(
      JSON.stringify({
        apiVersion: 'web.example.io/v1',
        kind: 'Site',
        metadata: { name: 'blog' },
        spec: { replicas: 2 },
      }),
    );
    await h.kubectl('wait', '--for=condition=Ready', 'site/blog', '--timeout=30s');
    await h.api.markUnready(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'blog-web' },
      'unready',
    );
    await waitFor(async () => condition(await site('blog'), 'Ready')?.status === 'False', {
      timeoutMs: 20_000,
      what: 'Ready=False after the Deployment became unavailable',
    });
    expect(condition(await site('blog'), 'Reconciled')?.status).toBe('True');
    const status = (await (await fetch(`http://127.0.0.1:${all.port}/status`)).json()) as {
      success?: boolean;
      role?: string;
      watcher?: { isLeader?: boolean; ownedKinds?: string[] };
    };
    expect(status).toMatchObject({ success: true, role: 'all', watcher: { isLeader: true } });
    expect(status.watcher?.ownedKinds).toContain('apps/v1/Deployment');
  });

  it('retries 429s (honouring Retry-After) on writes until the CR is reconciled', async () => {
    // Every write is throttled at first (a random rate could let all of them through and prove nothing) …
    h.api.faults.set({
      errorRate: 1,
      errorStatus: 429,
      retryAfterSeconds: 1,
      errorVerbs: ['patch', 'apply'],
    });
    await h.apply(
      JSON.stringify({ apiVersion: 'web.example.io/v1', kind: 'Site', metadata: { name: 'shop' }, spec: {} }),
    );
    await waitFor(
      async () =>
        /rest_client_requests_total\{method="PATCH",code="429"\} [1-9]/.test(
          await (await fetch(`http://127.0.0.1:${all.port}/metrics`)).text(),
        ),
      { timeoutMs: 15_000, what: 'throttled writes' },
    );
    expect(await h.get('apps/v1', 'deployments', 'default', 'shop-web')).toBeUndefined();
    // … then half of them: the retries (Retry-After honoured) get the CR reconciled.
    h.api.faults.set({ errorRate: 0.5 });
    await waitFor(async () => (await h.get('apps/v1', 'deployments', 'default', 'shop-web')) !== undefined, {
      timeoutMs: 30_000,
      what: 'the Deployment applied despite 429s',
    });
    h.api.faults.clear();
    await h.kubectl('wait', '--for=condition=Ready', 'site/shop', '--timeout=30s');
  });

  it('a permanent failure (allow policy) is reported on the CR and completes the job, without a retry storm', async () => {
    await h.apply(
      JSON.stringify({
        apiVersion: 'web.example.io/v1',
        kind: 'Site',
        metadata: { name: 'rogue' },
        spec: { elsewhere: 'kube-system' },
      }),
    );
    await waitFor(async () => condition(await site('rogue'), 'Ready')?.status === 'False', {
      timeoutMs: 15_000,
      what: 'Ready=False on the CR',
    });
    const ready = condition(await site('rogue'), 'Ready');
    expect(ready?.message).toMatch(/kube-system/);
    const events = JSON.parse(await h.kubectl('get', 'events', '-o', 'json')) as {
      items: Array<{ involvedObject?: { name?: string }; type?: string }>;
    };
    expect(events.items.some((e) => e.involvedObject?.name === 'rogue' && e.type === 'Warning')).toBe(true);
    expect(await h.get('v1', 'configmaps', 'kube-system', 'rogue-elsewhere')).toBeUndefined();

    const redis = new Redis(h.redis.url);
    try {
      const key = 'itest:trace:count:web.example.io/sites/default/rogue';
      const before = Number(await redis.get(key));
      await new Promise((r) => setTimeout(r, 3000));
      expect(Number(await redis.get(key))).toBe(before); // not retried: nothing changed
      const completed = await redis.zrange('itest:sites:completed', '0', '-1');
      const results = await Promise.all(
        completed.map((id) => redis.hget(`itest:sites:${id}`, 'returnvalue')),
      );
      expect(results.some((r) => r?.includes('"failed-permanent"'))).toBe(true);
      expect(await redis.zcard('itest:sites:failed')).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});
