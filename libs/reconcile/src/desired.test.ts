import fc from 'fast-check';
import { RenderError } from '@lostromos/render';
import { describe, expect, it } from 'vitest';
import {
  buildDesiredObjects,
  enforceAllowPolicy,
  findPolicyViolations,
  kindAllowed,
  renderHash,
  sortForApply,
  sortForDelete,
} from './desired.js';
import { PolicyViolationError } from './errors.js';
import { canonicalJson, jsonEqual, type KubeObject } from './model.js';

const nsCr: KubeObject = {
  apiVersion: 'stable.example.io/v1',
  kind: 'Character',
  metadata: { name: 'ripley', namespace: 'crew', uid: 'uid-1', generation: 1 },
};
const clusterCr: KubeObject = {
  apiVersion: 'stable.example.io/v1',
  kind: 'Fleet',
  metadata: { name: 'nostromo', uid: 'uid-2', generation: 1 },
};
const cm = (meta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cm', ...meta },
  data: { a: 'b' },
});
const ownerRef = {
  apiVersion: 'stable.example.io/v1',
  kind: 'Character',
  name: 'ripley',
  uid: 'uid-1',
  controller: true,
  blockOwnerDeletion: true,
};

describe('buildDesiredObjects', () => {
  it('defaults a namespaced object to the CR namespace, labels it and makes the CR its controller', () => {
    const [obj] = buildDesiredObjects([cm()], { cr: nsCr, resourceName: 'characters' });
    expect(obj?.metadata).toEqual({
      name: 'cm',
      namespace: 'crew',
      labels: {
        'app.kubernetes.io/managed-by': 'lostromos',
        'lostromos.io/resource': 'characters',
        'lostromos.io/owner-uid': 'uid-1',
      },
      ownerReferences: [ownerRef],
    });
    expect(obj?.data).toEqual({ a: 'b' });
  });

  it('keeps template labels but our labels win on conflict', () => {
    const [obj] = buildDesiredObjects(
      [
        cm({
          labels: { app: 'x', 'lostromos.io/owner-uid': 'forged', 'app.kubernetes.io/managed-by': 'helm' },
        }),
      ],
      { cr: nsCr, resourceName: 'characters' },
    );
    expect(obj?.metadata.labels).toEqual({
      app: 'x',
      'app.kubernetes.io/managed-by': 'lostromos',
      'lostromos.io/resource': 'characters',
      'lostromos.io/owner-uid': 'uid-1',
    });
  });

  it('does not modify its input', () => {
    const input = cm();
    const snapshot = structuredClone(input);
    buildDesiredObjects([input], { cr: nsCr, resourceName: 'characters' });
    expect(input).toEqual(snapshot);
  });

  it('gives a namespaced CR no owner reference on objects in another namespace (label only)', () => {
    const [obj] = buildDesiredObjects([cm({ namespace: 'other' })], { cr: nsCr, resourceName: 'characters' });
    expect(obj?.metadata.namespace).toBe('other');
    expect(obj?.metadata.ownerReferences).toBeUndefined();
    expect(obj?.metadata.labels?.['lostromos.io/owner-uid']).toBe('uid-1');
  });

  it('gives a namespaced CR no owner reference on well-known cluster-scoped kinds and drops their namespace', () => {
    const role: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'reader', namespace: 'crew' },
    };
    const [obj] = buildDesiredObjects([role], { cr: nsCr, resourceName: 'characters' });
    expect(obj?.metadata.namespace).toBeUndefined();
    expect(obj?.metadata.ownerReferences).toBeUndefined();
  });

  it('lets a cluster-scoped CR own cluster-scoped and namespaced objects', () => {
    const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'deck' } };
    const objs = buildDesiredObjects([ns, cm({ namespace: 'deck' })], {
      cr: clusterCr,
      resourceName: 'fleets',
    });
    for (const obj of objs) expect(obj.metadata.ownerReferences?.[0]?.uid).toBe('uid-2');
  });

  it('rejects a namespaced object without namespace under a cluster-scoped CR, naming the fix', () => {
    expect(() => buildDesiredObjects([cm()], { cr: clusterCr, resourceName: 'fleets' })).toThrow(
      /ConfigMap cm is namespaced .* set metadata.namespace in the template/,
    );
  });

  it('uses discovery scope over the well-known table when given', () => {
    const widget: KubeObject = {
      apiVersion: 'x.io/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'crew' },
    };
    const [obj] = buildDesiredObjects([widget], {
      cr: nsCr,
      resourceName: 'characters',
      isNamespaced: () => false,
    });
    expect(obj?.metadata.namespace).toBeUndefined();
    expect(obj?.metadata.ownerReferences).toBeUndefined();
  });

  it('keeps non-controller owner references from the template and replaces a stale one to the CR', () => {
    const extra = { apiVersion: 'v1', kind: 'ConfigMap', name: 'parent', uid: 'p' };
    const [obj] = buildDesiredObjects(
      [cm({ ownerReferences: [extra, { ...ownerRef, controller: false }] })],
      {
        cr: nsCr,
        resourceName: 'characters',
      },
    );
    expect(obj?.metadata.ownerReferences).toEqual([extra, ownerRef]);
  });

  it('rejects a foreign controller owner reference', () => {
    const foreign = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'd1', controller: true };
    expect(() =>
      buildDesiredObjects([cm({ ownerReferences: [foreign] })], { cr: nsCr, resourceName: 'characters' }),
    ).toThrow(/Deployment d as its controller/);
  });

  it('omits the owner-uid label and owner reference when the CR has no uid (offline render)', () => {
    const offline: KubeObject = { ...nsCr, metadata: { name: 'ripley', namespace: 'crew' } };
    const [obj] = buildDesiredObjects([cm()], { cr: offline, resourceName: 'characters' });
    expect(obj?.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'lostromos',
      'lostromos.io/resource': 'characters',
    });
    expect(obj?.metadata.ownerReferences).toBeUndefined();
  });

  it('validates nothing the renderer validated: shapes and as-rendered duplicates are render errors', () => {
    // Same objects twice as rendered: @lostromos/render's validateObjects already refused them (its one rule
    // and code); decorating them again raises the same error, never a second code.
    const run = (): KubeObject[] => buildDesiredObjects([cm(), cm()], { cr: nsCr, resourceName: 'r' });
    expect(run).toThrow(RenderError);
    expect(run).toThrow(expect.objectContaining({ code: 'LZ_RENDER_DUPLICATE_OBJECT' }));
  });

  it("rejects two objects that become one once namespaces are set, with render's duplicate error", () => {
    let err: unknown;
    try {
      buildDesiredObjects([cm(), cm({ namespace: 'crew' })], { cr: nsCr, resourceName: 'r' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RenderError);
    expect(err).toMatchObject({ code: 'LZ_RENDER_DUPLICATE_OBJECT', retryable: false });
    expect((err as Error).message).toMatch(
      /^ConfigMap cm in namespace crew is rendered twice \(also as rendered object #1 of 2: an object without metadata\.namespace goes to the CR's namespace/,
    );
    expect((err as Error).message).toContain('make their names differ in the templates');

    const ns = (namespace: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team', namespace },
    });
    expect(() => buildDesiredObjects([ns('a'), ns('b')], { cr: clusterCr, resourceName: 'r' })).toThrow(
      /Namespace team is rendered twice \(also as rendered object #1 of 2/,
    );
  });
});

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
      expect((err as PolicyViolationError).code).toBe('LZ_POLICY_VIOLATION');
      expect((err as PolicyViolationError).retryable).toBe(false);
    }
  });
});

const k = (kind: string, name = kind): { kind: string; name: string } => ({ kind, name });

describe('apply order', () => {
  it('applies namespaces and CRDs first, then config and RBAC, then workloads, unknown kinds last', () => {
    const input = [
      k('Deployment'),
      k('Widget'),
      k('ConfigMap'),
      k('Namespace'),
      k('Role'),
      k('Service'),
      k('CustomResourceDefinition'),
      k('Secret'),
      k('ServiceAccount'),
      k('Apple'),
      k('Ingress'),
    ];
    expect(sortForApply(input).map((i) => i.kind)).toEqual([
      'Namespace',
      'ServiceAccount',
      'Secret',
      'ConfigMap',
      'CustomResourceDefinition',
      'Role',
      'Service',
      'Deployment',
      'Ingress',
      'Apple',
      'Widget',
    ]);
  });

  it('keeps template order among objects of the same kind', () => {
    const input = [k('ConfigMap', 'b'), k('Deployment', 'x'), k('ConfigMap', 'a')];
    expect(sortForApply(input).map((i) => i.name)).toEqual(['b', 'a', 'x']);
  });

  it('deletes in exactly the reverse apply order', () => {
    const input = [k('Deployment'), k('Namespace'), k('Widget'), k('ConfigMap')];
    expect(sortForDelete(input)).toEqual([...sortForApply(input)].reverse());
  });

  it('does not modify its input', () => {
    const input = [k('Deployment'), k('Namespace')];
    sortForApply(input);
    expect(input.map((i) => i.kind)).toEqual(['Deployment', 'Namespace']);
  });
});

const namedCm = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns' },
  data,
});

describe('canonical JSON', () => {
  it('is independent of key insertion order and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}',
    );
  });

  it('gives equal text for any reordering of the same object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        return canonicalJson(value) === canonicalJson(reversed) && jsonEqual(value, reversed);
      }),
    );
  });
});

describe('render hash', () => {
  it('is the same for the same objects in any order', () => {
    expect(renderHash([namedCm('a', { x: '1' }), namedCm('b', {})], 'r1')).toBe(
      renderHash([namedCm('b', {}), namedCm('a', { x: '1' })], 'r1'),
    );
  });

  it('changes when any field changes', () => {
    expect(renderHash([namedCm('a', { x: '1' })], 'r1')).not.toBe(
      renderHash([namedCm('a', { x: '2' })], 'r1'),
    );
  });

  it('changes when the renderer revision changes', () => {
    expect(renderHash([namedCm('a', {})], 'r1')).not.toBe(renderHash([namedCm('a', {})], 'r2'));
  });

  it('is a sha256 digest', () => {
    expect(renderHash([], 'r')).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
