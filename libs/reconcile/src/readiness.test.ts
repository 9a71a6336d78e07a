import { describe, expect, it } from 'vitest';
import type { KubeObject } from './model.js';
import { assessReadiness, readinessFixedByContent, summarizeReadiness } from './readiness.js';

const make = (
  apiVersion: string,
  kind: string,
  spec: unknown,
  status: unknown,
  generation = 2,
): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'x', namespace: 'ns', generation },
  spec,
  status,
});
const deploy = (status: unknown, replicas = 2): KubeObject =>
  make('apps/v1', 'Deployment', { replicas }, status);

describe('readiness (kstatus rules)', () => {
  it('a Deployment is ready when observed, updated and available', () => {
    const status = {
      observedGeneration: 2,
      replicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
      readyReplicas: 2,
    };
    expect(assessReadiness(deploy(status)).state).toBe('ready');
    expect(
      assessReadiness(deploy({ ...status, conditions: [{ type: 'Available', status: 'True' }] })).state,
    ).toBe('ready');
  });

  it('a Deployment whose controller has not seen the new generation is in progress, naming the object', () => {
    const r = assessReadiness(
      deploy({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
    );
    expect(r).toEqual({
      state: 'in-progress',
      message: 'Deployment ns/x: controller has not observed generation 2 yet',
    });
  });

  it('a Deployment rolling out or short of available replicas is in progress', () => {
    expect(
      assessReadiness(
        deploy({ observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 2 }),
      ).message,
    ).toContain('1/2 replicas updated');
    expect(
      assessReadiness(
        deploy({ observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 }),
      ).message,
    ).toContain('old replicas pending termination');
    expect(
      assessReadiness(
        deploy({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 }),
      ).message,
    ).toContain('1/2 replicas available');
    const unavailable = {
      observedGeneration: 2,
      replicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
      conditions: [{ type: 'Available', status: 'False' }],
    };
    expect(assessReadiness(deploy(unavailable)).state).toBe('in-progress');
  });

  it('a Deployment past its progress deadline has failed', () => {
    const status = {
      observedGeneration: 2,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
    };
    expect(assessReadiness(deploy(status)).state).toBe('failed');
  });

  it('a Deployment defaults to one replica and has no status before its controller acts', () => {
    expect(assessReadiness(make('apps/v1', 'Deployment', {}, undefined)).state).toBe('in-progress');
    expect(
      assessReadiness(
        make(
          'apps/v1',
          'Deployment',
          {},
          { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
        ),
      ).state,
    ).toBe('ready');
  });

  it('a StatefulSet is ready when all replicas are ready on the update revision', () => {
    const ss = (status: unknown): KubeObject => make('apps/v1', 'StatefulSet', { replicas: 2 }, status);
    expect(assessReadiness(ss({ observedGeneration: 2, readyReplicas: 2 })).state).toBe('ready');
    expect(assessReadiness(ss({ observedGeneration: 2, readyReplicas: 1 })).state).toBe('in-progress');
    expect(
      assessReadiness(
        ss({ observedGeneration: 2, readyReplicas: 2, currentRevision: 'a', updateRevision: 'b' }),
      ).state,
    ).toBe('in-progress');
    expect(
      assessReadiness(
        ss({ observedGeneration: 2, readyReplicas: 2, currentRevision: 'b', updateRevision: 'b' }),
      ).state,
    ).toBe('ready');
  });

  it('a DaemonSet is ready when every scheduled pod is ready', () => {
    const ds = (status: unknown): KubeObject => make('apps/v1', 'DaemonSet', {}, status);
    expect(
      assessReadiness(ds({ observedGeneration: 2, desiredNumberScheduled: 3, numberReady: 3 })).state,
    ).toBe('ready');
    expect(
      assessReadiness(ds({ observedGeneration: 2, desiredNumberScheduled: 3, numberReady: 2 })).state,
    ).toBe('in-progress');
  });

  it('a ReplicaSet is ready when its replicas are ready and available', () => {
    const rs = (status: unknown): KubeObject => make('apps/v1', 'ReplicaSet', { replicas: 1 }, status);
    expect(assessReadiness(rs({ observedGeneration: 2, readyReplicas: 1, availableReplicas: 1 })).state).toBe(
      'ready',
    );
    expect(assessReadiness(rs({ observedGeneration: 2, readyReplicas: 1, availableReplicas: 0 })).state).toBe(
      'in-progress',
    );
  });

  it('a Job is ready when Complete, failed when Failed, otherwise in progress', () => {
    const job = (conditions: unknown[]): KubeObject => make('batch/v1', 'Job', {}, { conditions });
    expect(assessReadiness(job([{ type: 'Complete', status: 'True' }])).state).toBe('ready');
    expect(
      assessReadiness(job([{ type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' }])),
    ).toEqual({
      state: 'failed',
      message: 'Job ns/x: job failed: BackoffLimitExceeded',
    });
    expect(assessReadiness(job([])).state).toBe('in-progress');
  });

  it('a PVC is ready when Bound and failed when Lost', () => {
    const pvc = (phase: string): KubeObject => make('v1', 'PersistentVolumeClaim', {}, { phase });
    expect(assessReadiness(pvc('Bound')).state).toBe('ready');
    expect(assessReadiness(pvc('Pending')).state).toBe('in-progress');
    expect(assessReadiness(pvc('Lost')).state).toBe('failed');
  });

  it('a LoadBalancer Service waits for an ingress; other Services are ready on existence', () => {
    expect(assessReadiness(make('v1', 'Service', { type: 'ClusterIP' }, {})).state).toBe('ready');
    expect(assessReadiness(make('v1', 'Service', { type: 'LoadBalancer' }, { loadBalancer: {} })).state).toBe(
      'in-progress',
    );
    expect(
      assessReadiness(
        make('v1', 'Service', { type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } }),
      ).state,
    ).toBe('ready');
  });

  it('a Pod is ready when its Ready condition is True or it succeeded', () => {
    expect(
      assessReadiness(
        make('v1', 'Pod', {}, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }),
      ).state,
    ).toBe('ready');
    expect(assessReadiness(make('v1', 'Pod', {}, { phase: 'Pending' })).state).toBe('in-progress');
    expect(assessReadiness(make('v1', 'Pod', {}, { phase: 'Failed' })).state).toBe('failed');
  });

  it('other kinds are ready on existence unless they report Reconciling or Stalled', () => {
    expect(assessReadiness(make('v1', 'ConfigMap', undefined, undefined)).state).toBe('ready');
    expect(
      assessReadiness(
        make('x.io/v1', 'Widget', {}, { conditions: [{ type: 'Reconciling', status: 'True' }] }),
      ).state,
    ).toBe('in-progress');
    expect(
      assessReadiness(make('x.io/v1', 'Widget', {}, { conditions: [{ type: 'Stalled', status: 'True' }] }))
        .state,
    ).toBe('failed');
  });

  it('summarises: failed wins over in progress, which wins over ready', () => {
    const ready = make('v1', 'ConfigMap', undefined, undefined);
    const pending = make('batch/v1', 'Job', {}, {});
    const failedJob = make('batch/v1', 'Job', {}, { conditions: [{ type: 'Failed', status: 'True' }] });
    expect(summarizeReadiness([ready]).state).toBe('ready');
    expect(summarizeReadiness([ready]).message).toBe('the object is ready');
    expect(summarizeReadiness([ready, ready]).message).toBe('all 2 objects are ready');
    expect(summarizeReadiness([ready, pending]).state).toBe('in-progress');
    expect(summarizeReadiness([pending, failedJob]).state).toBe('failed');
    expect(summarizeReadiness([ready, pending, pending, pending, pending]).message).toMatch(/; and 1 more$/);
  });
});

describe('readinessFixedByContent', () => {
  const svc = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec,
  });

  it('holds for status-less kinds and for a Service the rendered spec keeps from being a LoadBalancer', () => {
    expect(readinessFixedByContent({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })).toBe(
      true,
    );
    expect(readinessFixedByContent(svc({ clusterIP: 'None' }))).toBe(true);
    expect(readinessFixedByContent(svc({ type: 'ClusterIP' }))).toBe(true);
    expect(readinessFixedByContent(svc({ type: 'NodePort' }))).toBe(true);
    expect(readinessFixedByContent(svc({ type: 'ExternalName', externalName: 'example.org' }))).toBe(true);
  });

  it('does not hold where a status (or a field someone else may set) decides', () => {
    expect(readinessFixedByContent(svc({ type: 'LoadBalancer' }))).toBe(false);
    // No rendered type: someone else's `type: LoadBalancer` beside our fields would be no drift of ours.
    expect(readinessFixedByContent(svc({ ports: [{ port: 80 }] }))).toBe(false);
    expect(
      readinessFixedByContent({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }),
    ).toBe(false);
    // A custom resource's Stalled/Reconciling conditions are status.
    expect(
      readinessFixedByContent({ apiVersion: 'example.io/v1', kind: 'Service', metadata: { name: 's' } }),
    ).toBe(false);
  });
});
