/* eslint-disable @typescript-eslint/no-explicit-any -- suites read untyped JSON API responses */
import { startKubeSim, type KubeSim, type SimRule } from '@lostromos/kube-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSubstrate, type Substrate } from '../support/substrate.js';
import { call, cm, SUBSTRATES } from './sim-client.js';

const CMS = '/api/v1/namespaces/default/configmaps';
let sim: KubeSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const READER: SimRule[] = [
  { verbs: ['get', 'list', 'watch'], resources: ['configmaps'], namespaces: ['default'] },
];

describe.each(SUBSTRATES)('bearer-token auth (%s)', (kind) => {
  let api: Substrate;
  beforeAll(async () => {
    api = await startSubstrate({ kind, identities: { reader: READER } });
  });
  afterAll(() => api?.stop());

  it('answers 401 for an unknown token and 403 Forbidden outside the token rules', async () => {
    const reader = api.token('reader');
    const anonymous = await call(api, 'GET', CMS, undefined, { token: null });
    // No token at all: the apiserver (anonymous auth on, its default) authenticates system:anonymous, whom RBAC
    // forbids; the simulator with auth answers 401 like an apiserver run with --anonymous-auth=false.
    if (kind === 'real') {
      expect(anonymous.status).toBe(403);
      expect(anonymous.body.message).toBe(
        'configmaps is forbidden: User "system:anonymous" cannot list resource "configmaps" in API group "" in the namespace "default"',
      );
    } else expect(anonymous.status).toBe(401);
    expect((await call(api, 'GET', CMS, undefined, { token: 'wrong' })).body).toMatchObject({
      kind: 'Status',
      reason: 'Unauthorized',
      code: 401,
    });
    expect((await call(api, 'GET', CMS, undefined, { token: reader })).status).toBe(200);
    const denied = await call(api, 'POST', CMS, cm('x'), { token: reader });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Forbidden',
      details: { kind: 'configmaps' },
      code: 403,
    });
    // The user is the ServiceAccount on the real server, a hash of the token on the simulator.
    const user =
      kind === 'real' ? 'system:serviceaccount:lostromos-test-identities:reader' : 'sim:token:[0-9a-f]{8}';
    expect(denied.body.message).toMatch(
      new RegExp(
        `^configmaps is forbidden: User "${user}" cannot create resource "configmaps" in API group "" in the namespace "default"$`,
      ),
    );
    const otherNs = await call(api, 'GET', '/api/v1/namespaces/kube-system/configmaps', undefined, {
      token: reader,
    });
    expect(otherNs.status).toBe(403);
    const secrets = await call(api, 'GET', '/api/v1/namespaces/default/secrets/s', undefined, {
      token: reader,
    });
    expect(secrets.body.message).toContain('secrets "s" is forbidden');
    expect((await call(api, 'POST', CMS, cm('x'))).status).toBe(201);
    const review = (verb: string, namespace: string) =>
      call(
        api,
        'POST',
        '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { verb, resource: 'configmaps', namespace } },
        },
        { token: reader },
      );
    const yes = await review('list', 'default');
    expect(yes.status).toBe(201);
    expect(yes.body.status).toMatchObject({ allowed: true });
    const no = (await review('delete', 'default')).body;
    expect(no.status.allowed).toBe(false);
    if (kind === 'sim') expect(no.status.reason).toContain('cannot delete resource "configmaps"');
    expect(api.kubeconfig({ token: reader })).toContain(`token: ${reader}`);
  });
});

// Simulator only from here: fault injection and the /_sim admin endpoint are the simulator's own controls
// (the real substrate's fault proxy has its own suite, test/support/fault-proxy.test.ts).
describe('kube-sim fault injection', () => {
  it('injects 429 with Retry-After, 503 and 500 errors, optionally only for some verbs and resources', async () => {
    sim = await startKubeSim();
    sim.faults.set({ errorRate: 1, errorStatus: 429, retryAfterSeconds: 3 });
    const r = await call(sim, 'GET', CMS);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('3');
    expect(r.body).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 3 }, code: 429 });
    sim.faults.set({ errorStatus: 503, errorVerbs: ['create'] });
    expect((await call(sim, 'GET', CMS)).status).toBe(200);
    const c = await call(sim, 'POST', CMS, cm('f'));
    expect(c.status).toBe(503);
    expect(c.body.reason).toBe('ServiceUnavailable');
    sim.faults.set({ errorStatus: 500, errorVerbs: [], errorResources: ['secrets'] });
    expect((await call(sim, 'POST', CMS, cm('f'))).status).toBe(201);
    expect((await call(sim, 'GET', '/api/v1/namespaces/default/secrets')).body.reason).toBe('InternalError');
    sim.faults.clear();
    expect((await call(sim, 'GET', '/api/v1/namespaces/default/secrets')).status).toBe(200);
    expect(() => sim!.faults.set({ errorRate: 2 })).toThrow(/errorRate must be between 0 and 1/);
  });

  it('adds latency and pauses requests until resumed', async () => {
    sim = await startKubeSim();
    sim.faults.set({ latencyMs: 150 });
    const t0 = Date.now();
    await call(sim, 'GET', CMS);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    sim.faults.clear();
    sim.faults.pause();
    let done = false;
    const pending = call(sim, 'GET', CMS).then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(done).toBe(false);
    sim.faults.resume();
    expect((await pending).status).toBe(200);
  });
});

describe('kube-sim admin endpoint and stats', () => {
  it('counts requests by verb, resource and field manager, and drives faults, compaction and pins over HTTP', async () => {
    sim = await startKubeSim({ workloads: { delayMs: 10 } });
    sim.resetStats();
    await call(sim, 'POST', `${CMS}?fieldManager=tester`, cm('s1'));
    await call(
      sim,
      'PATCH',
      `${CMS}/s1?fieldManager=tester`,
      { ...cm('s1'), data: { a: 'b' } },
      { contentType: 'application/apply-patch+yaml' },
    );
    await call(sim, 'GET', `${CMS}/s1`);
    await call(sim, 'GET', CMS);
    const stats = (await call(sim, 'GET', '/_sim/stats')).body;
    expect(stats.byVerb).toMatchObject({ create: 1, apply: 1, get: 1, list: 1 });
    expect(stats.byVerbResource['apply configmaps']).toBe(1);
    expect(stats.byFieldManager.tester).toBe(2);
    expect(stats.writes).toBe(2);
    expect(stats.objects).toBeGreaterThan(4);

    expect((await call(sim, 'PUT', '/_sim/faults', { errorRate: 1, errorStatus: 503 })).status).toBe(200);
    expect((await call(sim, 'GET', CMS)).status).toBe(503);
    expect((await call(sim, 'GET', '/_sim/faults')).body.faults.errorRate).toBe(1);
    await call(sim, 'DELETE', '/_sim/faults');
    expect((await call(sim, 'GET', CMS)).status).toBe(200);

    const rv = (await call(sim, 'GET', CMS)).body.metadata.resourceVersion;
    await call(sim, 'POST', CMS, cm('s2'));
    await call(sim, 'POST', '/_sim/faults/compact');
    const w = await fetch(`${sim.url}${CMS}?watch=true&resourceVersion=${rv}`);
    expect(JSON.parse((await w.text()).trim()).object.code).toBe(410);

    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'pinned' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
    };
    const pin = await call(sim, 'POST', '/_sim/mark-unready', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'default',
      name: 'pinned',
      mode: 'unready',
    });
    expect(pin.status).toBe(200);
    await call(sim, 'POST', '/apis/apps/v1/namespaces/default/deployments', dep);
    await new Promise((r) => setTimeout(r, 150));
    const d = (await call(sim, 'GET', '/apis/apps/v1/namespaces/default/deployments/pinned')).body;
    expect(d.status.observedGeneration).toBe(1);
    expect(d.status.conditions.find((c: any) => c.type === 'Available').status).toBe('False');
    const badPin = await call(sim, 'POST', '/_sim/mark-unready', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'x',
      mode: 'failed',
    });
    expect(badPin.status).toBe(400);
    expect(badPin.body.error).toContain('not a simulated workload');
    expect((await call(sim, 'GET', '/_sim/kubeconfig')).body).toContain(`server: ${sim.url}`);
    expect((await call(sim, 'GET', '/_sim/nope')).status).toBe(404);
  });
});
