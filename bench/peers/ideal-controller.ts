// The floor row of the convergence table: the least any controller can send the API server for the bench's CR
// — one list and watch of the CRs, then per new CR the three children created at once (POST, owned by the CR)
// and one status write; per changed value a merge patch of each child at once and one status write; nothing
// read, no finalizer, no Event, no readiness. It is no product: it repairs nothing, prunes nothing, knows only
// the children it created itself, and takes the CR from its watch event. Whatever it costs the machine (its requests,
// the API server's watch fan-out, kube-controller-manager's work on the Deployments, the bench's own watches)
// every tool in the table costs too, so its CRs/s bounds what any of them could reach here.
//
// Run by IdealTool (tools.ts) as its own process, so its CPU is counted like any tool's:
//   IDEAL_CONFIG='{"url","token","caPem","ns","group","version","plural","concurrency"}' node ideal-controller.ts
import { apiRequester } from '../../test/control-plane/control-plane.ts';
import { Watch } from '../lib/observe.ts';
import { benchChildren, type ChildObject } from '../lib/tool.ts';

interface Config {
  url: string;
  token: string;
  caPem: string;
  ns: string;
  group: string;
  version: string;
  plural: string;
  concurrency: number;
}

interface Cr {
  apiVersion: string;
  kind: string;
  metadata: { name: string; uid: string; resourceVersion?: string };
  spec?: { value?: string };
  status?: { observedValue?: string };
}

const cfg = JSON.parse(process.env.IDEAL_CONFIG ?? '{}') as Config;
const api = apiRequester(cfg.url, cfg.token, cfg.caPem, {
  maxSockets: cfg.concurrency * 3,
  timeoutMs: 60_000,
  userAgent: 'lostromos-bench-ideal',
});
const crs = `/apis/${cfg.group}/${cfg.version}/namespaces/${cfg.ns}/${cfg.plural}`;
const COLLECTIONS: Record<string, string> = {
  ConfigMap: `/api/v1/namespaces/${cfg.ns}/configmaps`,
  Service: `/api/v1/namespaces/${cfg.ns}/services`,
  Deployment: `/apis/apps/v1/namespaces/${cfg.ns}/deployments`,
};

/** The bench's three children of the CR, owned by it, each with the collection it is created in. */
function children(cr: Cr): Array<{ path: string; body: ChildObject }> {
  const owner = {
    apiVersion: cr.apiVersion,
    kind: cr.kind,
    name: cr.metadata.name,
    uid: cr.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
  return benchChildren(cr.metadata.name, cr.spec?.value ?? '').map((o) => ({
    path: COLLECTIONS[o.kind]!,
    body: { ...o, metadata: { ...o.metadata, ownerReferences: [owner] } },
  }));
}

/** CRs whose children this process created: a later value is a merge patch of each (no read either). */
const created = new Set<string>();

async function sync(cr: Cr): Promise<void> {
  const update = created.has(cr.metadata.name);
  await Promise.all(
    children(cr).map(async ({ path, body }) => {
      const name = (body.metadata as { name: string }).name;
      const r = update
        ? await api.request('PATCH', `${path}/${name}`, patchOf(body), 'application/merge-patch+json')
        : await api.request('POST', path, body);
      if (r.status !== (update ? 200 : 201) && !(r.status === 409 && !update))
        throw new Error(`${update ? 'PATCH' : 'POST'} ${path}/${name}: HTTP ${r.status}`);
    }),
  );
  created.add(cr.metadata.name);
  const r = await api.request(
    'PATCH',
    `${crs}/${cr.metadata.name}/status`,
    { status: { observedValue: cr.spec?.value ?? '' } },
    'application/merge-patch+json',
  );
  if (r.status !== 200) throw new Error(`PATCH status ${cr.metadata.name}: HTTP ${r.status}`);
}

/** What carries the value in a child: the ConfigMap's data, the others' annotation. */
function patchOf(body: Record<string, unknown>): Record<string, unknown> {
  const metadata = body.metadata as { annotations?: Record<string, string> };
  return body.kind === 'ConfigMap'
    ? { data: body.data }
    : { metadata: { annotations: metadata.annotations } };
}

// A work queue of CR names (the latest version of each), `concurrency` syncs at once, a failed one retried.
const latest = new Map<string, Cr>();
const queued = new Set<string>();
const busy = new Set<string>();

function enqueue(cr: Cr): void {
  if (cr.status?.observedValue === (cr.spec?.value ?? '')) return;
  latest.set(cr.metadata.name, cr);
  if (!busy.has(cr.metadata.name)) queued.add(cr.metadata.name);
  pump();
}

function pump(): void {
  for (const name of queued) {
    if (busy.size >= cfg.concurrency) return;
    queued.delete(name);
    const cr = latest.get(name)!;
    busy.add(name);
    sync(cr)
      .then(() => {
        if (latest.get(name) === cr) latest.delete(name);
        else queued.add(name); // changed while it ran
      })
      .catch((err: unknown) => {
        process.stderr.write(`ideal-controller: ${err instanceof Error ? err.message : String(err)}\n`);
        setTimeout(() => {
          queued.add(name);
          pump();
        }, 200);
      })
      .finally(() => {
        busy.delete(name);
        pump();
      });
  }
}

await new Watch<Cr>(
  { url: cfg.url, caPem: cfg.caPem, token: cfg.token, request: api.request },
  crs,
  (type, cr) => {
    if (type === 'ADDED' || type === 'MODIFIED') enqueue(cr);
  },
).start();
process.stdout.write('ideal-controller: watching\n');
process.once('SIGTERM', () => process.exit(0));
