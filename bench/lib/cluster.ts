// The bench's one real control plane (test/control-plane), started with raised in-flight limits as kwok does
// for benchmarks, plus what every scenario needs on top of it: an identity per tool (a ServiceAccount bound to
// cluster-admin, its own token and kubeconfig) and API Priority and Fairness FlowSchemas per identity, so the
// API server itself counts each tool's requests (reads, writes, lease writes, Events) in
// apiserver_flowcontrol_dispatched_requests_total — no proxy in the request path, nothing the tool reports
// about itself.
import fs from 'node:fs';
import readline from 'node:readline';
import path from 'node:path';
import {
  apiRequester,
  startControlPlane,
  type ApiRequester,
  type ControlPlane,
} from '../../test/control-plane/control-plane.ts';
import { buildControlPlane, type ControlPlaneBinaries } from '../../test/control-plane/build.ts';

export const BENCH_NS = 'bench-system';
const PRIORITY_LEVEL = 'bench';

/** Raised like kwok's benchmark setup: the default 400/200 in-flight would be what we measure. */
export const APISERVER_ARGS = ['--max-requests-inflight=3000', '--max-mutating-requests-inflight=1000'];

export interface Identity {
  name: string;
  token: string;
  /** A kubeconfig file for this identity, straight at the API server. */
  kubeconfig: string;
  /** `system:serviceaccount:bench-system:<name>` */
  user: string;
}

export interface ApfCounts {
  reads: number;
  writes: number;
  leases: number;
  events: number;
}

export interface BenchCluster {
  cp: ControlPlane;
  binaries: ControlPlaneBinaries;
  dir: string;
  request<T = unknown>(
    method: string,
    apiPath: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; body: T }>;
  /** Like request, but throws unless 2xx (409 AlreadyExists is accepted when `allowConflict`). */
  must<T = unknown>(method: string, apiPath: string, body?: unknown, contentType?: string): Promise<T>;
  identity(name: string): Promise<Identity>;
  /** Requests dispatched per identity (APF), since the API server started. */
  apf(): Promise<Map<string, ApfCounts>>;
  /** Raw /metrics text of the API server. */
  metrics(): Promise<string>;
  /** Where the audit log (bench identities only, Metadata level) ends now. */
  auditMark(): number;
  /** Requests of `identity` completed since `mark`, by `verb resource[/subresource]` (audit log). */
  auditTally(mark: number, identity: string): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

export async function startBenchCluster(opts: {
  dir: string;
  log: (line: string) => void;
}): Promise<BenchCluster> {
  const binaries = await buildControlPlane({ log: opts.log });
  // An audit log of the bench identities' requests only (Metadata level, batched): which verbs on which
  // resources make up each tool's requests per CR.
  const policy = path.join(opts.dir, 'audit-policy.yaml');
  fs.writeFileSync(
    policy,
    `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
  - level: Metadata
    userGroups: ["system:serviceaccounts:${BENCH_NS}"]
  - level: None
`,
  );
  const auditLog = path.join(opts.dir, 'audit.log');
  const cp = await startControlPlane({
    binaries,
    apiserverArgs: [
      ...APISERVER_ARGS,
      `--audit-policy-file=${policy}`,
      `--audit-log-path=${auditLog}`,
      '--audit-log-format=json',
      '--audit-log-mode=batch',
      '--audit-log-batch-max-wait=1s',
      '--audit-log-maxsize=0',
    ],
    controllers: true,
    // Bench Deployments have replicas: 0 — the Deployment controller makes them Available without Pods, so
    // no fake kubelet is needed and none of the 2 cores goes to it.
    nodeAgent: false,
    log: opts.log,
  });
  const must = async <T>(method: string, p: string, body?: unknown, contentType?: string): Promise<T> => {
    const r = await cp.request<T>(method, p, body, contentType);
    if (r.status >= 300 && r.status !== 409)
      throw new Error(`${method} ${p}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
    return r.body;
  };
  try {
    await must('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: BENCH_NS },
    });
    await must('POST', '/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations', {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'PriorityLevelConfiguration',
      metadata: { name: PRIORITY_LEVEL },
      // Most of the (raised) seats, queued rather than rejected: what a cluster operator gives a controller.
      spec: {
        type: 'Limited',
        limited: {
          nominalConcurrencyShares: 1000,
          lendablePercent: 0,
          limitResponse: {
            type: 'Queue',
            queuing: { queues: 64, handSize: 6, queueLengthLimit: 1000 },
          },
        },
      },
    });
  } catch (err) {
    await cp.stop();
    throw err;
  }
  const identities = new Map<string, Identity>();
  const identity = async (name: string): Promise<Identity> => {
    const known = identities.get(name);
    if (known) return known;
    await must('POST', `/api/v1/namespaces/${BENCH_NS}/serviceaccounts`, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name },
    });
    await must('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `bench-${name}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name, namespace: BENCH_NS }],
    });
    const subject = { kind: 'ServiceAccount', serviceAccount: { namespace: BENCH_NS, name } };
    const schema = (suffix: string, precedence: number, rules: Record<string, unknown>): unknown => ({
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'FlowSchema',
      metadata: { name: `bench-${name}-${suffix}` },
      spec: {
        priorityLevelConfiguration: { name: PRIORITY_LEVEL },
        matchingPrecedence: precedence,
        distinguisherMethod: { type: 'ByUser' },
        rules: [{ subjects: [subject], ...rules }],
      },
    });
    const all = { apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true };
    const fsPath = '/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas';
    // Lower precedence numbers match first: leases and Events are split out of the writes.
    await must(
      'POST',
      fsPath,
      schema('lease', 200, {
        resourceRules: [
          {
            verbs: ['*'],
            apiGroups: ['coordination.k8s.io'],
            resources: ['leases'],
            namespaces: ['*'],
          },
        ],
      }),
    );
    await must(
      'POST',
      fsPath,
      schema('event', 201, {
        resourceRules: [
          { verbs: ['*'], apiGroups: ['', 'events.k8s.io'], resources: ['events'], namespaces: ['*'] },
        ],
      }),
    );
    await must(
      'POST',
      fsPath,
      schema('write', 202, {
        resourceRules: [{ verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'], ...all }],
      }),
    );
    await must(
      'POST',
      fsPath,
      schema('read', 203, {
        resourceRules: [{ verbs: ['*'], ...all }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      }),
    );
    const tr = await must<{ status?: { token?: string } }>(
      'POST',
      `/api/v1/namespaces/${BENCH_NS}/serviceaccounts/${name}/token`,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 86400 },
      },
    );
    const token = tr.status?.token;
    if (!token) throw new Error(`no token for ${name}`);
    const kubeconfig = path.join(opts.dir, `${name}.kubeconfig`);
    await cp.writeKubeconfig(kubeconfig, { token });
    const id = { name, token, kubeconfig, user: `system:serviceaccount:${BENCH_NS}:${name}` };
    identities.set(name, id);
    return id;
  };
  const metrics = async (): Promise<string> => {
    const r = await cp.request<string>('GET', '/metrics');
    return typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  };
  const apf = async (): Promise<Map<string, ApfCounts>> => {
    const out = new Map<string, ApfCounts>();
    const re =
      /^apiserver_flowcontrol_dispatched_requests_total\{[^}]*flow_schema="bench-([a-z0-9-]+)-(lease|event|write|read)"[^}]*\} (\S+)$/gm;
    for (const m of (await metrics()).matchAll(re)) {
      const [, who, kind, value] = m as unknown as [string, string, string, string];
      const c = out.get(who) ?? { reads: 0, writes: 0, leases: 0, events: 0 };
      const key = ({ lease: 'leases', event: 'events', write: 'writes', read: 'reads' } as const)[
        kind as 'lease'
      ];
      c[key] += Number(value);
      out.set(who, c);
    }
    return out;
  };
  const auditMark = (): number => {
    try {
      return fs.statSync(auditLog).size;
    } catch {
      return 0;
    }
  };
  const auditTally = async (mark: number, who: string): Promise<Map<string, number>> => {
    // The batch backend flushes at least every second.
    await new Promise((r) => setTimeout(r, 2500));
    const out = new Map<string, number>();
    const end = auditMark();
    if (end <= mark) return out;
    // Streamed line by line: 20,000 CRs' requests make a range larger than the longest string V8 allows.
    const user = `system:serviceaccount:${BENCH_NS}:${who}`;
    const lines = readline.createInterface({
      input: fs.createReadStream(auditLog, { start: mark, end: end - 1, encoding: 'utf8' }),
      crlfDelay: Infinity,
    });
    for await (const line of lines) {
      if (!line.includes(user)) continue;
      let ev: {
        verb: string;
        user?: { username?: string };
        objectRef?: { resource?: string; subresource?: string };
      };
      try {
        ev = JSON.parse(line) as typeof ev;
      } catch {
        continue; // the last line, while the batch backend is still writing it
      }
      if (ev.user?.username !== user) continue;
      const r = ev.objectRef?.resource ?? '(non-resource)';
      const k = `${ev.verb} ${r}${ev.objectRef?.subresource ? `/${ev.objectRef.subresource}` : ''}`;
      out.set(k, (out.get(k) ?? 0) + 1);
    }
    return out;
  };
  return {
    cp,
    binaries,
    dir: opts.dir,
    auditMark,
    auditTally,
    request: (m, p, b, ct) => cp.request(m, p, b, ct),
    must,
    identity,
    apf,
    metrics,
    stop: () => cp.stop(),
  };
}

/** The difference of two APF snapshots for one identity. */
export function apfDelta(
  before: Map<string, ApfCounts>,
  after: Map<string, ApfCounts>,
  who: string,
): ApfCounts {
  const a = after.get(who) ?? { reads: 0, writes: 0, leases: 0, events: 0 };
  const b = before.get(who) ?? { reads: 0, writes: 0, leases: 0, events: 0 };
  return {
    reads: a.reads - b.reads,
    writes: a.writes - b.writes,
    leases: a.leases - b.leases,
    events: a.events - b.events,
  };
}

/** An HTTPS keep-alive client to the API server for one bearer token (the bench's load generator). */
export function apiClient(
  cp: ControlPlane,
  token: string,
  maxSockets = 32,
): Pick<ApiRequester, 'request'> & { close(): void } {
  const api = apiRequester(cp.url, token, cp.caPem, {
    maxSockets,
    timeoutMs: 60_000,
    userAgent: 'lostromos-bench',
  });
  return { request: api.request, close: () => api.agent.destroy() };
}

export function writeFile(dir: string, name: string, text: string): string {
  const f = path.join(dir, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}
