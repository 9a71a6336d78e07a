/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- the suite reads untyped JSON API responses */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { renderKubeconfig, startKubeSim, type KubeSim } from '@lostromos/kube-sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { waitFor } from './ports.js';

// The upstream is kube-sim served over TLS with bearer-token auth: a real HTTPS API server that the proxy
// must relay to faithfully (tokens, status codes, chunked watch streams).
const TOKEN = 'admin-token';
const UA = 'fault-proxy-test/1.0 (vitest)';
const NS_CM = '/api/v1/namespaces/default/configmaps';

let dir: string;
let sim: KubeSim;
let proxy: FaultProxy;
let simCa: Buffer;
let proxyCa: Buffer;
let agent: https.Agent;

function selfSigned(name: string): void {
  // A self-signed CA:TRUE certificate for 127.0.0.1, trusted directly as the CA by clients.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-keyout',
      path.join(dir, `${name}-key.pem`),
      '-out',
      path.join(dir, `${name}-cert.pem`),
    ],
    { stdio: 'ignore' },
  );
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fault-proxy-'));
  selfSigned('sim');
  selfSigned('proxy');
  simCa = await readFile(path.join(dir, 'sim-cert.pem'));
  proxyCa = await readFile(path.join(dir, 'proxy-cert.pem'));
  sim = await startKubeSim({
    workloads: { enabled: false },
    tls: { key: await readFile(path.join(dir, 'sim-key.pem')), cert: simCa },
    auth: { tokens: { [TOKEN]: [{ verbs: ['*'], resources: ['*'] }] } },
  });
  proxy = await startFaultProxy({
    target: sim.url,
    targetCa: simCa,
    tls: { key: await readFile(path.join(dir, 'proxy-key.pem')), cert: proxyCa },
  });
  agent = new https.Agent({ keepAlive: true, ca: proxyCa });
});

afterAll(async () => {
  agent?.destroy();
  await proxy?.stop();
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  proxy.faults.clear();
  proxy.resetStats();
});

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
  ms: number;
}

interface CallOptions {
  body?: unknown;
  contentType?: string;
  token?: string | null;
  headers?: Record<string, string>;
  /** Send to the sim directly instead of through the proxy. */
  upstream?: boolean;
}

function call(method: string, p: string, o: CallOptions = {}): Promise<Reply> {
  const base = new URL(o.upstream ? sim.url : proxy.url);
  const body = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body));
  const headers: Record<string, string | number> = {
    'User-Agent': UA,
    Accept: 'application/json',
    ...o.headers,
  };
  const token = o.token === undefined ? TOKEN : o.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body) {
    headers['Content-Type'] = o.contentType ?? 'application/json';
    headers['Content-Length'] = body.length;
  }
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        hostname: base.hostname,
        port: base.port,
        method,
        path: p,
        headers,
        ...(o.upstream ? { ca: simCa, agent: false } : { agent }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json,
            ms: Date.now() - started,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function configMap(name: string, data: Record<string, string> = { a: '1' }): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data };
}

interface WatchStream {
  status: number;
  events: any[];
  /** 'end' when the chunked response ended cleanly, 'aborted' when the connection broke. */
  done: Promise<'end' | 'aborted'>;
  close(): void;
}

/** Opens a watch through the proxy; events are collected line by line as they arrive. */
function watch(p: string): Promise<WatchStream> {
  const base = new URL(proxy.url);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        hostname: base.hostname,
        port: base.port,
        path: p,
        ca: proxyCa,
        // Each watch on its own connection, so an abrupt drop breaks nothing else.
        agent: false,
        headers: { Authorization: `Bearer ${TOKEN}`, 'User-Agent': UA },
      },
      (res: IncomingMessage) => {
        const events: any[] = [];
        let partial = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => {
          partial += s;
          let nl: number;
          while ((nl = partial.indexOf('\n')) >= 0) {
            events.push(JSON.parse(partial.slice(0, nl)));
            partial = partial.slice(nl + 1);
          }
        });
        res.on('error', () => undefined);
        const done = new Promise<'end' | 'aborted'>((r) =>
          res.on('close', () => r(res.complete ? 'end' : 'aborted')),
        );
        resolve({ status: res.statusCode ?? 0, events, done, close: () => req.destroy() });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function listRv(): Promise<string> {
  const list = await call('GET', NS_CM);
  expect(list.status).toBe(200);
  return list.json.metadata.resourceVersion as string;
}

describe('fault proxy in front of an HTTPS API server', () => {
  it('relays CRUD with the client token and counts verbs, resources, field managers and status codes', async () => {
    const created = await call('POST', `${NS_CM}?fieldManager=tester`, { body: configMap('crud') });
    expect(created.status).toBe(201);
    expect(created.json.metadata.managedFields[0].manager).toBe('tester');
    const got = await call('GET', `${NS_CM}/crud`);
    expect(got.status).toBe(200);
    expect(got.json.data).toEqual({ a: '1' });
    const list = await call('GET', NS_CM);
    expect(list.json.items.map((i: any) => i.metadata.name)).toContain('crud');
    const updated = await call('PUT', `${NS_CM}/crud?fieldManager=tester`, {
      body: { ...got.json, data: { a: '2' } },
    });
    expect(updated.status).toBe(200);
    expect(updated.json.data).toEqual({ a: '2' });
    const patched = await call('PATCH', `${NS_CM}/crud`, {
      body: { data: { b: '3' } },
      contentType: 'application/merge-patch+json',
    });
    expect(patched.status).toBe(200);
    expect(patched.json.data).toEqual({ a: '2', b: '3' });
    const applied = await call('PATCH', `${NS_CM}/applied?fieldManager=applier`, {
      body: configMap('applied', { x: 'y' }),
      contentType: 'application/apply-patch+yaml',
    });
    expect(applied.status).toBe(201);
    const missing = await call('GET', `${NS_CM}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ kind: 'Status', reason: 'NotFound' });
    // Without a token the upstream refuses: the proxy adds no credentials of its own.
    expect((await call('GET', NS_CM, { token: null })).status).toBe(401);
    expect((await call('DELETE', `${NS_CM}/crud`)).status).toBe(200);
    expect((await call('DELETE', `${NS_CM}/applied`)).status).toBe(200);
    // Non-resource paths are relayed too (and counted as plain gets).
    expect((await call('GET', '/version')).json.major).toBeDefined();

    const s = proxy.stats();
    expect(s.requests).toBe(11);
    expect(s.writes).toBe(6);
    expect(s.byVerb).toEqual({ create: 1, get: 3, list: 2, update: 1, patch: 1, apply: 1, delete: 2 });
    expect(s.byVerbResource).toEqual({
      'create configmaps': 1,
      'get configmaps': 2,
      'list configmaps': 2,
      'update configmaps': 1,
      'patch configmaps': 1,
      'apply configmaps': 1,
      'delete configmaps': 2,
    });
    expect(s.byResource).toEqual({ configmaps: 10 });
    // Merge patch without fieldManager is attributed to the User-Agent's program name, as the apiserver does.
    expect(s.byFieldManager).toEqual({ tester: 2, applier: 1, 'fault-proxy-test': 1 });
    expect(s.byUserAgent).toEqual({ 'fault-proxy-test': 11 });
    expect(s.byStatusCode).toEqual({ '200': 7, '201': 2, '401': 1, '404': 1 });
    expect(s.watchesOpen).toBe(0);
    expect(s.objects).toBe(-1);
    expect(s.resourceVersion).toBe('');
  });

  it('relays a watch stream live and counts it as open until the client leaves', async () => {
    const rv = await listRv();
    const w = await watch(`${NS_CM}?watch=true&resourceVersion=${rv}`);
    expect(w.status).toBe(200);
    expect(proxy.stats().watchesOpen).toBe(1);
    expect((await call('POST', NS_CM, { body: configMap('watched') })).status).toBe(201);
    await waitFor(() => w.events.length >= 1, { what: 'ADDED event' });
    expect(w.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'watched' } } });
    expect((await call('DELETE', `${NS_CM}/watched`)).status).toBe(200);
    await waitFor(() => w.events.length >= 2, { what: 'DELETED event' });
    expect(w.events[1]).toMatchObject({ type: 'DELETED', object: { metadata: { name: 'watched' } } });
    expect(proxy.stats().byVerbResource['watch configmaps']).toBe(1);
    w.close();
    await waitFor(() => proxy.stats().watchesOpen === 0, { what: 'watch closed at the proxy' });
    // Closing the client side closes the upstream watch too.
    await waitFor(() => sim.stats().watchesOpen === 0, { what: 'upstream watch closed' });
  });

  it('adds latency to resource requests but not to /version', async () => {
    // A latency far above any scheduling noise of a loaded CI machine, so the two cases cannot overlap.
    proxy.faults.set({ latencyMs: 4000 });
    expect(proxy.faults.get().latencyMs).toBe(4000);
    const slow = await call('GET', NS_CM);
    expect(slow.status).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(3950);
    const fast = await call('GET', '/version');
    expect(fast.status).toBe(200);
    expect(fast.ms).toBeLessThan(3000);
  });

  it('injects 429 with Retry-After and a Status body; 503 and 500 likewise; never on discovery or health', async () => {
    proxy.faults.set({ errorRate: 1, errorStatus: 429, retryAfterSeconds: 7 });
    const r = await call('POST', NS_CM, { body: configMap('never') });
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('7');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Too many requests, please try again later.',
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 7 },
      code: 429,
    });
    proxy.faults.set({ errorStatus: 503 });
    const u = await call('GET', NS_CM);
    expect(u.status).toBe(503);
    expect(u.headers['retry-after']).toBe('7');
    expect(u.json).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    proxy.faults.set({ errorStatus: 500 });
    const i = await call('GET', NS_CM);
    expect(i.status).toBe(500);
    expect(i.headers['retry-after']).toBeUndefined();
    expect(i.json).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 });
    for (const p of ['/healthz', '/readyz', '/livez', '/version', '/api', '/apis', '/api/v1', '/openapi/v3'])
      expect((await call('GET', p)).status, p).toBe(200);
    // The faulted write never reached the server.
    expect((await call('GET', `${NS_CM}/never`, { upstream: true })).status).toBe(404);
    expect(proxy.stats().byStatusCode).toMatchObject({ '429': 1, '503': 1, '500': 1, '200': 8 });
  });

  it('restricts injected errors to errorVerbs and errorResources', async () => {
    proxy.faults.set({ errorRate: 1, errorVerbs: ['create'], errorResources: ['configmaps'] });
    expect((await call('POST', NS_CM, { body: configMap('restricted') })).status).toBe(503);
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'restricted' }, data: {} };
    expect((await call('POST', '/api/v1/namespaces/default/secrets', { body: secret })).status).toBe(201);
    expect((await call('GET', NS_CM)).status).toBe(200);
    proxy.faults.set({ errorVerbs: [], errorResources: ['secrets'] });
    expect((await call('GET', '/api/v1/namespaces/default/secrets/restricted')).status).toBe(503);
    expect((await call('POST', NS_CM, { body: configMap('restricted') })).status).toBe(201);
    proxy.faults.clear();
    expect(proxy.faults.get()).toEqual({
      latencyMs: 0,
      errorRate: 0,
      errorStatus: 503,
      retryAfterSeconds: 1,
      errorVerbs: [],
      errorResources: [],
    });
    expect((await call('DELETE', '/api/v1/namespaces/default/secrets/restricted')).status).toBe(200);
    expect((await call('DELETE', `${NS_CM}/restricted`)).status).toBe(200);
  });

  it('holds new requests and open watch streams while paused, and releases them on resume', async () => {
    const rv = await listRv();
    const w = await watch(`${NS_CM}?watch=true&resourceVersion=${rv}`);
    proxy.faults.pause();
    let settled = false;
    const pending = call('GET', NS_CM).then((r) => {
      settled = true;
      return r;
    });
    // A write straight to the server: its watch event must be held by the proxy.
    expect((await call('POST', NS_CM, { body: configMap('paused'), upstream: true })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 400));
    expect(settled).toBe(false);
    expect(w.events).toEqual([]);
    // Discovery and health are not paused.
    expect((await call('GET', '/healthz')).status).toBe(200);
    proxy.faults.resume();
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.ms).toBeGreaterThanOrEqual(400);
    await waitFor(() => w.events.length >= 1, { what: 'held event' });
    expect(w.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'paused' } } });
    // clear() also resumes.
    proxy.faults.pause();
    const again = call('GET', `${NS_CM}/paused`);
    await new Promise((res) => setTimeout(res, 100));
    proxy.faults.clear();
    expect((await again).status).toBe(200);
    w.close();
    expect((await call('DELETE', `${NS_CM}/paused`)).status).toBe(200);
  });

  it('ends watch streams cleanly or abruptly on dropWatches, closing the upstream watches too', async () => {
    const clean = await watch(`${NS_CM}?watch=true`);
    expect(clean.status).toBe(200);
    await waitFor(() => sim.stats().watchesOpen === 1, { what: 'upstream watch open' });
    proxy.faults.dropWatches();
    expect(await clean.done).toBe('end');
    expect(proxy.stats().watchesOpen).toBe(0);
    await waitFor(() => sim.stats().watchesOpen === 0, { what: 'upstream watch closed' });

    const abrupt = await watch(`${NS_CM}?watch=true`);
    expect(proxy.stats().watchesOpen).toBe(1);
    proxy.faults.dropWatches({ abrupt: true });
    expect(await abrupt.done).toBe('aborted');
    expect(proxy.stats().watchesOpen).toBe(0);
    await waitFor(() => sim.stats().watchesOpen === 0, { what: 'upstream watch closed' });
    // The proxy keeps serving afterwards.
    expect((await call('GET', NS_CM)).status).toBe(200);
  });

  it('compact(): drops watches, then a watch from an older resourceVersion gets the 410 ERROR event', async () => {
    const rv0 = await listRv();
    for (const n of ['c1', 'c2'])
      expect((await call('POST', NS_CM, { body: configMap(n) })).status).toBe(201);
    const w = await watch(`${NS_CM}?watch=true&resourceVersion=${rv0}`);
    await waitFor(() => w.events.length >= 2, { what: 'replayed events' });
    const page = await call('GET', `${NS_CM}?limit=1`);
    const token = page.json.metadata.continue as string;
    expect(token).toBeTruthy();
    const latest = w.events[1].object.metadata.resourceVersion as string;
    proxy.faults.compact();
    expect(await w.done).toBe('end');

    // timeoutSeconds only makes the upstream end the stream if the proxy wrongly relays it.
    const expired = await watch(`${NS_CM}?watch=true&resourceVersion=${rv0}&timeoutSeconds=5`);
    expect(expired.status).toBe(200);
    expect(await expired.done).toBe('end');
    expect(expired.events).toHaveLength(1);
    expect(expired.events[0]).toEqual({
      type: 'ERROR',
      object: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: expect.stringMatching(new RegExp(`^too old resource version: ${rv0} \\(\\d+\\)$`)),
        reason: 'Expired',
        code: 410,
      },
    });
    // The server itself was not compacted: the 410 is the proxy's.
    const direct = await call('GET', `${NS_CM}?watch=true&resourceVersion=${rv0}&timeoutSeconds=1`, {
      upstream: true,
    });
    expect(direct.text).toContain('"ADDED"');

    // A continue token issued before compact() is expired too.
    const cont = await call('GET', `${NS_CM}?limit=1&continue=${encodeURIComponent(token)}`);
    expect(cont.status).toBe(410);
    expect(cont.json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });

    // A caught-up client (re-watching from the newest resourceVersion seen) is still served, like etcd does.
    const fresh = await watch(`${NS_CM}?watch=true&resourceVersion=${latest}`);
    expect(fresh.status).toBe(200);
    expect((await call('DELETE', `${NS_CM}/c1`)).status).toBe(200);
    await waitFor(() => fresh.events.length >= 1, { what: 'event after compaction' });
    expect(fresh.events[0]).toMatchObject({ type: 'DELETED', object: { metadata: { name: 'c1' } } });
    fresh.close();
    expect((await call('DELETE', `${NS_CM}/c2`)).status).toBe(200);
  });

  it('validates set() like the simulator and keeps the previous faults on error', () => {
    proxy.faults.set({ latencyMs: 5 });
    expect(() => proxy.faults.set({ errorRate: 1.5 })).toThrow(
      new RangeError('errorRate must be between 0 and 1, got 1.5'),
    );
    expect(() => proxy.faults.set({ errorRate: -0.1 })).toThrow(RangeError);
    expect(() => proxy.faults.set({ errorStatus: 404 as 503 })).toThrow(
      new RangeError('errorStatus must be 500, 503 or 429, got 404'),
    );
    expect(() => proxy.faults.set({ latencyMs: -1 })).toThrow(
      new RangeError('latencyMs must be >= 0, got -1'),
    );
    expect(() => proxy.faults.set({ retryAfterSeconds: -1 })).toThrow(
      new RangeError('retryAfterSeconds must be >= 0'),
    );
    expect(() => proxy.faults.set({ errorVerbs: 'create' as unknown as string[] })).toThrow(
      new TypeError('errorVerbs and errorResources must be arrays'),
    );
    expect(proxy.faults.get()).toMatchObject({ latencyMs: 5, errorRate: 0, errorStatus: 503 });
  });

  it('answers upgrade requests (exec, port-forward) with 501', async () => {
    const r = await call('POST', '/api/v1/namespaces/default/pods/p/exec?command=sh', {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket' },
    });
    expect(r.status).toBe(501);
    expect(r.json).toMatchObject({ kind: 'Status', status: 'Failure', code: 501 });
    expect(proxy.stats().byVerbResource).toEqual({ 'create pods/exec': 1 });
  });

  it('carries kubectl (bearer token over TLS): server-side apply is counted by field manager', async () => {
    const kubeconfig = path.join(dir, 'proxy.yaml');
    await writeFile(
      kubeconfig,
      renderKubeconfig({
        server: proxy.url,
        token: TOKEN,
        certificateAuthorityData: proxyCa.toString('base64'),
      }),
    );
    await writeFile(path.join(dir, 'cm.json'), JSON.stringify(configMap('by-kubectl')));
    const out = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        'kubectl',
        ['--kubeconfig', kubeconfig, 'apply', '--server-side', '-f', path.join(dir, 'cm.json')],
        { env: { ...process.env, HOME: dir } },
        (err, _stdout, stderr) => resolve({ code: err ? 1 : 0, stderr }),
      ),
    );
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const s = proxy.stats();
    expect(s.byVerbResource['apply configmaps']).toBe(1);
    expect(s.byFieldManager.kubectl).toBe(1);
    expect(s.byUserAgent.kubectl).toBeGreaterThanOrEqual(1);
    expect((await call('GET', `${NS_CM}/by-kubectl`, { upstream: true })).json.data).toEqual({ a: '1' });
    expect((await call('DELETE', `${NS_CM}/by-kubectl`)).status).toBe(200);
  });
});
