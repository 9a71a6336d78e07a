import { describe, expect, it } from 'vitest';
import { RenderError } from '@lostromos/render';
import { buildDesiredObjects } from './desired-objects.js';
import type { KubeObject } from './kube-object.js';

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
