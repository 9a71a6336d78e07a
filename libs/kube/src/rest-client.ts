import http from 'node:http';
import https from 'node:https';
import { backoffDelay, parseRetryAfter, sleep } from './backoff.js';
import { KubeApiError } from './errors.js';
import { KeepAliveAgents, tlsMaterialOf } from './keep-alive-agents.js';
import { TokenBucket } from './token-bucket.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RestRequest {
  method: HttpMethod;
  /** Absolute API path, e.g. /api/v1/namespaces/default/configmaps/x */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Default application/json for bodies. */
  contentType?: string;
  /**
   * The Accept header (default application/json): e.g. a metadata-only list or watch
   * (`application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`, see informer.ts).
   */
  accept?: string;
  signal?: AbortSignal;
  /** Whole-request timeout (default 30 s; watches pass their own). */
  timeoutMs?: number;
  /** Metrics verb (get, list, watch, apply, …); default from the method. */
  verb?: string;
}

export interface RestResponse<T> {
  status: number;
  body: T;
  headers: http.IncomingHttpHeaders;
}

/** One finished request, for rest_client_requests_total / rest_client_request_duration_seconds. */
export interface RequestRecord {
  method: HttpMethod;
  verb: string;
  /** HTTP status as a string, or "<error>" when no response arrived. */
  code: string;
  seconds: number;
}

export interface RestClientOptions {
  /** Base URL of the API server, e.g. https://10.0.0.1:443 */
  server: string;
  /**
   * Adds credentials and TLS material (ca, cert, key, servername, rejectUnauthorized) to a request. The client
   * sends it over its own keep-alive connections built from that material, rebuilt when the material changes.
   * Setting `opts.agent` sends it through that agent instead (e.g. an HTTP or SOCKS proxy agent).
   */
  applyAuth?: (opts: https.RequestOptions) => Promise<void>;
  /** Connections at once for ordinary requests (default 64); watches have their own, unbounded, pool. */
  maxSockets?: number;
  /**
   * Client-side limit: `qps` requests/s with bursts of `burst`. 0 or unset = no client-side limit (the default,
   * as controller-runtime >= 0.21): the API server's Priority and Fairness answers 429 + Retry-After, which
   * request() honours, and the caller's concurrency bounds what is in flight (docs/performance.md).
   */
  qps?: number;
  burst?: number;
  /** In-client retries of 429 (any request) and 5xx/connection errors (idempotent requests). Default 3. */
  maxRetries?: number;
  /** Longest Retry-After honoured in-client; longer ones are surfaced to the caller (default 10 s). */
  maxRetryAfterMs?: number;
  onRequest?: (r: RequestRecord) => void;
  now?: () => number;
  random?: () => number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

function defaultVerb(method: HttpMethod): string {
  return { GET: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }[method];
}

function errorMessage(body: unknown, fallback: string): { message: string; reason?: string } {
  if (typeof body === 'object' && body !== null) {
    const b = body as { message?: unknown; reason?: unknown };
    return {
      message: typeof b.message === 'string' && b.message ? b.message : fallback,
      ...(typeof b.reason === 'string' ? { reason: b.reason } : {}),
    };
  }
  if (typeof body === 'string' && body.trim()) return { message: body.trim().slice(0, 500) };
  return { message: fallback };
}

/**
 * A small Kubernetes REST client over node:http(s): JSON in and out, a client-side QPS/burst limiter, in-client
 * retries of 429 (honouring Retry-After) and of 5xx/connection errors for idempotent requests, a timeout, an
 * AbortSignal and a per-request metrics callback. Errors are {@link KubeApiError}s marked retryable or not.
 */
export class RestClient {
  readonly server: URL;
  /** The client-side limiter's settings (requests per second, requests at once). */
  readonly rateLimit: { readonly qps: number; readonly burst: number };
  private readonly limiter: TokenBucket | undefined;
  private readonly opts: Required<Pick<RestClientOptions, 'maxRetries' | 'maxRetryAfterMs'>> &
    RestClientOptions;
  private readonly agents: KeepAliveAgents;

  constructor(opts: RestClientOptions) {
    this.server = new URL(opts.server);
    this.opts = { maxRetries: 3, maxRetryAfterMs: 10_000, ...opts };
    this.rateLimit = { qps: opts.qps ?? 0, burst: opts.burst ?? 200 };
    this.limiter =
      this.rateLimit.qps > 0
        ? new TokenBucket(this.rateLimit.qps, this.rateLimit.burst, opts.now ? { now: opts.now } : {})
        : undefined;
    this.agents = new KeepAliveAgents(this.server.protocol, {
      ...(opts.maxSockets !== undefined ? { maxSockets: opts.maxSockets } : {}),
    });
  }

  /** How many times the client built its connection pools: 1, plus one per change of TLS material. */
  get agentGeneration(): number {
    return this.agents.generation;
  }

  /** Sends a request and parses the JSON answer; throws KubeApiError for non-2xx answers and transport errors. */
  async request<T = unknown>(req: RestRequest): Promise<RestResponse<T>> {
    const idempotent = req.method !== 'POST';
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.once(req);
        const body = await readBody(res, req.signal);
        if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) {
          return { status: res.statusCode, body: body as T, headers: res.headers };
        }
        throw this.httpError(req, res, body);
      } catch (err) {
        if (!(err instanceof KubeApiError) || req.signal?.aborted) throw err;
        const retryable = err.status === 429 || (idempotent && err.retryable && err.status !== 409);
        if (!retryable || attempt > this.opts.maxRetries) throw err;
        if (err.retryAfterMs !== undefined && err.retryAfterMs > this.opts.maxRetryAfterMs) throw err;
        const delay =
          err.retryAfterMs ??
          backoffDelay(attempt, { initialMs: 200, maxMs: 5000, random: this.opts.random });
        await sleep(delay, req.signal);
      }
    }
  }

  /** Opens a streaming GET (watch); the caller consumes the body. Non-2xx answers throw KubeApiError. */
  async stream(req: RestRequest): Promise<http.IncomingMessage> {
    const res = await this.once({ ...req, timeoutMs: req.timeoutMs ?? 0 }, 'stream');
    if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) return res;
    const body = await readBody(res, req.signal);
    throw this.httpError(req, res, body);
  }

  private httpError(req: RestRequest, res: http.IncomingMessage, body: unknown): KubeApiError {
    const status = res.statusCode ?? 0;
    const { message, reason } = errorMessage(body, res.statusMessage ?? 'request failed');
    const raw: unknown = res.headers['retry-after'];
    const header = Array.isArray(raw) ? String(raw[0]) : typeof raw === 'string' ? raw : undefined;
    const retryAfterMs = parseRetryAfter(header, (this.opts.now ?? Date.now)());
    return new KubeApiError({
      status,
      verb: req.method,
      path: req.path,
      message,
      ...(reason !== undefined ? { reason } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }

  private url(req: RestRequest): URL {
    const url = new URL(req.path, this.server);
    // Keep a path prefix of the server URL (e.g. a proxy mounting the API under /k8s).
    if (this.server.pathname !== '/' && this.server.pathname !== '') {
      url.pathname = `${this.server.pathname.replace(/\/$/, '')}${req.path}`;
    }
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    }
    return url;
  }

  private async once(req: RestRequest, use: 'request' | 'stream' = 'request'): Promise<http.IncomingMessage> {
    const wait = this.limiter?.reserve() ?? 0;
    if (wait > 0) await sleep(wait, req.signal);
    const url = this.url(req);
    const options: https.RequestOptions = {
      method: req.method,
      headers: { accept: req.accept ?? 'application/json' },
    };
    await this.opts.applyAuth?.(options);
    // One keep-alive pool per TLS material instead of a TLS handshake per request (docs/performance.md).
    options.agent ??= this.agents.agentFor(use, tlsMaterialOf(options));
    let payload: Buffer | undefined;
    if (req.body !== undefined) {
      payload = Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
      options.headers = {
        ...options.headers,
        'content-type': req.contentType ?? 'application/json',
        'content-length': String(payload.length),
      };
    }
    try {
      return await this.send(req, url, options, payload);
    } catch (err) {
      // The server closed an idle pooled connection just as we reused it: the request never reached it, so
      // sending it again on another connection is safe for every method (Node's documented remedy).
      if (!(err instanceof StaleConnectionError)) throw err;
      return this.send(req, url, options, payload);
    }
  }

  private send(
    req: RestRequest,
    url: URL,
    options: https.RequestOptions,
    payload: Buffer | undefined,
  ): Promise<http.IncomingMessage> {
    const verb = req.verb ?? defaultVerb(req.method);
    const started = performance.now();
    const record = (code: string): void =>
      this.opts.onRequest?.({
        method: req.method,
        verb,
        code,
        seconds: (performance.now() - started) / 1000,
      });
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<http.IncomingMessage>((resolve, reject) => {
      const mod = url.protocol === 'https:' ? https : http;
      const r = mod.request(url, options, (res) => {
        record(String(res.statusCode ?? 0));
        resolve(res);
      });
      const fail = (message: string, cause?: unknown): void => {
        record('<error>');
        reject(new KubeApiError({ status: 0, verb: req.method, path: req.path, message, cause }));
      };
      r.on('error', (err: NodeJS.ErrnoException) => {
        if (req.signal?.aborted) reject(req.signal.reason instanceof Error ? req.signal.reason : err);
        else if (r.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
          record('<error>');
          reject(new StaleConnectionError(req, err));
        } else fail(`connection failed: ${err.message}`, err);
      });
      if (timeoutMs > 0) {
        r.setTimeout(timeoutMs, () => {
          r.destroy(new Error(`timed out after ${timeoutMs}ms`));
        });
      }
      if (req.signal) {
        const onAbort = (): void => {
          r.destroy(req.signal?.reason instanceof Error ? req.signal.reason : new Error('aborted'));
        };
        if (req.signal.aborted) onAbort();
        else req.signal.addEventListener('abort', onAbort, { once: true });
        r.once('close', () => req.signal?.removeEventListener('abort', onAbort));
      }
      r.end(payload);
    });
  }

  /** Closes every connection of the client, open watches included. */
  close(): void {
    this.agents.destroy();
  }
}

/**
 * A reused keep-alive connection was already closed by the server when the request was written on it. Retried
 * once at once; if it escapes, it is the retryable connection failure it would have been without the pool.
 */
class StaleConnectionError extends KubeApiError {
  constructor(req: RestRequest, cause: NodeJS.ErrnoException) {
    super({
      status: 0,
      verb: req.method,
      path: req.path,
      message: `connection failed: pooled connection closed by the server (${cause.code ?? cause.message})`,
      cause,
    });
  }
}

async function readBody(res: http.IncomingMessage, signal?: AbortSignal): Promise<unknown> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of res) chunks.push(chunk as Buffer);
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new KubeApiError({
      status: 0,
      verb: 'READ',
      path: res.url ?? '',
      message: `response interrupted: ${(err as Error).message}`,
      cause: err,
    });
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = String(res.headers['content-type'] ?? '');
  if (type.includes('json') || text.startsWith('{') || text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}
