import {
  FIELD_MANAGER,
  OWNER_UID_LABEL,
  UnknownKindError,
  type ClusterReader,
  type ClusterWriter,
  type CrKey,
  type CrStatus,
  type KindRef,
  type KubeObject,
  type ObjectRef,
  type PropagationPolicy,
} from '@lostromos/reconcile';
import { applyBody } from './apply-body.js';
import type { Discovery } from './discovery.js';
import { KubeApiError, ResourceNotServedError } from './errors.js';
import { joinApiVersion, resourcePath } from './resource-path.js';
import type { RestClient, RestResponse } from './rest-client.js';

/**
 * The create-only precondition of {@link KubeClusterPorts.applyIfAbsent}: Number.MAX_SAFE_INTEGER seconds, a
 * grace period no deletion sets (it is dropped on create, so no object ever keeps it).
 */
export const CREATE_ONLY_GRACE_SECONDS = Number.MAX_SAFE_INTEGER;

function describeObject(obj: KubeObject): string {
  const ns = obj.metadata.namespace ? `${obj.metadata.namespace}/` : '';
  return `${obj.kind} ${ns}${obj.metadata.name ?? ''}`;
}

export interface ClusterPortsOptions {
  client: RestClient;
  discovery: Discovery;
  /** Field manager of every server-side apply (default "lostromos"). */
  fieldManager?: string;
}

async function orUndefinedOn404<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** Lists omit apiVersion/kind on items; restore them. */
function withKind(items: KubeObject[], kind: KindRef): KubeObject[] {
  return items.map((i) => ({ ...i, apiVersion: i.apiVersion ?? kind.apiVersion, kind: i.kind ?? kind.kind }));
}

/**
 * The reconcile ports over the Kubernetes REST API: fresh reads (no cache), server-side apply with a fixed
 * field manager, uid-preconditioned deletes, finalizer JSON patches guarded by a resourceVersion `test`, and
 * status merge patches on the status subresource guarded by the resourceVersion. Transient failures surface
 * as KubeApiError with `retryable: true` (and `retryAfterMs` from Retry-After).
 */
export class KubeClusterPorts implements ClusterReader, ClusterWriter {
  private readonly client: RestClient;
  private readonly discovery: Discovery;
  private readonly fieldManager: string;

  constructor(opts: ClusterPortsOptions) {
    this.client = opts.client;
    this.discovery = opts.discovery;
    this.fieldManager = opts.fieldManager ?? FIELD_MANAGER;
  }

  /** Path of an object; throws UnknownKindError when its kind is not served. */
  private async objectPath(
    ref: { apiVersion: string; kind: string; namespace?: string; name?: string },
    sub?: string,
  ): Promise<string> {
    let info;
    try {
      info = await this.discovery.resolveKind(ref.apiVersion, ref.kind);
    } catch (err) {
      if (err instanceof ResourceNotServedError)
        throw new UnknownKindError(ref.apiVersion, ref.kind, { cause: err });
      throw err;
    }
    return resourcePath({
      apiVersion: ref.apiVersion,
      plural: info.plural,
      ...(info.namespaced && ref.namespace ? { namespace: ref.namespace } : {}),
      ...(ref.name !== undefined ? { name: ref.name } : {}),
      ...(sub ? { subresource: sub } : {}),
    });
  }

  private crPath(cr: KubeObject, sub?: string): Promise<string> {
    return this.objectPath(
      {
        apiVersion: cr.apiVersion,
        kind: cr.kind,
        ...(cr.metadata.namespace ? { namespace: cr.metadata.namespace } : {}),
        name: cr.metadata.name ?? '',
      },
      sub,
    );
  }

  async getCr(key: CrKey, gvk: { apiVersion: string; kind?: string }): Promise<KubeObject | undefined> {
    const version = gvk.apiVersion.includes('/')
      ? gvk.apiVersion.slice(gvk.apiVersion.indexOf('/') + 1)
      : gvk.apiVersion;
    const path = resourcePath({
      apiVersion: joinApiVersion(key.group, version),
      plural: key.plural,
      ...(key.namespace ? { namespace: key.namespace } : {}),
      name: key.name,
    });
    const res = await orUndefinedOn404(this.client.request<KubeObject>({ method: 'GET', path }));
    return res?.body;
  }

  async getObject(ref: ObjectRef): Promise<KubeObject | undefined> {
    let path: string;
    try {
      path = await this.objectPath(ref);
    } catch (err) {
      // An object of a kind the server does not serve cannot exist.
      if (err instanceof UnknownKindError) return undefined;
      throw err;
    }
    const res = await orUndefinedOn404(this.client.request<KubeObject>({ method: 'GET', path }));
    return res?.body;
  }

  async listOwned(kind: KindRef, ownerUid: string, namespace?: string): Promise<KubeObject[]> {
    let path: string;
    try {
      path = await this.objectPath({ ...kind, ...(namespace ? { namespace } : {}) });
    } catch (err) {
      if (err instanceof UnknownKindError) return [];
      throw err;
    }
    const items: KubeObject[] = [];
    let cont: string | undefined;
    do {
      const res = await this.client.request<{ items?: KubeObject[]; metadata?: { continue?: string } }>({
        method: 'GET',
        path,
        query: { labelSelector: `${OWNER_UID_LABEL}=${ownerUid}`, limit: 500, continue: cont },
        verb: 'list',
      });
      items.push(...withKind(res.body.items ?? [], kind));
      cont = res.body.metadata?.continue || undefined;
    } while (cont);
    return items;
  }

  async isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    try {
      return (await this.discovery.resolveKind(apiVersion, kind)).namespaced;
    } catch (err) {
      if (err instanceof ResourceNotServedError) throw new UnknownKindError(apiVersion, kind, { cause: err });
      throw err;
    }
  }

  async apply(obj: KubeObject, opts: { dryRun?: boolean } = {}): Promise<KubeObject> {
    // dryRun=All: the API server runs admission, defaulting and validation and answers with the object the
    // apply would produce, without persisting it (what `lostromos diff` compares with the live object).
    return (await this.sendApply(obj, opts.dryRun ? { dryRun: 'All' } : {})).body;
  }

  /**
   * A server-side apply that can only create. Server-side apply has no create-only mode, so the applied
   * configuration carries `metadata.deletionGracePeriodSeconds`: the API server drops it when it creates the
   * object (rest.BeforeCreate), but changing it on an existing object is invalid (422 "field is immutable",
   * from the API server's own validation, writing nothing) — a precondition that holds only when the object is
   * absent.
   * The value is one no deletion ever sets, so even an object being deleted refuses it. Pinned by the
   * conformance test "create-only apply" (test/kube-sim/server-side-apply.test.ts) on the real API server.
   *
   * Any 400/409/422 is 'refused': the caller reads the live object and then applies normally, which reports a
   * genuinely invalid object with the server's own words (the precondition field never shows up in them).
   */
  async applyIfAbsent(obj: KubeObject): Promise<KubeObject | 'refused'> {
    const guardedObj = {
      ...obj,
      metadata: { ...obj.metadata, deletionGracePeriodSeconds: CREATE_ONLY_GRACE_SECONDS },
    };
    let res: RestResponse<KubeObject>;
    try {
      res = await this.sendApply(guardedObj, {});
    } catch (err) {
      if (err instanceof KubeApiError && [400, 409, 422].includes(err.status)) return 'refused';
      throw err;
    }
    if (res.status !== 201) {
      // Unreachable while the API server keeps the rules above; say so loudly rather than carry on.
      throw new Error(
        `create-only apply of ${describeObject(obj)} answered ${res.status}, not 201 Created: the API server no longer ` +
          'refuses to change metadata.deletionGracePeriodSeconds of an existing object; report this Kubernetes version',
      );
    }
    return res.body;
  }

  /**
   * A server-side apply to the existing object with this uid only: the applied configuration carries
   * `metadata.uid`, which the API server checks against the live object — another object of that name (one
   * replaced since) is refused with 422 "field is immutable", no object at all with 409 "uid mismatch … no
   * existing object was found", and nothing is written either way. Pinned by the conformance test "uid apply"
   * (test/kube-sim/server-side-apply.test.ts) on the real API server.
   *
   * Any 400/409/422 is 'refused', as for {@link applyIfAbsent}: the caller reads the live object and decides.
   */
  async applyIfUid(obj: KubeObject, uid: string): Promise<KubeObject | 'refused'> {
    try {
      return (await this.sendApply({ ...obj, metadata: { ...obj.metadata, uid } }, {})).body;
    } catch (err) {
      if (err instanceof KubeApiError && [400, 409, 422].includes(err.status)) return 'refused';
      throw err;
    }
  }

  private async sendApply(obj: KubeObject, query: Record<string, string>): Promise<RestResponse<KubeObject>> {
    const path = await this.objectPath({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
      name: obj.metadata.name ?? '',
    });
    // JSON is YAML: the apply content type is what makes this a server-side apply (CRs reject strategic merge).
    // applyBody escapes what YAML would fold (U+0085 …), so the live object gets exactly the rendered strings.
    return this.client.request<KubeObject>({
      method: 'PATCH',
      path,
      query: { fieldManager: this.fieldManager, force: true, ...query },
      body: applyBody(obj),
      contentType: 'application/apply-patch+yaml',
      verb: 'apply',
    });
  }

  async deleteObject(
    ref: ObjectRef,
    opts: { uid?: string; propagationPolicy?: PropagationPolicy } = {},
  ): Promise<'deleted' | 'gone'> {
    let path: string;
    try {
      path = await this.objectPath(ref);
    } catch (err) {
      if (err instanceof UnknownKindError) return 'gone';
      throw err;
    }
    try {
      await this.client.request({
        method: 'DELETE',
        path,
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          propagationPolicy: opts.propagationPolicy ?? 'Background',
          ...(opts.uid ? { preconditions: { uid: opts.uid } } : {}),
        },
      });
      return 'deleted';
    } catch (err) {
      // 409 on a uid precondition: the name now belongs to a different object, which is not ours to delete.
      if (err instanceof KubeApiError && (err.status === 404 || (err.status === 409 && opts.uid)))
        return 'gone';
      throw err;
    }
  }

  async setFinalizers(cr: KubeObject, finalizers: string[]): Promise<KubeObject> {
    const path = await this.crPath(cr);
    const patch = [
      { op: 'test', path: '/metadata/resourceVersion', value: cr.metadata.resourceVersion ?? '' },
      { op: 'add', path: '/metadata/finalizers', value: finalizers },
    ];
    try {
      const res = await this.client.request<KubeObject>({
        method: 'PATCH',
        path,
        body: patch,
        contentType: 'application/json-patch+json',
        verb: 'patch',
      });
      return res.body;
    } catch (err) {
      // A failed `test` op is answered 422 (or 409): the CR changed since we read it, so retry from a fresh read.
      if (err instanceof KubeApiError && err.status === 422) {
        throw new KubeApiError({
          status: 409,
          verb: 'PATCH',
          path,
          reason: 'Conflict',
          message: `the CR changed since it was read (resourceVersion ${cr.metadata.resourceVersion ?? '?'}): ${err.message}`,
          cause: err,
        });
      }
      throw err;
    }
  }

  async writeStatus(cr: KubeObject, status: CrStatus): Promise<KubeObject> {
    const path = await this.crPath(cr, 'status');
    const res = await this.client.request<KubeObject>({
      method: 'PATCH',
      path,
      // The resourceVersion makes a stale status write fail with 409 instead of overwriting newer status.
      body: { metadata: { resourceVersion: cr.metadata.resourceVersion }, status },
      contentType: 'application/merge-patch+json',
      verb: 'patch',
    });
    return res.body;
  }
}
