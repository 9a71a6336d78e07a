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

  // Issue 13 item 1: the default policy let a template (or an injected value) create a RoleBinding to admin.
  it('needs RBAC kinds and ServiceAccount token Secrets named in allow.kinds, even when it is empty', () => {
    const rb = obj('RoleBinding', 'team', 'rbac.authorization.k8s.io/v1');
    const role = obj('Role', 'team', 'rbac.authorization.k8s.io/v1');
    const token = { ...obj('Secret', 'team'), type: 'kubernetes.io/service-account-token' };
    const plainSecret = { ...obj('Secret', 'team'), type: 'Opaque' };
    const violations = findPolicyViolations([rb, role, token, plainSecret, obj('ConfigMap', 'team')], {
      cr,
      resourceName: 'apps',
    });
    expect(violations).toHaveLength(3);
    expect(violations[0]).toContain('RoleBinding team/o: a RoleBinding grants permissions');
    expect(violations[0]).toContain(
      'list "RoleBinding" (or "rbac.authorization.k8s.io/RoleBinding") in resources[name=apps].allow.kinds',
    );
    expect(violations[2]).toContain('a Secret holds a ServiceAccount token');
    const allow = { kinds: ['RoleBinding', 'rbac.authorization.k8s.io/Role', 'Secret', 'ConfigMap'] };
    expect(findPolicyViolations([rb, role, token, plainSecret], { cr, resourceName: 'apps', allow })).toEqual(
      [],
    );
    // Cluster-scoped RBAC needs both: the kind by name and allow.clusterScoped.
    const crb = obj('ClusterRoleBinding', undefined, 'rbac.authorization.k8s.io/v1');
    expect(
      findPolicyViolations([crb], { cr, resourceName: 'apps', allow: { clusterScoped: true } })[0],
    ).toContain('grants permissions');
    expect(
      findPolicyViolations([crb], {
        cr,
        resourceName: 'apps',
        allow: { clusterScoped: true, kinds: ['ClusterRoleBinding'] },
      }),
    ).toEqual([]);
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
