import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RestClient } from './rest-client.js';

// A local HTTPS server with a self-signed certificate (made with openssl, as test/control-plane/pki.ts does)
// that counts TLS connections and remembers which client certificate each request came with.
let dir: string;
const pem: Record<'server' | 'clientA' | 'clientB', { cert: string; key: string }> = {} as never;

function selfSigned(name: string, cn: string, san?: string): { cert: string; key: string } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-subj',
      `/CN=${cn}`,
      '-days',
      '1',
      ...(san ? ['-addext', `subjectAltName=${san}`] : []),
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return {
    cert: fs.readFileSync(path.join(dir, `${name}.crt`), 'utf8'),
    key: fs.readFileSync(path.join(dir, `${name}.key`), 'utf8'),
  };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lostromos-rest-tls-'));
  pem.server = selfSigned('server', 'localhost', 'IP:127.0.0.1,DNS:localhost');
  pem.clientA = selfSigned('client-a', 'client-a');
  pem.clientB = selfSigned('client-b', 'client-b');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface TlsServer {
  url: string;
  /** TLS connections accepted so far. */
  connections: number;
  /** Connections open now, by the client certificate's CN. */
  open: Map<string, number>;
  /** Client certificate CN of each request, in order. */
  clients: string[];
  requests: number;
}

let server: https.Server | undefined;
async function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"kind":"ConfigMap"}');
  },
): Promise<TlsServer> {
  const state: TlsServer = { url: '', connections: 0, open: new Map(), clients: [], requests: 0 };
  const cnOf = (s: TLSSocket): string => String(s.getPeerCertificate().subject?.CN ?? '(none)');
  server = https.createServer(
    { ...pem.server, requestCert: true, rejectUnauthorized: false, keepAliveTimeout: 60_000 },
    (req, res) => {
      state.requests += 1;
      state.clients.push(cnOf(req.socket as TLSSocket));
      handle(req, res);
    },
  );
  server.on('secureConnection', (s: TLSSocket) => {
    state.connections += 1;
    const cn = cnOf(s);
    state.open.set(cn, (state.open.get(cn) ?? 0) + 1);
    s.once('close', () => state.open.set(cn, (state.open.get(cn) ?? 1) - 1));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  state.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function pool(n: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

describe('RestClient connections', () => {
  it('sends many requests over a few kept-alive TLS connections instead of one handshake each', async () => {
    const srv = await serve();
    // As client-node's applyToHTTPSOptions does: fresh buffers of the same material on every request.
    const c = new RestClient({
      server: srv.url,
      applyAuth: (o) => {
        o.ca = Buffer.from(pem.server.cert);
        o.headers = { ...o.headers, authorization: 'Bearer t' };
        return Promise.resolve();
      },
    });
    await pool(300, 8, () => c.request({ method: 'GET', path: '/api/v1/namespaces/d/configmaps/a' }));
    expect(srv.requests).toBe(300);
    // At most one connection per request in flight, never one per request.
    expect(srv.connections).toBeGreaterThan(0);
    expect(srv.connections).toBeLessThanOrEqual(8);
    expect(c.agentGeneration).toBe(1);
    c.close();
    await waitFor(() => (srv.open.get('(none)') ?? 0) === 0, 'close() to close the connections');
  });

  it('builds new connections with a rotated client certificate and retires the old ones', async () => {
    const srv = await serve();
    let current = pem.clientA;
    const c = new RestClient({
      server: srv.url,
      applyAuth: (o) => {
        o.ca = pem.server.cert;
        // An exec plugin's credentials arrive as strings, a kubeconfig's files as buffers: both work.
        o.cert = current.cert;
        o.key = Buffer.from(current.key);
        return Promise.resolve();
      },
    });
    await pool(40, 4, () => c.request({ method: 'GET', path: '/api' }));
    expect(new Set(srv.clients)).toEqual(new Set(['client-a']));
    expect(srv.open.get('client-a')).toBeGreaterThan(0);
    current = pem.clientB;
    srv.clients.length = 0;
    await pool(40, 4, () => c.request({ method: 'GET', path: '/api' }));
    expect(new Set(srv.clients)).toEqual(new Set(['client-b']));
    expect(c.agentGeneration).toBe(2);
    expect(srv.connections).toBeLessThanOrEqual(8);
    // The idle connections of the old certificate are closed, not left pooled.
    await waitFor(() => srv.open.get('client-a') === 0, 'the old certificate’s connections to close');
    c.close();
  });

  it('keeps watches on their own connections, so open watches never starve requests', async () => {
    const streams: Array<ServerResponse> = [];
    const srv = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url?.includes('watch=true')) {
        res.write('{"type":"ADDED","object":{}}\n');
        streams.push(res); // held open, as a watch is
      } else res.end('{}');
    });
    const c = new RestClient({
      server: srv.url,
      maxSockets: 2,
      applyAuth: (o) => {
        o.ca = pem.server.cert;
        return Promise.resolve();
      },
    });
    const watches = await Promise.all(
      Array.from({ length: 5 }, () =>
        c.stream({ method: 'GET', path: '/api/v1/configmaps', query: { watch: true } }),
      ),
    );
    expect(streams).toHaveLength(5);
    await pool(20, 4, () => c.request({ method: 'GET', path: '/api/v1/namespaces/d/configmaps/a' }));
    expect(srv.requests).toBe(25);
    // 5 watch connections + at most maxSockets (2) for the requests.
    expect(srv.connections).toBeLessThanOrEqual(7);
    const ended = watches.map((w) => new Promise((r) => w.once('close', r)));
    c.close();
    await Promise.all(ended);
    await waitFor(() => (srv.open.get('(none)') ?? 0) === 0, 'close() to end the watches');
  });

  it('sends a request again when the server had closed the pooled connection it was written on', async () => {
    let n = 0;
    const srv = await serve((req, res) => {
      n += 1;
      // The second request arrives on the kept-alive connection: drop it unanswered, as a server that timed
      // the idle connection out at that moment does.
      if (n === 2) {
        req.socket.destroy();
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{"kind":"Event"}');
    });
    const c = new RestClient({
      server: srv.url,
      maxRetries: 0,
      applyAuth: (o) => {
        o.ca = pem.server.cert;
        return Promise.resolve();
      },
    });
    const post = (): Promise<unknown> =>
      c.request({ method: 'POST', path: '/api/v1/namespaces/d/events', body: { kind: 'Event' } });
    await post();
    await expect(post()).resolves.toMatchObject({ status: 201 });
    expect(srv.requests).toBe(3);
    expect(srv.connections).toBe(2);
    c.close();
  });
});
