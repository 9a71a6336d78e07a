import { createHash } from 'node:crypto';
import { isObject } from './json-util.js';
import type { JsonObject, KubeObject, WorkloadMode } from './types.js';

export type SimulatedMode = 'ready' | WorkloadMode;

function num(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}

function podTemplateHash(obj: KubeObject): string {
  const spec = isObject(obj.spec) ? obj.spec : {};
  return createHash('sha256')
    .update(JSON.stringify(spec.template ?? {}))
    .digest('hex')
    .slice(0, 10);
}

function condition(
  prev: JsonObject | undefined,
  type: string,
  status: string,
  reason: string,
  message: string,
  now: string,
  withUpdate: boolean,
): JsonObject {
  const c: JsonObject = { type, status };
  if (withUpdate)
    c.lastUpdateTime =
      prev?.status === status && prev.reason === reason && typeof prev.lastUpdateTime === 'string'
        ? prev.lastUpdateTime
        : now;
  c.lastTransitionTime =
    prev?.status === status && typeof prev.lastTransitionTime === 'string' ? prev.lastTransitionTime : now;
  c.reason = reason;
  c.message = message;
  return c;
}

function prevCondition(obj: KubeObject, type: string): JsonObject | undefined {
  const status = isObject(obj.status) ? obj.status : {};
  const conds = Array.isArray(status.conditions) ? status.conditions : [];
  return conds.find((c): c is JsonObject => isObject(c) && c.type === type);
}

/**
 * The status the built-in controllers would report for a workload, as kwok-style simulation: everything
 * becomes ready/available/complete, or stays unready, or fails (per `mode`). Pure: `now` is passed in.
 */
export function simulatedStatus(
  kind: string,
  obj: KubeObject,
  mode: SimulatedMode,
  now: string,
): JsonObject | undefined {
  const spec = isObject(obj.spec) ? obj.spec : {};
  const status = isObject(obj.status) ? obj.status : {};
  const gen = num(obj.metadata.generation, 1);
  const name = obj.metadata.name ?? '';
  const ready = mode === 'ready';
  switch (kind) {
    case 'Deployment': {
      const replicas = num(spec.replicas, 1);
      const rs = `${name}-${podTemplateHash(obj)}`;
      const s: JsonObject = { observedGeneration: gen, replicas, updatedReplicas: replicas };
      if (ready) {
        if (replicas > 0) Object.assign(s, { readyReplicas: replicas, availableReplicas: replicas });
      } else if (replicas > 0) s.unavailableReplicas = replicas;
      s.conditions = [
        ready || replicas === 0
          ? condition(
              prevCondition(obj, 'Available'),
              'Available',
              'True',
              'MinimumReplicasAvailable',
              'Deployment has minimum availability.',
              now,
              true,
            )
          : condition(
              prevCondition(obj, 'Available'),
              'Available',
              'False',
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
              now,
              true,
            ),
        mode === 'failed'
          ? condition(
              prevCondition(obj, 'Progressing'),
              'Progressing',
              'False',
              'ProgressDeadlineExceeded',
              `ReplicaSet "${rs}" has timed out progressing.`,
              now,
              true,
            )
          : ready
            ? condition(
                prevCondition(obj, 'Progressing'),
                'Progressing',
                'True',
                'NewReplicaSetAvailable',
                `ReplicaSet "${rs}" has successfully progressed.`,
                now,
                true,
              )
            : condition(
                prevCondition(obj, 'Progressing'),
                'Progressing',
                'True',
                'ReplicaSetUpdated',
                `ReplicaSet "${rs}" is progressing.`,
                now,
                true,
              ),
      ];
      return s;
    }
    case 'StatefulSet': {
      const replicas = num(spec.replicas, 1);
      const rev = `${name}-${podTemplateHash(obj)}`;
      return {
        observedGeneration: gen,
        replicas,
        readyReplicas: ready ? replicas : 0,
        currentReplicas: replicas,
        updatedReplicas: replicas,
        availableReplicas: ready ? replicas : 0,
        currentRevision: rev,
        updateRevision: rev,
        collisionCount: 0,
      };
    }
    case 'ReplicaSet': {
      const replicas = num(spec.replicas, 1);
      return {
        observedGeneration: gen,
        replicas,
        fullyLabeledReplicas: replicas,
        readyReplicas: ready ? replicas : 0,
        availableReplicas: ready ? replicas : 0,
      };
    }
    case 'DaemonSet': {
      // One simulated node.
      const s: JsonObject = {
        observedGeneration: gen,
        currentNumberScheduled: 1,
        desiredNumberScheduled: 1,
        numberMisscheduled: 0,
        numberReady: ready ? 1 : 0,
        updatedNumberScheduled: 1,
      };
      if (ready) s.numberAvailable = 1;
      else s.numberUnavailable = 1;
      return s;
    }
    case 'Job': {
      const completions = num(spec.completions, 1);
      const backoff = num(spec.backoffLimit, 6);
      const startTime = typeof status.startTime === 'string' ? status.startTime : now;
      if (mode === 'unready')
        return {
          startTime,
          active: num(spec.parallelism, 1),
          ready: 0,
          terminating: 0,
          uncountedTerminatedPods: {},
        };
      if (mode === 'failed')
        return {
          startTime,
          failed: backoff + 1,
          ready: 0,
          terminating: 0,
          uncountedTerminatedPods: {},
          conditions: [
            condition(
              prevCondition(obj, 'FailureTarget'),
              'FailureTarget',
              'True',
              'BackoffLimitExceeded',
              'Job has reached the specified backoff limit',
              now,
              false,
            ),
            condition(
              prevCondition(obj, 'Failed'),
              'Failed',
              'True',
              'BackoffLimitExceeded',
              'Job has reached the specified backoff limit',
              now,
              false,
            ),
          ],
        };
      return {
        startTime,
        completionTime: typeof status.completionTime === 'string' ? status.completionTime : now,
        succeeded: completions,
        ready: 0,
        terminating: 0,
        uncountedTerminatedPods: {},
        conditions: [
          condition(
            prevCondition(obj, 'SuccessCriteriaMet'),
            'SuccessCriteriaMet',
            'True',
            'CompletionsReached',
            'Reached expected number of succeeded pods',
            now,
            false,
          ),
          condition(
            prevCondition(obj, 'Complete'),
            'Complete',
            'True',
            'CompletionsReached',
            'Reached expected number of succeeded pods',
            now,
            false,
          ),
        ],
      };
    }
    case 'Pod': {
      const containers = Array.isArray(spec.containers) ? spec.containers.filter(isObject) : [];
      const phase = mode === 'failed' ? 'Failed' : 'Running';
      const readyStr = ready ? 'True' : 'False';
      return {
        phase,
        conditions: [
          condition(prevCondition(obj, 'Initialized'), 'Initialized', 'True', '', '', now, false),
          condition(
            prevCondition(obj, 'Ready'),
            'Ready',
            readyStr,
            ready ? '' : 'ContainersNotReady',
            ready ? '' : 'containers with unready status',
            now,
            false,
          ),
          condition(
            prevCondition(obj, 'ContainersReady'),
            'ContainersReady',
            readyStr,
            ready ? '' : 'ContainersNotReady',
            '',
            now,
            false,
          ),
          condition(prevCondition(obj, 'PodScheduled'), 'PodScheduled', 'True', '', '', now, false),
        ],
        hostIP: '10.0.0.1',
        podIP: '10.244.0.10',
        startTime: typeof status.startTime === 'string' ? status.startTime : now,
        qosClass: 'BestEffort',
        containerStatuses: containers.map((c) => ({
          name: c.name ?? '',
          image: c.image ?? '',
          imageID: '',
          ready,
          restartCount: mode === 'failed' ? 1 : 0,
          started: mode !== 'failed',
          state:
            mode === 'failed'
              ? { terminated: { exitCode: 1, reason: 'Error' } }
              : { running: { startedAt: now } },
        })),
      };
    }
    default:
      return undefined;
  }
}
