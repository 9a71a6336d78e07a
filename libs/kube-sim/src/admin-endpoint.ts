import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBody, readBody, sendJson, sendRaw } from './http-io.js';
import { isObject } from './json-util.js';
import type { RequestUrl } from './request-route.js';
import type { Faults, SimStats, WorkloadMode, WorkloadRef } from './types.js';

/** What the admin endpoint drives; the same operations as the programmatic KubeSim handle. */
export interface AdminControls {
  faults: {
    get(): Faults;
    set(f: Partial<Faults>): void;
    clear(): void;
    dropWatches(opts?: { abrupt?: boolean }): void;
    compact(): void;
    pause(): void;
    resume(): void;
  };
  stats(): SimStats;
  resetStats(): void;
  markUnready(ref: WorkloadRef, mode: WorkloadMode): void;
  kubeconfig(opts: { token?: string; namespace?: string }): string;
}

const HELP = `kube-sim admin endpoint
GET    /_sim/stats                      request counters
POST   /_sim/stats/reset
GET    /_sim/faults                     current faults
PUT    /_sim/faults                     JSON: {latencyMs, errorRate, errorStatus: 500|503|429, retryAfterSeconds, errorVerbs, errorResources}
DELETE /_sim/faults                     clear all faults (and resume)
POST   /_sim/faults/drop-watches[?abrupt=true]
POST   /_sim/faults/compact             watches from older resourceVersions get 410 Gone
POST   /_sim/faults/pause | /_sim/faults/resume
POST   /_sim/mark-unready               JSON: {apiVersion, kind, namespace, name, mode: unready|failed}
GET    /_sim/kubeconfig[?token=T&namespace=N]
`;

function bad(res: ServerResponse, message: string, code = 400): void {
  sendJson(res, code, { error: message });
}

/** `/_sim/...`: run-time faults, stats and workload pins for shell tests and `lostromos dev`. */
export async function handleAdmin(
  c: AdminControls,
  req: IncomingMessage,
  res: ServerResponse,
  action: string,
  url: RequestUrl,
): Promise<void> {
  const method = req.method ?? 'GET';
  try {
    const route = `${method} ${action}`;
    switch (route) {
      case 'GET ':
      case 'GET help':
        return sendRaw(res, 200, 'text/plain; charset=utf-8', HELP);
      case 'GET stats':
        return sendJson(res, 200, c.stats());
      case 'POST stats/reset':
        c.resetStats();
        return sendJson(res, 200, { ok: true });
      case 'GET faults':
        return sendJson(res, 200, { faults: c.faults.get() });
      case 'PUT faults':
      case 'POST faults':
      case 'PATCH faults': {
        const body = parseBody(await readBody(req), { yaml: false });
        if (!isObject(body)) return bad(res, 'body must be a JSON object of fault settings');
        c.faults.set(body);
        return sendJson(res, 200, { faults: c.faults.get() });
      }
      case 'DELETE faults':
        c.faults.clear();
        return sendJson(res, 200, { faults: c.faults.get() });
      case 'POST faults/drop-watches':
        c.faults.dropWatches({ abrupt: url.searchParams.get('abrupt') === 'true' });
        return sendJson(res, 200, { ok: true });
      case 'POST faults/compact':
        c.faults.compact();
        return sendJson(res, 200, { ok: true });
      case 'POST faults/pause':
        c.faults.pause();
        return sendJson(res, 200, { ok: true });
      case 'POST faults/resume':
        c.faults.resume();
        return sendJson(res, 200, { ok: true });
      case 'POST mark-unready': {
        const body = parseBody(await readBody(req), { yaml: false });
        if (!isObject(body)) return bad(res, 'body must be {apiVersion, kind, namespace, name, mode}');
        const { apiVersion, kind, namespace, name, mode } = body;
        if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string')
          return bad(res, 'apiVersion, kind and name are required strings');
        if (mode !== 'unready' && mode !== 'failed') return bad(res, 'mode must be "unready" or "failed"');
        c.markUnready(
          { apiVersion, kind, name, namespace: typeof namespace === 'string' ? namespace : undefined },
          mode,
        );
        return sendJson(res, 200, { ok: true });
      }
      case 'GET kubeconfig':
        return sendRaw(
          res,
          200,
          'application/yaml',
          c.kubeconfig({
            token: url.searchParams.get('token') ?? undefined,
            namespace: url.searchParams.get('namespace') ?? undefined,
          }),
        );
      default:
        return bad(res, `unknown admin action "${route}"; GET /_sim/help lists them`, 404);
    }
  } catch (err) {
    return bad(res, (err as Error).message);
  }
}
