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
import https from 'node:https';
import { apiRequester } from '../../test/control-plane/control-plane.ts';

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
const ANNOTATION = 'bench.lostromos.io/value';

function children(cr: Cr): Array<{ path: string; body: Record<string, unknown> }> {
  const name = cr.metadata.name;
  const value = cr.spec?.value ?? '';
  const ownerReferences = [
    {
      apiVersion: cr.apiVersion,
      kind: cr.kind,
      name,
      uid: cr.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
  const metadata = (annotated: boolean): Record<string, unknown> => ({
    name,
    ownerReferences,
    ...(annotated ? { annotations: { [ANNOTATION]: value } } : {}),
  });
  return [
    {
      path: `/api/v1/namespaces/${cfg.ns}/configmaps`,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(false), data: { value } },
    },
    {
      path: `/api/v1/namespaces/${cfg.ns}/services`,
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: metadata(true),
        spec: { clusterIP: 'None', selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    },
    {
      path: `/apis/apps/v1/namespaces/${cfg.ns}/deployments`,
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: metadata(true),
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'app', image: 'nginx:alpine' }] },
          },
        },
      },
    },
  ];
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

function watch(rv: string): void {
  let partial = '';
  const req = https.get(
    `${cfg.url}${crs}?watch=true&allowWatchBookmarks=true&timeoutSeconds=3600&resourceVersion=${rv}`,
    { ca: cfg.caPem, headers: { authorization: `Bearer ${cfg.token}` }, agent: false },
    (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        partial += chunk;
        let nl;
        while ((nl = partial.indexOf('\n')) >= 0) {
          const line = partial.slice(0, nl);
          partial = partial.slice(nl + 1);
          if (!line) continue;
          const ev = JSON.parse(line) as { type: string; object: Cr };
          if (ev.object?.metadata?.resourceVersion) rv = ev.object.metadata.resourceVersion;
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') enqueue(ev.object);
        }
      });
      res.on('end', () => setTimeout(() => watch(rv), 50));
    },
  );
  req.on('error', () => setTimeout(() => watch(rv), 200));
}

const list = await api.request<{ metadata: { resourceVersion: string }; items: Cr[] }>('GET', crs);
if (list.status !== 200) throw new Error(`list ${crs}: HTTP ${list.status}`);
for (const cr of list.body.items) enqueue(cr);
watch(list.body.metadata.resourceVersion);
process.stdout.write('ideal-controller: watching\n');
process.once('SIGTERM', () => process.exit(0));
