import type { CrdInfo, Manifest } from './example-sets.js';
import { splitApiVersion } from '@lostromos/model';

export interface ApplyOptions {
  /** API server base URL, e.g. http://127.0.0.1:PORT. */
  server: string;
  /** Bearer token, when the server wants one. */
  token?: string;
  fetchFn?: typeof fetch;
  /** Field manager of these writes (default lostromos-dev). */
  fieldManager?: string;
}

/** Pure: the REST path of an object, given the CRDs we know for custom kinds. */
export function objectPath(obj: Manifest, crds: readonly CrdInfo[]): string {
  const { group, version } = splitApiVersion(obj.apiVersion);
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const name = encodeURIComponent(obj.metadata.name);
  if (obj.kind === 'CustomResourceDefinition') return `${base}/customresourcedefinitions/${name}`;
  if (obj.kind === 'Namespace') return `${base}/namespaces/${name}`;
  const crd = crds.find((c) => c.group === group && c.kind === obj.kind);
  if (!crd) throw new Error(`no CRD known for ${obj.apiVersion} ${obj.kind} (object ${obj.metadata.name})`);
  if (!crd.namespaced) return `${base}/${crd.plural}/${name}`;
  const ns = encodeURIComponent(obj.metadata.namespace ?? 'default');
  return `${base}/namespaces/${ns}/${crd.plural}/${name}`;
}

/** Server-side applies one object (idempotent: running `lostromos dev` twice changes nothing). */
export async function applyManifest(
  obj: Manifest,
  crds: readonly CrdInfo[],
  opts: ApplyOptions,
): Promise<void> {
  const fetchFn = opts.fetchFn ?? fetch;
  const manager = encodeURIComponent(opts.fieldManager ?? 'lostromos-dev');
  const url = `${opts.server}${objectPath(obj, crds)}?fieldManager=${manager}&force=true`;
  const res = await fetchFn(url, {
    method: 'PATCH',
    headers: {
      'content-type': 'application/apply-patch+yaml',
      accept: 'application/json',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: JSON.stringify(obj),
  });
  if (!res.ok) {
    const body = await res.text();
    throw new Error(
      `apply ${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}: HTTP ${res.status} ${body.slice(0, 300)}`,
    );
  }
}

/** Applies with retries: a just-created CRD takes a moment before its CRs are served. */
export async function applyWithRetry(
  obj: Manifest,
  crds: readonly CrdInfo[],
  opts: ApplyOptions & { timeoutMs?: number; signal?: AbortSignal },
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    try {
      await applyManifest(obj, crds, opts);
      return;
    } catch (err) {
      if (Date.now() > deadline || opts.signal?.aborted) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
