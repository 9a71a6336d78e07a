// The node agent plays the kubelet of one fake node, as kwok does: it registers a Ready Node, binds every
// unscheduled Pod to it (the scheduler's job), reports bound Pods Running and Ready (Succeeded for Pods of
// Jobs), and completes graceful deletions. The real Deployment, ReplicaSet, StatefulSet and Job controllers
// of kube-controller-manager then compute workload status from these Pods, so workload readiness in tests is
// the real controllers' verdict. `markUnready` keeps one workload's Pods unready (or failed) to test the
// unhappy paths, and a Pod whose image names NEVER_READY_IMAGE stays unready (a readiness probe that never
// passes), so one template revision can be unready where another is ready (the simulator does the same).
import https from 'node:https';

type Request = <T>(
  method: string,
  apiPath: string,
  body?: unknown,
  contentType?: string,
) => Promise<{ status: number; body: T }>;

export interface NodeAgentOptions {
  url: string;
  token: string;
  caPem: string;
  request: Request;
  nodeName?: string;
  log?: (line: string) => void;
}

export interface WorkloadRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface NodeAgent {
  nodeName: string;
  /** Pods of this workload (owner chain) stay Running but unready, or go Failed. */
  markUnready(ref: WorkloadRef, mode: 'unready' | 'failed'): Promise<void>;
  /** Undo markUnready. */
  markReady(ref: WorkloadRef): Promise<void>;
  stop(): Promise<void>;
}

interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  deletionTimestamp?: string;
  ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }>;
}
interface Pod {
  metadata: Meta;
  spec: { nodeName?: string; containers?: Array<{ name: string; image?: string }>; restartPolicy?: string };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

function workloadKey(namespace: string | undefined, kind: string, name: string): string {
  return `${namespace ?? ''}/${kind}/${name}`;
}

export async function startNodeAgent(opts: NodeAgentOptions): Promise<NodeAgent> {
  const nodeName = opts.nodeName ?? 'lostromos-node';
  const log = opts.log ?? ((): void => undefined);
  const { request } = opts;
  const marks = new Map<string, 'unready' | 'failed'>();
  const pods = new Map<string, Pod>();
  const agent = new https.Agent({ ca: opts.caPem, keepAlive: true });
  let stopped = false;
  let current: ReturnType<typeof https.request> | undefined;
  let queue = Promise.resolve();

  await ensureNode();

  async function ensureNode(): Promise<void> {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName, type: 'fake' } },
    };
    const created = await request('POST', '/api/v1/nodes', node);
    if (created.status !== 201 && created.status !== 409)
      throw new Error(`node agent: cannot create Node: ${JSON.stringify(created.body)}`);
    const now = new Date().toISOString();
    const status = {
      status: {
        capacity: { cpu: '64', memory: '256Gi', pods: '10000' },
        allocatable: { cpu: '64', memory: '256Gi', pods: '10000' },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'fake node of the test control plane',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        nodeInfo: { kubeletVersion: 'fake', architecture: 'amd64', operatingSystem: 'linux' },
      },
    };
    const r = await request(
      'PATCH',
      `/api/v1/nodes/${nodeName}/status`,
      status,
      'application/merge-patch+json',
    );
    if (r.status !== 200) throw new Error(`node agent: cannot set Node status: ${JSON.stringify(r.body)}`);
  }

  /** The workloads that own this pod: its controller, and that one's controller (ReplicaSet → Deployment). */
  async function ownersOf(pod: Pod): Promise<string[]> {
    const ns = pod.metadata.namespace;
    const out: string[] = [];
    const ctrl = pod.metadata.ownerReferences?.find((o) => o.controller);
    if (!ctrl) return out;
    out.push(workloadKey(ns, ctrl.kind, ctrl.name));
    if (ctrl.kind === 'ReplicaSet' && marks.size > 0) {
      const rs = await request<{ metadata?: Meta }>(
        'GET',
        `/apis/apps/v1/namespaces/${ns}/replicasets/${ctrl.name}`,
      );
      const up = rs.body.metadata?.ownerReferences?.find((o) => o.controller);
      if (up) out.push(workloadKey(ns, up.kind, up.name));
    }
    return out;
  }

  async function handle(pod: Pod): Promise<void> {
    const { name, namespace: ns, uid } = pod.metadata;
    const base = `/api/v1/namespaces/${ns}/pods/${name}`;
    if (pod.metadata.deletionTimestamp) {
      // The kubelet confirms a graceful deletion once containers stopped: a delete with grace period 0.
      await request('DELETE', base, {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        gracePeriodSeconds: 0,
        preconditions: { uid },
      });
      return;
    }
    if (!pod.spec.nodeName) {
      await request('POST', `${base}/binding`, {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace: ns },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      });
      return;
    }
    if (pod.spec.nodeName !== nodeName) return;
    const owners = await ownersOf(pod);
    const mark = owners.map((o) => marks.get(o)).find(Boolean);
    const isJob = owners.some((o) => o.includes('/Job/'));
    // A failed Job pod ends Failed; a failed long-running pod crash-loops (Running, unready), as on a real
    // node, so its ReplicaSet does not replace it in a hot loop.
    const phase = isJob ? (mark === 'failed' ? 'Failed' : 'Succeeded') : 'Running';
    const ready = !mark && phase === 'Running' && !runsNeverReadyImage(pod);
    const cond = (type: string, ok: boolean): { type: string; status: string } => ({
      type,
      status: ok ? 'True' : 'False',
    });
    if (
      pod.status?.phase === phase &&
      pod.status.conditions?.find((c) => c.type === 'Ready')?.status === (ready ? 'True' : 'False')
    ) {
      return;
    }
    if (pod.status?.phase === 'Succeeded' || (pod.status?.phase === 'Failed' && !mark)) return; // terminal
    const now = new Date().toISOString();
    const containerStatuses = (pod.spec.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready,
      restartCount: 0,
      started: phase === 'Running' && mark !== 'failed',
      state:
        phase === 'Running' && mark === 'failed'
          ? { waiting: { reason: 'CrashLoopBackOff', message: 'marked failed by the test node agent' } }
          : phase === 'Running'
            ? { running: { startedAt: now } }
            : {
                terminated: {
                  exitCode: phase === 'Succeeded' ? 0 : 1,
                  reason: phase === 'Succeeded' ? 'Completed' : 'Error',
                  startedAt: now,
                  finishedAt: now,
                },
              },
    }));
    const status = {
      status: {
        phase,
        hostIP: '127.0.0.1',
        podIP: '10.244.0.1',
        podIPs: [{ ip: '10.244.0.1' }],
        startTime: now,
        conditions: [
          { ...cond('PodScheduled', true), lastTransitionTime: now },
          { ...cond('Initialized', true), lastTransitionTime: now },
          { ...cond('ContainersReady', ready), lastTransitionTime: now },
          { ...cond('Ready', ready), lastTransitionTime: now },
        ],
        containerStatuses,
      },
    };
    await request('PATCH', `${base}/status`, status, 'application/strategic-merge-patch+json');
  }

  function enqueue(pod: Pod): void {
    queue = queue
      .then(() => handle(pod))
      .catch((err: unknown) =>
        log(`node agent: ${pod.metadata.namespace}/${pod.metadata.name}: ${String(err)}`),
      );
  }

  async function listAndWatch(): Promise<void> {
    while (!stopped) {
      try {
        const list = await request<{ metadata: { resourceVersion: string }; items: Pod[] }>(
          'GET',
          '/api/v1/pods',
        );
        if (list.status !== 200) throw new Error(`list pods: HTTP ${list.status}`);
        pods.clear();
        for (const p of list.body.items) {
          pods.set(`${p.metadata.namespace}/${p.metadata.name}`, p);
          enqueue(p);
        }
        await watch(list.body.metadata.resourceVersion);
      } catch (err) {
        if (!stopped) log(`node agent: ${String(err)}; relisting`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  function watch(resourceVersion: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${opts.url}/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${resourceVersion}&timeoutSeconds=300`,
        { agent, headers: { authorization: `Bearer ${opts.token}`, accept: 'application/json' } },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`watch pods: HTTP ${res.statusCode}`));
            return;
          }
          let buf = '';
          res.on('data', (d: Buffer) => {
            buf += d.toString();
            let i: number;
            while ((i = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, i);
              buf = buf.slice(i + 1);
              if (!line.trim()) continue;
              const ev = JSON.parse(line) as { type: string; object: Pod & { code?: number } };
              if (ev.type === 'ERROR') {
                req.destroy();
                reject(new Error(`watch pods: ${JSON.stringify(ev.object)}`));
                return;
              }
              if (ev.type === 'BOOKMARK') continue;
              const key = `${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
              if (ev.type === 'DELETED') pods.delete(key);
              else {
                pods.set(key, ev.object);
                enqueue(ev.object);
              }
            }
          });
          res.on('end', () => resolve());
          res.on('error', reject);
        },
      );
      current = req;
      req.on('error', reject);
      req.end();
    });
  }

  const loop = listAndWatch();
  log(`control-plane: node agent running node ${nodeName}`);

  /** Re-evaluates the pods of a workload after its mark changed. */
  async function refresh(): Promise<void> {
    for (const p of pods.values()) enqueue(p);
    await queue;
  }

  return {
    nodeName,
    markUnready: async (ref, mode) => {
      marks.set(workloadKey(ref.namespace, ref.kind, ref.name), mode);
      await refresh();
    },
    markReady: async (ref) => {
      marks.delete(workloadKey(ref.namespace, ref.kind, ref.name));
      await refresh();
    },
    stop: async () => {
      stopped = true;
      current?.destroy();
      await loop;
      await queue;
      agent.destroy();
    },
  };
}

/**
 * A Pod running an image with this in its name stays unready (a readiness probe that never passes). The same
 * value as @lostromos/kube-sim's NEVER_READY_IMAGE (checked by control-plane tests), defined here because this
 * file runs before anything is built (`npm run control-plane:build` imports it) and may import no workspace
 * package.
 */
export const NEVER_READY_IMAGE = 'lostromos.test/never-ready';

/** Whether any container of the Pod (or of a workload's Pod template) runs a NEVER_READY_IMAGE. */
export function runsNeverReadyImage(obj: object): boolean {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const raw = (obj as { spec?: unknown }).spec;
  const spec = isObject(raw) ? raw : {};
  const template = isObject(spec.template) ? spec.template : undefined;
  const podSpec = template && isObject(template.spec) ? template.spec : spec;
  const containers = Array.isArray(podSpec.containers) ? podSpec.containers : [];
  return containers.some(
    (c) => isObject(c) && typeof c.image === 'string' && c.image.includes(NEVER_READY_IMAGE),
  );
}
