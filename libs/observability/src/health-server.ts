import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { HealthRegistry, HealthReport } from './health-registry.js';
import { parseListenAddress, urlFor } from './listen-address.js';
import type { Logger } from './logger.js';
import { redactSecrets } from './redact.js';

export interface HealthServerOptions {
  /** host:port; port 0 picks a free port (see the returned url). */
  address: string;
  /** Default /metrics (the original tool's --metrics-endpoint). */
  metricsPath?: string;
  /** Default /status (the original tool's --status-endpoint). */
  statusPath?: string;
  registry: Registry;
  health: HealthRegistry;
  /** Extra fields of the status document (role, leader, per-resource counts). */
  status?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  logger: Logger;
}

export interface HealthServer {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  close(): Promise<void>;
}

function normalizePath(p: string, field: string): string {
  if (!p.startsWith('/') || /[\s?#]/.test(p)) {
    throw new Error(`invalid ${field} "${p}": must be an absolute URL path such as /metrics`);
  }
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

function send(res: http.ServerResponse, code: number, type: string, body: string, head: boolean): void {
  res.writeHead(code, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(body),
  });
  res.end(head ? undefined : body);
}

function sendJson(res: http.ServerResponse, code: number, value: unknown, head: boolean): void {
  send(res, code, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`, head);
}

/**
 * The per-process operations endpoint: `/healthz` (alias `/livez`) liveness, `/readyz` readiness with per-check
 * JSON detail (503 when not ready), the status document (`{"success": true, …}`) and Prometheus metrics.
 */
export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const { host, port } = parseListenAddress(opts.address, 'server.address');
  const metricsPath = normalizePath(opts.metricsPath ?? '/metrics', 'metrics endpoint');
  const statusPath = normalizePath(opts.statusPath ?? '/status', 'status endpoint');
  const log = opts.logger.child({ component: 'health-server' });

  const report = (res: http.ServerResponse, r: HealthReport, head: boolean): void =>
    sendJson(res, r.ok ? 200 : 503, { status: r.ok ? 'ok' : 'failing', checks: r.checks }, head);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const path = normalizePath(new URL(req.url ?? '/', 'http://localhost').pathname, 'request path');
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(res, 405, { error: `method ${req.method} not allowed` }, false);
      return;
    }
    if (path === metricsPath) {
      send(res, 200, opts.registry.contentType, await opts.registry.metrics(), head);
    } else if (path === '/healthz' || path === '/livez') {
      report(res, opts.health.liveness(), head);
    } else if (path === '/readyz') {
      report(res, opts.health.readiness(), head);
    } else if (path === statusPath) {
      const extra = opts.status ? await opts.status() : {};
      const readiness = opts.health.readiness();
      sendJson(res, 200, redactSecrets({ success: true, ready: readiness.ok, ...extra }), head);
    } else {
      sendJson(
        res,
        404,
        { error: `not found: ${path}`, endpoints: [metricsPath, '/healthz', '/readyz', statusPath] },
        head,
      );
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err, path: req.url }, 'operations endpoint failed');
      if (!res.headersSent)
        sendJson(res, 500, { success: false, error: (err as Error).message ?? String(err) }, false);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(`cannot listen on ${opts.address} (server.address): ${err.code ?? err.message}`, {
          cause: err,
        }),
      ),
    );
    server.listen({ host, port }, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const url = urlFor(host, bound.port);
  log.info({ url, metricsPath, statusPath }, 'operations endpoint listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeIdleConnections();
    });
    return closing;
  };
  return { url, close };
}
