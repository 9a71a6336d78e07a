// One parameter picks what the end-to-end suites run against: `real` (the default, what `npm test` and CI
// run: kube-apiserver + etcd + kube-controller-manager built from source, see test/control-plane) or `sim`
// (libs/kube-sim, the in-memory API server). Set it with TEST_SUBSTRATE=sim|real (deliberately not a
// LOSTROMOS_* name: the operator processes the suites start refuse unknown LOSTROMOS_* variables).
//
// On `real`, clients talk to the API server through a fault proxy (test/support/fault-proxy.ts), which gives
// the same fault and request-count controls as the simulator has built in. Suites that need something only
// one substrate has say so with `substrate.kind`.
import https from 'node:https';
import {
  startKubeSim,
  type KubeSimFaults,
  type SimRule,
  type SimStats,
  type WorkloadMode,
  type WorkloadRef,
} from '@lostromos/kube-sim';
import { startControlPlane, type ControlPlane } from '../control-plane/control-plane.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

export type SubstrateKind = 'real' | 'sim';

export function substrateKind(): SubstrateKind {
  const v = process.env.TEST_SUBSTRATE ?? 'real';
  if (v !== 'real' && v !== 'sim') {
    throw new Error(`TEST_SUBSTRATE must be "real" or "sim", got "${v}"`);
  }
  return v;
}

export interface SubstrateOptions {
  kind?: SubstrateKind;
  /** Identities with exactly these permissions; `token(name)` returns their bearer token. */
  identities?: Record<string, SimRule[]>;
  /** Simulator only: options passed through (bookmark interval, workload simulation). */
  sim?: Parameters<typeof startKubeSim>[0];
}

export interface Substrate {
  kind: SubstrateKind;
  /** The URL clients use (on `real`: the fault proxy in front of the API server). */
  url: string;
  /** What /version reports, e.g. v1.37.2 (`sim` for the simulator). */
  version: string;
  /** The admin bearer token. */
  adminToken: string;
  /** PEM CA that clients of `url` trust (undefined: plain HTTP simulator). */
  caPem: string | undefined;
  kubeconfig(opts?: { token?: string; namespace?: string }): string;
  writeKubeconfig(file: string, opts?: { token?: string; namespace?: string }): Promise<void>;
  token(identity: string): string;
  /** `fetch` that trusts the substrate's CA (Node's global fetch cannot be given one per call). */
  fetch(url: string, init?: RequestInit): Promise<Response>;
  /** The simulator's fault controls; compact() is async because on `real` it first writes to move the store on. */
  faults: Omit<KubeSimFaults, 'compact'> & { compact(): Promise<void> };
  stats(): SimStats;
  resetStats(): void;
  /** Keeps a workload's Pods (real) or status (sim) unready or failed. */
  markUnready(ref: WorkloadRef, mode: WorkloadMode): Promise<void>;
  /** The real control plane, when kind is `real`. */
  controlPlane: ControlPlane | undefined;
  stop(): Promise<void>;
}

const ADMIN_SIM_TOKEN = 'admin-token';

export async function startSubstrate(opts: SubstrateOptions = {}): Promise<Substrate> {
  const kind = opts.kind ?? substrateKind();
  return kind === 'sim' ? startSim(opts) : startReal(opts);
}

async function startSim(opts: SubstrateOptions): Promise<Substrate> {
  const identities = opts.identities ?? {};
  const tokens: Record<string, SimRule[]> = {};
  for (const [name, rules] of Object.entries(identities)) tokens[`${name}-token`] = rules;
  const withAuth = Object.keys(tokens).length > 0;
  if (withAuth) tokens[ADMIN_SIM_TOKEN] = [{ verbs: ['*'], resources: ['*'] }];
  const sim = await startKubeSim({ ...opts.sim, ...(withAuth ? { auth: { tokens } } : {}) });
  const defaultToken = withAuth ? ADMIN_SIM_TOKEN : undefined;
  return {
    kind: 'sim',
    url: sim.url,
    version: 'sim',
    adminToken: ADMIN_SIM_TOKEN,
    caPem: undefined,
    kubeconfig: (o = {}) => sim.kubeconfig({ ...o, token: o.token ?? defaultToken }),
    writeKubeconfig: (file, o = {}) => sim.writeKubeconfig(file, { ...o, token: o.token ?? defaultToken }),
    token: (name) => {
      if (!identities[name])
        throw new Error(`no identity "${name}" was declared in startSubstrate({ identities })`);
      return `${name}-token`;
    },
    fetch: (url, init) => fetch(url, init),
    faults: { ...sim.faults, compact: () => Promise.resolve(sim.faults.compact()) },
    stats: () => sim.stats(),
    resetStats: () => sim.resetStats(),
    markUnready: (ref, mode) => Promise.resolve(sim.markUnready(ref, mode)),
    controlPlane: undefined,
    stop: () => sim.stop(),
  };
}

/** Simulator-style rules as RBAC PolicyRules (same meaning: `plural/subresource`, '*' for all). */
function policyRules(rules: SimRule[]): Array<Record<string, unknown>> {
  return rules.map((r) => ({
    verbs: r.verbs,
    apiGroups: r.apiGroups ?? ['*'],
    resources: r.resources,
  }));
}

async function startReal(opts: SubstrateOptions): Promise<Substrate> {
  const cp = await startControlPlane({ log: () => undefined });
  let proxy: FaultProxy;
  try {
    proxy = await startFaultProxy({ target: cp.url, targetCa: cp.caPem, tls: cp.tls });
  } catch (err) {
    await cp.stop();
    throw err;
  }
  const tokens = new Map<string, string>();
  try {
    for (const [name, rules] of Object.entries(opts.identities ?? {})) {
      tokens.set(name, await createIdentity(cp, name, rules));
    }
  } catch (err) {
    await proxy.stop();
    await cp.stop();
    throw err;
  }
  const kubeconfig = (o: { token?: string; namespace?: string } = {}): string =>
    cp.kubeconfig({ ...o, server: proxy.url });
  return {
    kind: 'real',
    url: proxy.url,
    version: cp.version,
    adminToken: cp.adminToken,
    caPem: cp.caPem,
    kubeconfig,
    writeKubeconfig: (file, o = {}) => cp.writeKubeconfig(file, { ...o, server: proxy.url }),
    token: (name) => {
      const t = tokens.get(name);
      if (!t) throw new Error(`no identity "${name}" was declared in startSubstrate({ identities })`);
      return t;
    },
    fetch: (url, init) => fetchTrusting(cp.caPem, url, init),
    faults: {
      ...proxy.faults,
      // As etcd compacts at its current revision: a write made now marks it; every watch resuming from an
      // older resourceVersion then meets 410 Gone, and the relist returns one at least this new.
      compact: async () => {
        const r = await cp.request<{ metadata?: { resourceVersion?: string } }>(
          'PATCH',
          '/api/v1/namespaces/kube-system/configmaps/lostromos-test-compaction?fieldManager=lostromos-test&force=true',
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'lostromos-test-compaction' },
            data: { at: new Date().toISOString() },
          },
          'application/apply-patch+yaml',
        );
        const rv = r.body.metadata?.resourceVersion;
        if (!rv)
          throw new Error(`compaction marker write failed: HTTP ${r.status} ${JSON.stringify(r.body)}`);
        proxy.compactAt(rv);
      },
    },
    stats: () => proxy.stats(),
    resetStats: () => proxy.resetStats(),
    markUnready: async (ref, mode) => {
      if (!cp.nodeAgent) throw new Error('markUnready needs the node agent (controllers on)');
      await cp.nodeAgent.markUnready(ref, mode);
    },
    controlPlane: cp,
    stop: async () => {
      await proxy.stop();
      await cp.stop();
    },
  };
}

/** A minimal `fetch` over node:https that trusts `ca`: string bodies, buffered responses. */
export function fetchTrusting(ca: string, url: string, init: RequestInit = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers = new Headers(init.headers);
    const body = init.body === undefined || init.body === null ? undefined : String(init.body as string);
    if (body !== undefined) headers.set('content-length', String(Buffer.byteLength(body)));
    const req = https.request(
      url,
      { method: init.method ?? 'GET', ca, headers: Object.fromEntries(headers.entries()), timeout: 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const status = res.statusCode ?? 500;
          const outHeaders = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') outHeaders.set(k, v);
          const nullBody = status === 204 || status === 304;
          resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, headers: outHeaders }));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${init.method ?? 'GET'} ${url}: timeout`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const IDENTITY_NS = 'lostromos-test-identities';

/**
 * A ServiceAccount bound to exactly `rules` (a Role per namespace-scoped rule, a ClusterRole otherwise) and a
 * bearer token for it from the TokenRequest API: the real API server's RBAC decides every request.
 */
export async function createIdentity(cp: ControlPlane, name: string, rules: SimRule[]): Promise<string> {
  const must = async (method: string, p: string, body: unknown): Promise<unknown> => {
    const r = await cp.request(method, p, body);
    if (r.status >= 300 && r.status !== 409)
      throw new Error(`${method} ${p}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  await must('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: IDENTITY_NS },
  });
  await must('POST', `/api/v1/namespaces/${IDENTITY_NS}/serviceaccounts`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name },
  });
  const subject = { kind: 'ServiceAccount', name, namespace: IDENTITY_NS };
  const cluster = rules.filter((r) => !r.namespaces);
  if (cluster.length > 0) {
    await must('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `test-${name}` },
      rules: policyRules(cluster),
    });
    await must('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `test-${name}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `test-${name}` },
      subjects: [subject],
    });
  }
  const byNs = new Map<string, SimRule[]>();
  for (const r of rules) for (const ns of r.namespaces ?? []) byNs.set(ns, [...(byNs.get(ns) ?? []), r]);
  for (const [ns, nsRules] of byNs) {
    await must('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: `test-${name}` },
      rules: policyRules(nsRules),
    });
    await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `test-${name}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `test-${name}` },
      subjects: [subject],
    });
  }
  return serviceAccountToken(cp, IDENTITY_NS, name);
}

/** A bound token for a ServiceAccount (TokenRequest API), valid for a day. */
export async function serviceAccountToken(
  cp: ControlPlane,
  namespace: string,
  name: string,
): Promise<string> {
  const r = await cp.request<{ status?: { token?: string } }>(
    'POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 86400 } },
  );
  const token = r.body.status?.token;
  if (r.status !== 201 || !token)
    throw new Error(`TokenRequest for ${namespace}/${name}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return token;
}
