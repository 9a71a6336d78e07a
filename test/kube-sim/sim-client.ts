/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- suites read untyped JSON API responses */
// Small raw-HTTP helpers for the kube-sim suites: every request goes over the sim's real HTTP server.
import type { KubeSim } from '@lostromos/kube-sim';

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export async function call(
  sim: KubeSim,
  method: string,
  path: string,
  body?: unknown,
  opts: { contentType?: string; accept?: string; token?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  if (opts.accept) headers.accept = opts.accept;
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(sim.url + path, {
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

/** A watch stream: collects parsed events until closed. */
export interface WatchStream {
  events: any[];
  closed: Promise<void>;
  isClosed(): boolean;
  stop(): void;
  waitFor(pred: (events: any[]) => boolean, timeoutMs?: number): Promise<any[]>;
}

export async function watch(sim: KubeSim, path: string): Promise<WatchStream> {
  const ctrl = new AbortController();
  const res = await fetch(sim.url + path, { signal: ctrl.signal });
  if (res.status !== 200) throw new Error(`watch ${path}: HTTP ${res.status}: ${await res.text()}`);
  const events: any[] = [];
  let closed = false;
  const closedP = (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) events.push(JSON.parse(line));
        }
      }
    } catch {
      // aborted or reset
    } finally {
      closed = true;
    }
  })();
  const waitFor = async (pred: (e: any[]) => boolean, timeoutMs = 5000): Promise<any[]> => {
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
  return { events, closed: closedP, isClosed: () => closed, stop: () => ctrl.abort(), waitFor };
}
