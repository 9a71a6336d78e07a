import { describe, expect, it } from 'vitest';
import { enforceAllowPolicy, findPolicyViolations, kindAllowed } from './allow-policy.js';
import { PolicyViolationError } from './errors.js';
import type { KubeObject } from './kube-object.js';

const cr: KubeObject = {
  apiVersion: 'x.io/v1',
  kind: 'App',
  metadata: { name: 'a', namespace: 'team', uid: 'u' },
};
const obj = (kind: string, namespace?: string, apiVersion = 'v1'): KubeObject => ({
  apiVersion,
  kind,
  metadata: namespace ? { name: 'o', namespace } : { name: 'o' },
});

describe('allow policy', () => {
  it('by default allows namespaced objects in the CR namespace only', () => {
    expect(findPolicyViolations([obj('ConfigMap', 'team')], { cr, resourceName: 'apps' })).toEqual([]);
    const [message] = findPolicyViolations([obj('ConfigMap', 'prod')], { cr, resourceName: 'apps' });
    expect(message).toContain('ConfigMap prod/o');
    expect(message).toContain(`allowed: the CR's namespace "team"`);
    expect(message).toContain('add "prod" to resources[name=apps].allow.namespaces');
  });

  it('by default rejects cluster-scoped objects, naming allow.clusterScoped', () => {
    const [message] = findPolicyViolations([obj('Namespace')], { cr, resourceName: 'apps' });
    expect(message).toMatch(/Namespace o: Namespace is cluster-scoped/);
    expect(message).toContain('resources[name=apps].allow.clusterScoped: true');
  });

  it('permits listed extra namespaces, or all with "*"', () => {
    const ctx = { cr, resourceName: 'apps', allow: { namespaces: ['prod'] } };
    expect(findPolicyViolations([obj('ConfigMap', 'prod')], ctx)).toEqual([]);
    expect(findPolicyViolations([obj('ConfigMap', 'dev')], ctx)).toHaveLength(1);
    expect(findPolicyViolations([obj('ConfigMap', 'dev')], { ...ctx, allow: { namespaces: ['*'] } })).toEqual(
      [],
    );
  });

  it('permits cluster-scoped objects when allow.clusterScoped is true', () => {
    expect(
      findPolicyViolations([obj('Namespace')], { cr, resourceName: 'apps', allow: { clusterScoped: true } }),
    ).toEqual([]);
  });

  it('restricts kinds to allow.kinds given as Kind or group/Kind', () => {
    const allow = { kinds: ['ConfigMap', 'apps/Deployment'] };
    const objects = [
      obj('ConfigMap', 'team'),
      obj('Deployment', 'team', 'apps/v1'),
      obj('Deployment', 'team', 'other.io/v1'),
      obj('Secret', 'team'),
    ];
    const violations = findPolicyViolations(objects, { cr, resourceName: 'apps', allow });
    expect(violations).toHaveLength(2);
    expect(violations[0]).toContain(
      'kind other.io/Deployment is not in allow.kinds [ConfigMap, apps/Deployment]',
    );
    expect(violations[1]).toContain('add "Secret" or "core/Secret" to resources[name=apps].allow.kinds');
  });

  it('matches core kinds written as core/Kind', () => {
    expect(kindAllowed('v1', 'Secret', ['core/Secret'])).toBe(true);
    expect(kindAllowed('apps/v1', 'Secret', ['core/Secret'])).toBe(false);
  });

  it('requires a cluster-scoped CR to list the namespaces its objects go to', () => {
    const clusterCr: KubeObject = { apiVersion: 'x.io/v1', kind: 'Fleet', metadata: { name: 'f', uid: 'u' } };
    const [message] = findPolicyViolations([obj('ConfigMap', 'team')], {
      cr: clusterCr,
      resourceName: 'fleets',
    });
    expect(message).toContain('(allowed: none)');
  });

  it('throws one PolicyViolationError listing every violation', () => {
    const run = (): void =>
      enforceAllowPolicy([obj('Namespace'), obj('ConfigMap', 'prod')], { cr, resourceName: 'apps' });
    expect(run).toThrow(PolicyViolationError);
    try {
      run();
    } catch (err) {
      expect((err as PolicyViolationError).violations).toHaveLength(2);
      expect((err as PolicyViolationError).code).toBe('LOSTROMOS_POLICY_VIOLATION');
      expect((err as PolicyViolationError).retryable).toBe(false);
    }
  });
});
