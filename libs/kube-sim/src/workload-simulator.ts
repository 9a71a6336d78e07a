import { splitApiVersion } from '@lostromos/model';
import { deepEqual, isObject } from './json-util.js';
import type { ObjectApi, Scope } from './object-api.js';
import { timestamp } from './object-meta.js';
import type { ObjectStore, StoreEvent } from './object-store.js';
import type { ResourceRegistry } from './resource-registry.js';
import { ApiError } from './status-error.js';
import type { KubeObject, SimLogger, WorkloadMode, WorkloadRef } from './types.js';
import { simulatedStatus, type SimulatedMode } from './workload-status.js';

const KINDS: Record<string, string> = {
  'deployments.apps': 'Deployment',
  'statefulsets.apps': 'StatefulSet',
  'daemonsets.apps': 'DaemonSet',
  'replicasets.apps': 'ReplicaSet',
  'jobs.batch': 'Job',
  pods: 'Pod',
};

/**
 * A workload whose Pods run an image with this in its name never becomes ready (as a real kubelet's readiness
 * probe that never passes), so tests can make one template revision unready and another ready.
 */
export const NEVER_READY_IMAGE = 'lostromos.test/never-ready';

/** Whether any container of the workload's Pod template (or of the Pod) runs a NEVER_READY_IMAGE. */
export function runsNeverReadyImage(obj: object): boolean {
  const raw = (obj as { spec?: unknown }).spec;
  const spec = isObject(raw) ? raw : {};
  const template = isObject(spec.template) ? spec.template : undefined;
  const podSpec = template && isObject(template.spec) ? template.spec : spec;
  const containers = Array.isArray(podSpec.containers) ? podSpec.containers : [];
  return containers.some(
    (c) => isObject(c) && typeof c.image === 'string' && c.image.includes(NEVER_READY_IMAGE),
  );
}

function refKey(storageKey: string, namespace: string, name: string): string {
  return `${storageKey}/${namespace}/${name}`;
}

/**
 * Stands in for the controller-manager: after `delayMs`, writes the status the built-in controllers would
 * write for Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and Pods; `markUnready` pins an object
 * unready or failed.
 */
export class WorkloadSimulator {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly modes = new Map<string, WorkloadMode>();
  private stopped = false;

  constructor(
    private readonly d: {
      store: ObjectStore;
      registry: ResourceRegistry;
      api: ObjectApi;
      delayMs: number;
      logger?: SimLogger;
    },
  ) {}

  onEvent(e: StoreEvent): void {
    const kind = KINDS[e.storageKey];
    if (!kind || this.stopped) return;
    const key = refKey(e.storageKey, e.namespace, e.object.metadata.name!);
    if (e.type === 'DELETED') {
      clearTimeout(this.timers.get(key));
      this.timers.delete(key);
      this.modes.delete(key);
      return;
    }
    if (e.object.metadata.deletionTimestamp) return;
    if (this.upToDate(kind, e.object, this.modeOf(key, e.object))) return;
    this.schedule(key, e.storageKey, e.namespace, e.object.metadata.name!, this.d.delayMs);
  }

  markUnready(ref: WorkloadRef, mode: WorkloadMode): void {
    const { group } = splitApiVersion(ref.apiVersion);
    const info = this.d.registry.byKind(group, ref.kind);
    if (!info || !KINDS[info.storageKey])
      throw new Error(
        `markUnready: ${ref.kind} (${ref.apiVersion}) is not a simulated workload; use one of ${Object.values(KINDS).join(', ')}`,
      );
    const ns = info.namespaced ? (ref.namespace ?? 'default') : '';
    const key = refKey(info.storageKey, ns, ref.name);
    this.modes.set(key, mode);
    if (this.d.store.get(info.storageKey, ns, ref.name)) this.schedule(key, info.storageKey, ns, ref.name, 0);
  }

  private modeOf(key: string, obj: KubeObject): SimulatedMode {
    return this.modes.get(key) ?? (runsNeverReadyImage(obj) ? 'unready' : 'ready');
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private upToDate(kind: string, obj: KubeObject, mode: SimulatedMode): boolean {
    const status = isObject(obj.status) ? obj.status : undefined;
    if (!status) return false;
    const want = simulatedStatus(
      kind,
      obj,
      mode,
      typeof status.startTime === 'string' ? status.startTime : '',
    );
    if (!want) return true;
    // Compare without timestamps: they are carried over when nothing changed.
    return deepEqual(stripTimes(want), stripTimes(status));
  }

  private schedule(key: string, storageKey: string, namespace: string, name: string, delay: number): void {
    clearTimeout(this.timers.get(key));
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.write(key, storageKey, namespace, name);
    }, delay);
    t.unref();
    this.timers.set(key, t);
  }

  private write(key: string, storageKey: string, namespace: string, name: string): void {
    if (this.stopped) return;
    const obj = this.d.store.get(storageKey, namespace, name);
    const info = this.d.registry.byStorageKey(storageKey);
    if (!obj || !info || obj.metadata.deletionTimestamp) return;
    const kind = KINDS[storageKey]!;
    const status = simulatedStatus(kind, obj, this.modeOf(key, obj), timestamp());
    if (!status) return;
    const scope: Scope = { info, version: info.versions[0]!, namespace };
    try {
      this.d.api.update(
        scope,
        name,
        { ...obj, status },
        { manager: 'kube-controller-manager', subresource: 'status' },
      );
    } catch (err) {
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
      this.d.logger?.warn?.({ err }, `kube-sim workload simulator: ${(err as Error).message}`);
    }
  }
}

function stripTimes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripTimes);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (
      k === 'lastUpdateTime' ||
      k === 'lastTransitionTime' ||
      k === 'completionTime' ||
      k === 'startTime' ||
      k === 'startedAt'
    )
      continue;
    out[k] = stripTimes(x);
  }
  return out;
}
