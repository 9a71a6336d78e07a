import { describeRef, groupOf, refOf, type KubeObject } from './model.js';

export type ReadinessState = 'ready' | 'in-progress' | 'failed';

export interface Readiness {
  state: ReadinessState;
  /** Names the object and what it is waiting for (empty when ready). */
  message: string;
}

type Rule = (obj: KubeObject, status: Record<string, unknown>) => Readiness;

const READY: Readiness = { state: 'ready', message: '' };

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function conditionOf(
  status: Record<string, unknown>,
  type: string,
): { status?: unknown; reason?: unknown; message?: unknown } | undefined {
  const list = Array.isArray(status.conditions) ? (status.conditions as unknown[]) : [];
  return list.map(record).find((c) => c.type === type);
}

function waiting(obj: KubeObject, what: string): Readiness {
  return { state: 'in-progress', message: `${describeRef(refOf(obj))}: ${what}` };
}

function failed(obj: KubeObject, what: string): Readiness {
  return { state: 'failed', message: `${describeRef(refOf(obj))}: ${what}` };
}

/** The controller has not yet seen the latest spec (kstatus' first rule for every kind with a generation). */
function staleGeneration(obj: KubeObject, status: Record<string, unknown>): Readiness | undefined {
  const generation = num(obj.metadata.generation);
  const observed = num(status.observedGeneration);
  if (generation === undefined) return undefined;
  if (observed === undefined || observed < generation) {
    return waiting(obj, `controller has not observed generation ${generation} yet`);
  }
  return undefined;
}

function specReplicas(obj: KubeObject): number {
  return num(record(obj.spec).replicas) ?? 1;
}

const deployment: Rule = (obj, status) => {
  const stale = staleGeneration(obj, status);
  if (stale) return stale;
  const progressing = conditionOf(status, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return failed(obj, 'progress deadline exceeded');
  const replicas = specReplicas(obj);
  const updated = num(status.updatedReplicas) ?? 0;
  const available = num(status.availableReplicas) ?? 0;
  const total = num(status.replicas) ?? 0;
  if (updated < replicas) return waiting(obj, `${updated}/${replicas} replicas updated`);
  if (total > updated) return waiting(obj, `${total - updated} old replicas pending termination`);
  if (available < replicas) return waiting(obj, `${available}/${replicas} replicas available`);
  const availableCondition = conditionOf(status, 'Available');
  if (availableCondition && availableCondition.status !== 'True')
    return waiting(obj, 'Available condition is not True');
  return READY;
};

const statefulSet: Rule = (obj, status) => {
  const stale = staleGeneration(obj, status);
  if (stale) return stale;
  const replicas = specReplicas(obj);
  const ready = num(status.readyReplicas) ?? 0;
  if (ready < replicas) return waiting(obj, `${ready}/${replicas} replicas ready`);
  const { currentRevision, updateRevision } = status;
  if (updateRevision !== undefined && currentRevision !== updateRevision) {
    return waiting(obj, `rolling update to revision ${JSON.stringify(updateRevision)} in progress`);
  }
  return READY;
};

const daemonSet: Rule = (obj, status) => {
  const stale = staleGeneration(obj, status);
  if (stale) return stale;
  const desired = num(status.desiredNumberScheduled);
  if (desired === undefined) return waiting(obj, 'no pods scheduled yet');
  const ready = num(status.numberReady) ?? 0;
  if (ready < desired) return waiting(obj, `${ready}/${desired} pods ready`);
  const updated = num(status.updatedNumberScheduled);
  if (updated !== undefined && updated < desired) return waiting(obj, `${updated}/${desired} pods updated`);
  return READY;
};

const replicaSet: Rule = (obj, status) => {
  const stale = staleGeneration(obj, status);
  if (stale) return stale;
  const replicas = specReplicas(obj);
  const ready = num(status.readyReplicas) ?? 0;
  const available = num(status.availableReplicas) ?? 0;
  if (ready < replicas) return waiting(obj, `${ready}/${replicas} replicas ready`);
  if (available < replicas) return waiting(obj, `${available}/${replicas} replicas available`);
  return READY;
};

const job: Rule = (obj, status) => {
  const failedCondition = conditionOf(status, 'Failed');
  if (failedCondition?.status === 'True') {
    return failed(
      obj,
      `job failed${typeof failedCondition.message === 'string' && failedCondition.message ? `: ${failedCondition.message}` : ''}`,
    );
  }
  if (conditionOf(status, 'Complete')?.status === 'True') return READY;
  return waiting(obj, 'job not complete yet');
};

const pod: Rule = (obj, status) => {
  if (status.phase === 'Succeeded') return READY;
  if (status.phase === 'Failed') return failed(obj, 'pod failed');
  if (conditionOf(status, 'Ready')?.status === 'True') return READY;
  return waiting(obj, `pod not ready (phase ${typeof status.phase === 'string' ? status.phase : 'unknown'})`);
};

const pvc: Rule = (obj, status) => {
  if (status.phase === 'Bound') return READY;
  if (status.phase === 'Lost') return failed(obj, 'claim lost its volume');
  return waiting(obj, 'claim not bound yet');
};

const service: Rule = (obj, status) => {
  if (record(obj.spec).type !== 'LoadBalancer') return READY;
  const ingress = record(status.loadBalancer).ingress;
  if (Array.isArray(ingress) && ingress.length > 0) return READY;
  return waiting(obj, 'load balancer has no ingress yet');
};

/** kstatus' generic rules for other kinds that report conditions (e.g. custom resources). */
const generic: Rule = (obj, status) => {
  if (conditionOf(status, 'Stalled')?.status === 'True') return failed(obj, 'Stalled condition is True');
  if (conditionOf(status, 'Reconciling')?.status === 'True')
    return waiting(obj, 'Reconciling condition is True');
  return READY;
};

const RULES: Readonly<Record<string, Rule>> = {
  'apps/Deployment': deployment,
  'apps/StatefulSet': statefulSet,
  'apps/DaemonSet': daemonSet,
  'apps/ReplicaSet': replicaSet,
  'batch/Job': job,
  '/Pod': pod,
  '/PersistentVolumeClaim': pvc,
  '/Service': service,
};

/**
 * Kinds that have no status, so their readiness is "ready once it exists" whatever else happens to them: the
 * watcher watches these as metadata only. Every other kind may carry what a rule reads (a status, or a custom
 * resource's Stalled/Reconciling conditions), so the watcher watches it whole and keeps only its verdict.
 */
const STATUSLESS_KINDS: ReadonlySet<string> = new Set([
  '/ConfigMap',
  '/Secret',
  '/ServiceAccount',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
]);

/** Whether an object of `apiVersion`/`kind` can ever be anything but ready (see STATUSLESS_KINDS). */
export function readinessCanChange(apiVersion: string, kind: string): boolean {
  return !STATUSLESS_KINDS.has(`${groupOf(apiVersion)}/${kind}`);
}

/**
 * Kinds of which a worker may take an object as its last reconcile left it, without a read, when nothing
 * reported a possible drift (readinessFixedByContent decides per object): the status-less kinds and Services.
 * The watcher marks the owner of such an object for a full read when a kind's first list finds that someone
 * else wrote it — a change nobody watched.
 */
export function mayTrustWithoutRead(apiVersion: string, kind: string): boolean {
  return !readinessCanChange(apiVersion, kind) || (groupOf(apiVersion) === '' && kind === 'Service');
}

/**
 * Whether an object's readiness follows from the content we render for it alone, whatever its status or others'
 * fields say — so that, applied as rendered and untouched since, it is ready without a read:
 * - the status-less kinds (always ready once they exist);
 * - a Service whose rendered spec makes it no LoadBalancer (the only type whose readiness reads its status): a
 *   rendered `type` other than LoadBalancer, or a rendered `clusterIP: None` (headless, which the API server
 *   refuses for a LoadBalancer). Those fields are then ours: anyone turning it into a LoadBalancer takes them
 *   from our apply, which the watcher reports as drift. A Service that renders neither could be turned into one
 *   by someone else's field beside ours, so its status is read.
 */
export function readinessFixedByContent(desired: KubeObject): boolean {
  if (!readinessCanChange(desired.apiVersion, desired.kind)) return true;
  if (!mayTrustWithoutRead(desired.apiVersion, desired.kind)) return false;
  const spec = record(desired.spec);
  if (spec.type === 'LoadBalancer') return false;
  return typeof spec.type === 'string' || spec.clusterIP === 'None';
}

/**
 * One object's verdict as one short string — `ready`, or the state and the message the CR's Ready condition
 * would show — so that two observations of the object compare equal exactly when a reconcile would report the
 * same readiness for it.
 */
export function readinessVerdict(obj: KubeObject): string {
  const r = assessReadiness(obj);
  return r.state === 'ready' ? 'ready' : `${r.state}: ${r.message}`;
}

/**
 * Readiness of one live object by kstatus rules: Deployment updated and available, StatefulSet ready and on
 * its update revision, DaemonSet ready, ReplicaSet ready, Job complete (Failed → failed), Pod ready, PVC bound,
 * LoadBalancer Service with an ingress; every other kind is ready once it exists.
 */
export function assessReadiness(obj: KubeObject): Readiness {
  const rule = RULES[`${groupOf(obj.apiVersion)}/${obj.kind}`] ?? generic;
  return rule(obj, record(obj.status));
}

export interface ReadinessSummary extends Readiness {
  total: number;
  notReady: number;
}

/**
 * Combined readiness: failed if any object failed, in-progress if any is not ready yet, else ready. The message
 * names up to three offending objects.
 */
export function summarizeReadiness(objects: readonly KubeObject[]): ReadinessSummary {
  const results = objects.map(assessReadiness);
  const failures = results.filter((r) => r.state === 'failed');
  const pending = results.filter((r) => r.state === 'in-progress');
  const total = objects.length;
  if (failures.length > 0)
    return {
      state: 'failed',
      message: listMessages(failures),
      total,
      notReady: failures.length + pending.length,
    };
  if (pending.length > 0)
    return { state: 'in-progress', message: listMessages(pending), total, notReady: pending.length };
  return {
    state: 'ready',
    message: total === 1 ? 'the object is ready' : `all ${total} objects are ready`,
    total,
    notReady: 0,
  };
}

function listMessages(results: readonly Readiness[]): string {
  const shown = results.slice(0, 3).map((r) => r.message);
  const more = results.length > 3 ? `; and ${results.length - 3} more` : '';
  return `${shown.join('; ')}${more}`;
}
