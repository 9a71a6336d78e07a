/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- suites read untyped JSON API responses */
// Small raw-HTTP helpers for the conformance suites: every request goes over real HTTP(S) to a substrate, the
// simulator or the real kube-apiserver (through the fault proxy), with the substrate's admin token and CA.
import http from 'node:http';
import https from 'node:https';
import type { KubeSim } from '@lostromos/kube-sim';
import type { Substrate, SubstrateKind } from '../support/substrate.js';

/**
 * What the helpers need of a substrate: where it is, how to trust it and who to be. A bare simulator
 * (`startKubeSim`, plain HTTP, no auth) works too, for the simulator-only suites.
 */
export type Target = Pick<Substrate, 'url' | 'adminToken' | 'caPem' | 'fetch'> | Pick<KubeSim, 'url'>;

const adminTokenOf = (t: Target): string | undefined => ('adminToken' in t ? t.adminToken : undefined);

/**
 * The substrates every conformance suite runs on, in this order: the real control plane first (it is the
 * reference), then the simulator. `KUBE_SIM_SUBSTRATES=sim` (or `real`) narrows it for a quick local run;
 * `npm test` runs both. (Not a LOSTROMOS_ variable: the lostromos CLI refuses unknown ones, and some suites
 * spawn it with this environment.)
 */
export const SUBSTRATES: SubstrateKind[] = ((): SubstrateKind[] => {
  const v = process.env.KUBE_SIM_SUBSTRATES;
  if (!v) return ['real', 'sim'];
  const kinds = v.split(',').map((k) => k.trim());
  for (const k of kinds)
    if (k !== 'real' && k !== 'sim')
      throw new Error(`KUBE_SIM_SUBSTRATES: "${k}" is neither "real" nor "sim"`);
  return kinds as SubstrateKind[];
})();

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export interface CallOptions {
  contentType?: string;
  accept?: string;
  /** Bearer token; default the substrate's admin token. `null` sends none. */
  token?: string | null;
}

export async function call(
  t: Target,
  method: string,
  path: string,
  body?: unknown,
  opts: CallOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  if (opts.accept) headers.accept = opts.accept;
  const token = opts.token === undefined ? adminTokenOf(t) : opts.token;
  if (token !== null && token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await ('fetch' in t ? t.fetch : fetch)(t.url + path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (e.g. plain text): keep the string
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export const cm = (name: string, data: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...extra },
  data,
});

/** Creates a namespace (201, or 409 when it exists). */
export async function namespace(t: Target, name: string): Promise<void> {
  const r = await call(t, 'POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  });
  if (r.status !== 201 && r.status !== 409)
    throw new Error(`create namespace ${name}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
}

/**
 * kube-controller-manager's root-ca-cert-publisher puts a `kube-root-ca.crt` ConfigMap into every namespace of
 * a real cluster (the simulator has no such controller): suites that count ConfigMaps leave it out.
 */
export const ROOT_CA = 'kube-root-ca.crt';
export const notRootCa = (o: any): boolean => o?.metadata?.name !== ROOT_CA;

/** A watch stream: collects parsed events until closed. */
export interface WatchStream {
  events: any[];
  closed: Promise<void>;
  isClosed(): boolean;
  stop(): void;
  waitFor(pred: (events: any[]) => boolean, timeoutMs?: number): Promise<any[]>;
}

/**
 * Opens a watch (a streaming GET; the substrate's `fetch` buffers whole responses, so this speaks node:http(s)
 * itself with the substrate's CA and token). Resolves once the response headers arrived with 200.
 */
export async function watch(
  t: Target,
  path: string,
  opts: { accept?: string; filter?: (event: any) => boolean } = {},
): Promise<WatchStream> {
  const url = new URL(t.url + path);
  const mod = url.protocol === 'https:' ? https : http;
  const events: any[] = [];
  let closed = false;
  let markClosed!: () => void;
  const closedP = new Promise<void>((r) => (markClosed = r));
  const done = (): void => {
    closed = true;
    markClosed();
  };
  const req = mod.request(url, {
    method: 'GET',
    ...('caPem' in t && t.caPem ? { ca: t.caPem } : {}),
    headers: {
      ...(adminTokenOf(t) ? { authorization: `Bearer ${adminTokenOf(t)}` } : {}),
      accept: opts.accept ?? 'application/json',
    },
  });
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
  if (res.statusCode !== 200) {
    let text = '';
    for await (const c of res) text += String(c);
    throw new Error(`watch ${path}: HTTP ${res.statusCode}: ${text}`);
  }
  req.removeAllListeners('error');
  req.on('error', done);
  const dec = new TextDecoder();
  let buf = '';
  res.on('data', (chunk: Buffer) => {
    buf += dec.decode(chunk, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      const ev = JSON.parse(line);
      if (!opts.filter || opts.filter(ev)) events.push(ev);
    }
  });
  res.on('end', done);
  res.on('close', done);
  res.on('error', done);
  const waitFor = async (pred: (e: any[]) => boolean, timeoutMs = 10_000): Promise<any[]> => {
    const end = Date.now() + timeoutMs;
    while (!pred(events)) {
      if (Date.now() > end)
        throw new Error(
          `watch ${path}: timed out; events so far: ${JSON.stringify(events.map((e) => [e.type, e.object?.metadata?.name]))}`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
    return events;
  };
  return {
    events,
    closed: closedP,
    isClosed: () => closed,
    stop: () => {
      req.destroy();
      done();
    },
    waitFor,
  };
}
