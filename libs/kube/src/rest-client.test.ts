import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeApiError } from './errors.js';
import { RestClient, type RequestRecord } from './rest-client.js';

// A scripted HTTP server: each request takes the next canned answer.
let server: http.Server | undefined;
async function serve(
  answers: Array<{ status: number; headers?: Record<string, string>; body?: unknown }>,
): Promise<{
  url: string;
  seen: Array<{ method: string; url: string; type: string | undefined; body: string }>;
}> {
  const seen: Array<{ method: string; url: string; type: string | undefined; body: string }> = [];
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', type: req.headers['content-type'], body });
      const a = answers.shift() ?? { status: 500 };
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(JSON.stringify(a.body ?? {}));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}
afterEach(async () => {
  await new Promise((r) => server?.close(r));
});

describe('RestClient', () => {
  it('retries 429 after Retry-After and counts every request', async () => {
    const { url, seen } = await serve([
      {
        status: 429,
        headers: { 'retry-after': '0.2' },
        body: { kind: 'Status', message: 'slow down', reason: 'TooManyRequests' },
      },
      { status: 200, body: { kind: 'ConfigMap', metadata: { name: 'a' } } },
    ]);
    const records: RequestRecord[] = [];
    const c = new RestClient({ server: url, onRequest: (r) => records.push(r) });
    const t0 = Date.now();
    const res = await c.request<{ metadata: { name: string } }>({
      method: 'GET',
      path: '/api/v1/namespaces/d/configmaps/a',
    });
    expect(res.body.metadata.name).toBe('a');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(seen).toHaveLength(2);
    expect(records.map((r) => r.code)).toEqual(['429', '200']);
    c.close();
  });

  it('does not retry a POST on 503 (not idempotent) and reports a retryable error', async () => {
    const { url, seen } = await serve([{ status: 503, body: { message: 'unavailable' } }]);
    const c = new RestClient({ server: url });
    const err = await c
      .request({ method: 'POST', path: '/api/v1/namespaces/d/events', body: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ status: 503, retryable: true, code: 'LZ_KUBE_TRANSIENT' });
    expect(seen).toHaveLength(1);
    c.close();
  });

  it('surfaces a long Retry-After to the caller instead of sleeping on it', async () => {
    const { url } = await serve([{ status: 429, headers: { 'retry-after': '60' } }]);
    const c = new RestClient({ server: url });
    const err = await c.request({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429, retryAfterMs: 60_000, retryable: true });
    c.close();
  });

  it('sends bodies with the given content type and reports 4xx as permanent with the server message', async () => {
    const { url, seen } = await serve([
      { status: 422, body: { kind: 'Status', message: 'spec.x: Invalid value', reason: 'Invalid' } },
    ]);
    const c = new RestClient({ server: url });
    const err = await c
      .request({
        method: 'PATCH',
        path: '/apis/g/v1/ks/a',
        query: { fieldManager: 'lostromos', force: true },
        body: '{"a":1}',
        contentType: 'application/apply-patch+yaml',
      })
      .catch((e: unknown) => e);
    expect(seen[0]).toMatchObject({
      method: 'PATCH',
      url: '/apis/g/v1/ks/a?fieldManager=lostromos&force=true',
      type: 'application/apply-patch+yaml',
      body: '{"a":1}',
    });
    expect(err).toMatchObject({ status: 422, retryable: false, reason: 'Invalid' });
    expect((err as Error).message).toContain('spec.x: Invalid value');
    c.close();
  });

  it('reports an unreachable server as a retryable error', async () => {
    const c = new RestClient({ server: 'http://127.0.0.1:1', maxRetries: 0 });
    const err = await c.request({ method: 'GET', path: '/api' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, retryable: true });
    c.close();
  });
});
