/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- assertions dig into untyped JSON */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from './types.js';
import { simulatedStatus } from './workload-status.js';

const now = '2026-01-01T00:00:00Z';
const deploy: KubeObject = {
  metadata: { name: 'web', generation: 3 },
  spec: { replicas: 2, template: { spec: {} } },
};

describe('simulatedStatus', () => {
  it('reports a ready Deployment like the deployment controller', () => {
    const s = simulatedStatus('Deployment', deploy, 'ready', now)!;
    expect(s).toMatchObject({
      observedGeneration: 3,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });
    expect((s.conditions as any[]).map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ]);
  });
  it('keeps transition times when the condition does not change', () => {
    const first = simulatedStatus('Deployment', deploy, 'ready', now)!;
    const again = simulatedStatus(
      'Deployment',
      { ...deploy, status: first },
      'ready',
      '2026-01-02T00:00:00Z',
    )!;
    expect((again.conditions as any[])[0].lastTransitionTime).toBe(now);
  });
  it('reports unready and failed Deployments, Jobs and Pods', () => {
    const unready = simulatedStatus('Deployment', deploy, 'unready', now)!;
    expect(unready.unavailableReplicas).toBe(2);
    expect((unready.conditions as any[])[0]).toMatchObject({ type: 'Available', status: 'False' });
    const failed = simulatedStatus('Deployment', deploy, 'failed', now)!;
    expect((failed.conditions as any[])[1]).toMatchObject({
      type: 'Progressing',
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
    });
    const job: KubeObject = { metadata: { name: 'j' }, spec: { completions: 3, backoffLimit: 2 } };
    expect(simulatedStatus('Job', job, 'ready', now)).toMatchObject({ succeeded: 3 });
    expect(simulatedStatus('Job', job, 'failed', now)).toMatchObject({ failed: 3 });
    expect(simulatedStatus('Job', job, 'unready', now)).toMatchObject({ active: 1 });
    const pod: KubeObject = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    expect(simulatedStatus('Pod', pod, 'ready', now)).toMatchObject({ phase: 'Running' });
    expect(simulatedStatus('Pod', pod, 'failed', now)).toMatchObject({ phase: 'Failed' });
    expect(simulatedStatus('ConfigMap', pod, 'ready', now)).toBeUndefined();
  });
});
