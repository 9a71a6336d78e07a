/**
 * A fault-injecting HTTPS reverse proxy for integration tests against a REAL kube-apiserver.
 *
 * A real apiserver cannot be told to answer 429s, stall, drop watches or compact etcd on cue, so tests put this
 * proxy between the client and the server and drive it through the same `KubeSimFaults` surface the in-memory
 * simulator offers (libs/kube-sim: fault-injector.ts, request-stats.ts). A test written against the sim's
 * faults can therefore run unchanged against a real cluster.
 *
 * Semantics mirrored from the sim:
 * - Only resource requests (/api/v1/..., /apis/g/v/...) are paused, delayed and faulted. Discovery roots,
 *   /version, /healthz, /livez, /readyz, /openapi and unknown paths are always proxied untouched, so clients
 *   can still discover the API while a test injects errors.
 * - `pause()` makes new resource requests wait and holds the data of open watch streams until `resume()`;
 *   requests already being answered finish. `clear()` clears the faults and resumes.
 * - Injected errors are real `metav1.Status` bodies (the sim's own constructors), with `Retry-After` on 429/503.
 *
 * The proxy never logs: requests carry bearer tokens and Secrets pass through it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import {
  FaultInjector,
  RequestStats,
  statusErrors,
  type ApiError,
  type KubeSimFaults,
  type SimStats,
} from '@lostromos/kube-sim';

export interface FaultProxyOptions {
  /** Upstream API server, e.g. https://127.0.0.1:6443 */
  target: string;
  /** PEM CA bundle to trust the upstream's serving certificate. */
  targetCa: string | Buffer;
  /** PEM key + cert the proxy serves with (kubectl only sends bearer tokens over TLS). */
  tls: { key: string | Buffer; cert: string | Buffer };
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (the OS picks a free port). */
  port?: number;
  /** Decides `errorRate` faults; default Math.random. */
  random?: () => number;
}

export interface FaultProxy {
  url: string;
  port: number;
  faults: KubeSimFaults;
  /**
   * compact() at a resourceVersion known to be current (e.g. of a write just made directly to the server):
   * every watch from an older one gets 410, while a relist (which returns a newer one) is served normally.
   */
  compactAt(resourceVersion: string): void;
  /**
   * Counters of the requests that passed through the proxy. `objects` is -1 and `resourceVersion` '' because a
   * proxy cannot know the server's object count or current resourceVersion (it only sees what clients ask for).
   */
  stats(): SimStats;
  resetStats(): void;
  stop(): Promise<void>;
}

/** Bodies larger than this are relayed without being parsed for resourceVersions (and lines of a watch stream). */
const MAX_SNIFF_BYTES = 16 * 1024 * 1024;
/** How many continue tokens are remembered so compact() can expire the ones issued before it. */
const MAX_CONTINUE_TOKENS = 10_000;

/**
 * Connection-scoped (hop-by-hop) headers (RFC 9110 §7.6.1): they describe the client↔proxy or proxy↔server
 * connection, not the request, so a proxy must not forward them. Node frames bodies on each leg itself, and
 * its server has already answered `Expect: 100-continue` for the client's leg.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'apply', 'delete', 'deletecollection']);

function isTrue(v: string | null): boolean {
  return v === 'true' || v === '1';
}

/** What a request is, derived the way kube-sim's request-route.ts and api-server.ts derive it. */
interface Classified {
  /** A resource request (faultable); false for discovery, health, version, openapi and unknown paths. */
  resource: boolean;
  verb: string;
  /** The plural resource ('' for non-resource requests). */
  plural: string;
  /** `plural` or `plural/subresource`, the key of byResource and byVerbResource. */
  label: string;
  params: URLSearchParams;
}

function decodeSegment(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function resourcePath(
  pathname: string,
): { plural: string; name: string; subresource: string; watchPath: boolean } | undefined {
  const segs = pathname
    .split('/')
    .filter((s) => s.length > 0)
    .map(decodeSegment);
  let group: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length > 2) {
    group = '';
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length > 3) {
    group = segs[1]!;
    rest = segs.slice(3);
  } else return undefined;
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  // /namespaces/{ns}/{plural}/... addresses namespaced resources; core /namespaces/{name}/status|finalize the
  // namespace itself.
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    !(group === '' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))
  )
    rest = rest.slice(2);
  if (rest.length === 0 || rest.length > 3) return undefined;
  return { plural: rest[0]!, name: rest[1] ?? '', subresource: rest[2] ?? '', watchPath };
}

function classify(method: string, rawUrl: string, contentType: string): Classified {
  const q = rawUrl.indexOf('?');
  const pathname = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  const route = resourcePath(pathname);
  const watch = route !== undefined && (route.watchPath || isTrue(params.get('watch')));
  const named = route === undefined || route.name !== '';
  let verb: string;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = watch ? 'watch' : named ? 'get' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      // application/apply-patch+yaml (and the newer +cbor) is server-side apply.
      verb = contentType.startsWith('application/apply-patch') ? 'apply' : 'patch';
      break;
    case 'DELETE':
      verb = named ? 'delete' : 'deletecollection';
      break;
    default:
      verb = method.toLowerCase();
  }
  if (!route) return { resource: false, verb, plural: '', label: '', params };
  const label = route.subresource ? `${route.plural}/${route.subresource}` : route.plural;
  return { resource: true, verb, plural: route.plural, label, params };
}

/**
 * The field manager the apiserver (and the sim) attributes a write to: apply names its manager explicitly; other
 * writes default to the User-Agent's program name. Deletes and reads manage no fields.
 */
function fieldManagerOf(c: Classified, userAgent: string): string | undefined {
  if (!c.resource || !WRITE_VERBS.has(c.verb) || c.verb === 'delete' || c.verb === 'deletecollection')
    return undefined;
  const fm = c.params.get('fieldManager') ?? '';
  return (c.verb === 'apply' ? fm : fm || userAgent.split('/')[0]!.slice(0, 128) || 'unknown') || undefined;
}

const DIGITS = /^\d+$/;

/**
 * The compaction model. A proxy cannot compact etcd, so it emulates what clients observe afterwards:
 *
 * - It tracks the highest `metadata.resourceVersion` it has relayed (from JSON list/object bodies and from every
 *   event of JSON watch streams). resourceVersions are opaque to clients but are etcd revisions in practice,
 *   so they compare as integers; non-numeric ones are ignored.
 * - `compact()` records that high-water mark H, as if etcd had compacted at H. Like the sim's WatchHub (and
 *   etcd, which keeps revision H itself), a watch from resourceVersion rv < H is expired. rv == H is still
 *   served: a caught-up client re-watching from H must succeed, otherwise an informer whose relist returns H
 *   again (no writes since) would loop on 410 forever.
 * - Continue tokens relayed before compact() are expired, as are tokens (of the apiserver's base64 JSON format)
 *   whose rv is below H; a list with `resourceVersionMatch=Exact` below H is expired too.
 * - Writes the proxy never saw may have moved the server beyond H; those resourceVersions are simply not
 *   treated as compacted (the proxy only expires what it knows to be old). Only JSON traffic is read:
 *   protobuf lists and watches are relayed but teach the proxy nothing.
 */
class Compaction {
  private highest: bigint | undefined;
  private watermark: bigint | undefined;
  private readonly recentTokens = new Set<string>();
  private readonly expiredTokens = new Set<string>();

  observe(rv: unknown): void {
    if (typeof rv !== 'string' || !DIGITS.test(rv)) return;
    const n = BigInt(rv);
    if (this.highest === undefined || n > this.highest) this.highest = n;
  }

  observeContinue(token: unknown): void {
    if (typeof token !== 'string' || token === '') return;
    this.recentTokens.add(token);
    if (this.recentTokens.size > MAX_CONTINUE_TOKENS) {
      const oldest = this.recentTokens.values().next().value;
      if (oldest !== undefined) this.recentTokens.delete(oldest);
    }
  }

  /** `at`: a resourceVersion known to be current (e.g. of a write made just now), beyond what was relayed. */
  compact(at?: bigint): void {
    const mark = at !== undefined && (this.highest === undefined || at > this.highest) ? at : this.highest;
    if (mark !== undefined && (this.watermark === undefined || mark > this.watermark)) this.watermark = mark;
    for (const t of this.recentTokens) this.expiredTokens.add(t);
    this.recentTokens.clear();
  }

  /** The apiserver's message for a compacted resourceVersion, or undefined while `rv` is still served. */
  tooOld(rv: string | null): string | undefined {
    if (this.watermark === undefined || rv === null || rv === '' || rv === '0' || !DIGITS.test(rv))
      return undefined;
    if (BigInt(rv) >= this.watermark) return undefined;
    return `too old resource version: ${rv} (${String(this.watermark + 1n)})`;
  }

  continueExpired(token: string): boolean {
    if (this.expiredTokens.has(token)) return true;
    if (this.watermark === undefined) return false;
    try {
      const raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { rv?: unknown };
      return typeof raw.rv === 'number' && BigInt(raw.rv) < this.watermark;
    } catch {
      return false;
    }
  }
}

/** Feeds every complete line of a JSON watch stream to `onLine`, without holding the stream up. */
class LineSplitter {
  private partial: Buffer[] = [];
  private size = 0;
  private disabled = false;

  constructor(private readonly onLine: (line: Buffer) => void) {}

  push(chunk: Buffer): void {
    if (this.disabled) return;
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      const line = this.partial.length > 0 ? Buffer.concat([...this.partial, piece]) : piece;
      this.partial = [];
      this.size = 0;
      this.onLine(line);
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.partial.push(chunk.subarray(start));
      this.size += chunk.length - start;
      // An event this large is not worth parsing; stop sniffing this stream rather than hoard memory.
      if (this.size > MAX_SNIFF_BYTES) {
        this.disabled = true;
        this.partial = [];
      }
    }
  }
}

function metadataOf(v: unknown): Record<string, unknown> | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const md = (v as { metadata?: unknown }).metadata;
  return typeof md === 'object' && md !== null ? (md as Record<string, unknown>) : undefined;
}

function isJson(res: IncomingMessage): boolean {
  const ct = (res.headers['content-type'] ?? '').toLowerCase();
  return ct.startsWith('application/json');
}

function statusBody(err: ApiError): Buffer {
  return Buffer.from(JSON.stringify(err.toStatus()));
}

/** One open watch stream relayed to a client. */
interface WatchRelay {
  /** Upstream data that arrived while paused, delivered on resume. */
  held: Buffer[];
  /** The upstream ended the stream while paused: end it after the held data. */
  upstreamEnded: boolean;
  deliver(chunk: Buffer): void;
  finish(abrupt: boolean): void;
}

/** Starts the proxy; resolves once it listens. */
export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  if (target.protocol !== 'https:')
    throw new Error(`fault-proxy: target must be https, got ${target.protocol}`);
  const targetPort = target.port ? Number(target.port) : 443;
  const pathPrefix = target.pathname.replace(/\/+$/, '');
  const host = opts.host ?? '127.0.0.1';
  // The sim's own fault and statistics machinery: the same validation, pause semantics and counters.
  const faults = new FaultInjector(opts.random ?? Math.random);
  const stats = new RequestStats();
  const record = (c: Classified, userAgent: string): void => {
    const fieldManager = fieldManagerOf(c, userAgent);
    stats.record({
      verb: c.verb,
      resource: c.label,
      ...(fieldManager ? { fieldManager } : {}),
      userAgent: userAgent.split('/')[0]!,
    });
  };
  const compaction = new Compaction();
  const relays = new Set<WatchRelay>();
  // Informers keep a watch per resource open, and every watch pins a socket: allow plenty.
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 64, ca: opts.targetCa });
  let stopped = false;

  const sendError = (res: ServerResponse, err: ApiError): void => {
    stats.recordStatus(err.code);
    const body = statusBody(err);
    res.writeHead(err.code, {
      'Content-Type': 'application/json',
      'Content-Length': body.length,
      ...err.headers,
    });
    res.end(body);
  };

  /** What the apiserver streams for a watch from a compacted resourceVersion: 200, one ERROR event, end. */
  const sendWatchExpired = (res: ServerResponse, message: string): void => {
    stats.recordStatus(200);
    const event = `{"type":"ERROR","object":${JSON.stringify(statusErrors.gone(message).toStatus())}}\n`;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.end(event);
  };

  const forwardHeaders = (rawHeaders: string[]): string[] => {
    const out: string[] = [];
    const connectionTokens = new Set<string>();
    for (let i = 0; i + 1 < rawHeaders.length; i += 2)
      if (rawHeaders[i]!.toLowerCase() === 'connection')
        for (const t of rawHeaders[i + 1]!.split(',')) connectionTokens.add(t.trim().toLowerCase());
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toLowerCase();
      if (name === 'host' || HOP_BY_HOP.has(name) || connectionTokens.has(name)) continue;
      out.push(rawHeaders[i]!, rawHeaders[i + 1]!);
    }
    return out;
  };

  const relayPlain = (upRes: IncomingMessage, res: ServerResponse): void => {
    // Parse JSON bodies (lists and single objects) for resourceVersions and continue tokens; the bytes are
    // relayed as they arrive regardless.
    const encoding = (upRes.headers['content-encoding'] ?? '').toLowerCase();
    const declared = Number(upRes.headers['content-length'] ?? 0);
    let sniff: Buffer[] | undefined =
      isJson(upRes) && (encoding === '' || encoding === 'gzip') && declared <= MAX_SNIFF_BYTES
        ? []
        : undefined;
    let sniffed = 0;
    upRes.on('data', (chunk: Buffer) => {
      if (sniff) {
        sniffed += chunk.length;
        if (sniffed > MAX_SNIFF_BYTES) sniff = undefined;
        else sniff.push(chunk);
      }
      if (!res.write(chunk)) {
        upRes.pause();
        res.once('drain', () => upRes.resume());
      }
    });
    upRes.on('end', () => {
      // Synchronously before the client sees the end, so compact() right after a response covers it.
      if (sniff && upRes.statusCode !== undefined && upRes.statusCode < 300) {
        try {
          const raw = Buffer.concat(sniff);
          const parsed: unknown = JSON.parse((encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'));
          const md = metadataOf(parsed);
          compaction.observe(md?.resourceVersion);
          compaction.observeContinue(md?.continue);
        } catch {
          // Not JSON after all (or truncated): nothing to learn from it.
        }
      }
      res.end();
    });
  };

  const relayWatch = (upRes: IncomingMessage, res: ServerResponse, abortUpstream: () => void): void => {
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    const splitter = isJson(upRes)
      ? new LineSplitter((line) => {
          try {
            const ev = JSON.parse(line.toString('utf8')) as { object?: unknown };
            compaction.observe(metadataOf(ev.object)?.resourceVersion);
          } catch {
            // A line that is not an event: ignore.
          }
        })
      : undefined;
    let closed = false;
    const relay: WatchRelay = {
      held: [],
      upstreamEnded: false,
      deliver: (chunk) => {
        if (closed) return;
        splitter?.push(chunk);
        if (!res.write(chunk)) {
          upRes.pause();
          res.once('drain', () => upRes.resume());
        }
      },
      finish: (abrupt) => {
        if (closed) return;
        closed = true;
        relays.delete(relay);
        relay.held = [];
        if (abrupt) res.destroy();
        else if (!res.writableEnded && !res.destroyed) res.end();
        if (!upRes.complete) abortUpstream();
      },
    };
    relays.add(relay);
    upRes.on('data', (chunk: Buffer) => {
      if (closed) return;
      if (faults.paused) relay.held.push(chunk);
      else relay.deliver(chunk);
    });
    upRes.on('end', () => {
      if (faults.paused) relay.upstreamEnded = true;
      else relay.finish(false);
    });
    // The upstream connection broke mid-stream: pass the break on rather than pretend a clean end.
    upRes.on('close', () => {
      if (!upRes.complete) relay.finish(true);
    });
    res.on('close', () => relay.finish(false));
  };

  const forward = (req: IncomingMessage, res: ServerResponse, c: Classified, rawUrl: string): void => {
    const upReq = https.request({
      agent,
      ca: opts.targetCa,
      hostname: target.hostname.replace(/^\[|\]$/g, ''),
      port: targetPort,
      method: req.method,
      path: pathPrefix + rawUrl,
      headers: [...forwardHeaders(req.rawHeaders), 'Host', target.host],
    });
    let responded = false;
    upReq.on('response', (upRes) => {
      responded = true;
      // Errors of a response surface as its 'close' without `complete`; the listener keeps them from throwing.
      upRes.on('error', () => undefined);
      const status = upRes.statusCode ?? 502;
      stats.recordStatus(status);
      const headers: string[] = [];
      for (let i = 0; i + 1 < upRes.rawHeaders.length; i += 2)
        if (!HOP_BY_HOP.has(upRes.rawHeaders[i]!.toLowerCase()))
          headers.push(upRes.rawHeaders[i]!, upRes.rawHeaders[i + 1]!);
      res.writeHead(status, upRes.statusMessage, headers);
      if (c.verb === 'watch' && status === 200) relayWatch(upRes, res, () => upReq.destroy());
      else {
        relayPlain(upRes, res);
        upRes.on('close', () => {
          if (!upRes.complete) res.destroy();
        });
      }
    });
    upReq.on('error', (err) => {
      // Once a response is being relayed, its own 'close' handling decides how the client's stream ends (an
      // aborted watch from dropWatches() must still end cleanly).
      if (responded) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // Only the error's code/message: never headers or bodies, which may carry tokens or Secrets.
      const e = statusErrors.internal(`fault-proxy: upstream request failed: ${err.message}`);
      stats.recordStatus(502);
      const body = Buffer.from(JSON.stringify({ ...e.toStatus(), code: 502 }));
      res.writeHead(502, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
    });
    // A client that goes away takes its upstream request (a watch, typically) with it.
    res.on('close', () => {
      if (!res.writableFinished) upReq.destroy();
    });
    req.on('error', () => upReq.destroy());
    req.pipe(upReq);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const c = classify(req.method ?? 'GET', rawUrl, contentType);
    record(c, req.headers['user-agent'] ?? '');
    if (!c.resource) return forward(req, res, c, rawUrl);
    if (faults.active) {
      let gone = false;
      const onClose = (): void => {
        gone = true;
      };
      res.once('close', onClose);
      const injected = await faults.before(c.verb, c.plural, c.label.split('/')[1]);
      res.off('close', onClose);
      if (gone) return;
      if (stopped) {
        res.destroy();
        return;
      }
      if (injected) {
        req.resume();
        return sendError(res, injected);
      }
    }
    const p = c.params;
    if (c.verb === 'watch' && !isTrue(p.get('sendInitialEvents'))) {
      const tooOld = compaction.tooOld(p.get('resourceVersion'));
      if (tooOld) {
        req.resume();
        return sendWatchExpired(res, tooOld);
      }
    }
    if (c.verb === 'list') {
      const token = p.get('continue');
      if (token && compaction.continueExpired(token)) {
        req.resume();
        // The apiserver's text for a compacted continue token.
        return sendError(
          res,
          statusErrors.gone(
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
          ),
        );
      }
      const tooOld =
        p.get('resourceVersionMatch') === 'Exact' ? compaction.tooOld(p.get('resourceVersion')) : undefined;
      if (tooOld) {
        req.resume();
        return sendError(res, statusErrors.gone(tooOld));
      }
    }
    forward(req, res, c, rawUrl);
  };

  const server = https.createServer(
    {
      key: opts.tls.key,
      cert: opts.tls.cert,
      keepAliveTimeout: 30_000,
      // Watches are long-lived: no overall request timeout.
      requestTimeout: 0,
      headersTimeout: 60_000,
    },
    (req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) {
          stats.recordStatus(500);
          res.writeHead(500);
        }
        res.end();
      });
    },
  );
  // exec/attach/port-forward upgrade the connection (SPDY, WebSocket); relaying those is out of scope.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    const c = classify(req.method ?? 'GET', req.url ?? '/', '');
    record(c, req.headers['user-agent'] ?? '');
    stats.recordStatus(501);
    const body = JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'fault-proxy does not relay upgraded connections (exec, attach, port-forward)',
      code: 501,
    });
    socket.on('error', () => socket.destroy());
    socket.end(
      `HTTP/1.1 501 Not Implemented\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const dropWatches = (o?: { abrupt?: boolean }): void => {
    for (const r of [...relays]) r.finish(o?.abrupt ?? false);
  };
  const resume = (): void => {
    faults.resume();
    for (const r of [...relays]) {
      const held = r.held;
      r.held = [];
      if (held.length > 0) r.deliver(held.length === 1 ? held[0]! : Buffer.concat(held));
      if (r.upstreamEnded) r.finish(false);
    }
  };
  const controls: KubeSimFaults = {
    set: (f) => faults.set(f),
    clear: () => {
      faults.clear();
      resume();
    },
    dropWatches,
    compact: () => compactAt(undefined),
    pause: () => faults.pause(),
    resume,
    get: () => faults.current,
  };
  function compactAt(rv: string | undefined): void {
    compaction.compact(rv !== undefined && DIGITS.test(rv) ? BigInt(rv) : undefined);
    // Informers reconnect from their last resourceVersion, which is what meets the 410.
    dropWatches();
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    faults: controls,
    compactAt,
    // Unknowable through a proxy: the object count and the server's current resourceVersion.
    stats: () => stats.snapshot({ watchesOpen: relays.size, objects: -1, resourceVersion: '' }),
    resetStats: () => stats.reset(),
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        faults.resume();
        dropWatches();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        agent.destroy();
      })()),
  };
}
