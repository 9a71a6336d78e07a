import { ControllerQueue } from './controller-queue.js';
import { deepEqual, isObject } from './json-util.js';
import type { ObjectApi, Scope } from './object-api.js';
import { timestamp } from './object-meta.js';
import type { ObjectStore, StoreEvent } from './object-store.js';
import { resourceFromCrd, validateCrd, type ResourceRegistry } from './resource-registry.js';
import { ApiError } from './status-error.js';
import type { JsonObject, KubeObject, SimLogger } from './types.js';

const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
const CRD_KEY = 'customresourcedefinitions.apiextensions.k8s.io';

/**
 * Serves the resource of every CustomResourceDefinition as soon as it is stored, reports the
 * NamesAccepted/Established conditions, and on deletion removes all custom resources before the CRD goes.
 */
export class CrdController {
  private readonly statusQueue: ControllerQueue;
  private readonly cleanupQueue: ControllerQueue;
  private readonly served = new Map<string, { group: string; plural: string; spec: unknown }>();

  constructor(
    private readonly d: {
      store: ObjectStore;
      registry: ResourceRegistry;
      api: ObjectApi;
      logger?: SimLogger;
      /** Closes watch streams of a resource that stopped being served. */
      onResourceRemoved: (storageKey: string) => void;
    },
  ) {
    this.statusQueue = new ControllerQueue('crd-status', (name) => this.writeStatus(name), d.logger);
    this.cleanupQueue = new ControllerQueue('crd-cleanup', (name) => this.cleanup(name), d.logger);
  }

  stop(): void {
    this.statusQueue.stop();
    this.cleanupQueue.stop();
  }

  onEvent(e: StoreEvent): void {
    if (e.storageKey === CRD_KEY) {
      const name = e.object.metadata.name!;
      if (e.type === 'DELETED') return this.unserve(name);
      if (validateCrd(e.object).length > 0) return;
      this.serve(e.object);
      if (e.object.metadata.deletionTimestamp) this.cleanupQueue.add(name);
      else this.statusQueue.add(name);
      return;
    }
    // A custom resource went away while its CRD is being deleted: check whether the CRD can go now.
    if (e.type === 'DELETED') {
      const info = this.d.registry.byStorageKey(e.storageKey);
      if (info?.crd) {
        const crd = this.d.store.get(CRD_KEY, '', info.crd);
        if (crd?.metadata.deletionTimestamp) this.cleanupQueue.add(info.crd);
      }
    }
  }

  private serve(crd: KubeObject): void {
    const name = crd.metadata.name!;
    const prev = this.served.get(name);
    if (prev && deepEqual(prev.spec, crd.spec)) return;
    const info = resourceFromCrd(crd);
    if (prev) this.d.registry.remove(prev.group, prev.plural);
    this.d.registry.add(info);
    this.d.api.forgetSchema(info.storageKey);
    this.served.set(name, { group: info.group, plural: info.plural, spec: crd.spec });
  }

  private unserve(name: string): void {
    const prev = this.served.get(name);
    if (!prev) return;
    this.served.delete(name);
    const info = this.d.registry.remove(prev.group, prev.plural);
    if (info) this.d.onResourceRemoved(info.storageKey);
  }

  private crdScope(): Scope {
    const info = this.d.registry.byStorageKey(CRD_KEY)!;
    return { info, version: 'v1', namespace: '' };
  }

  private writeStatus(name: string): void {
    const crd = this.d.store.get(CRD_KEY, '', name);
    if (!crd || crd.metadata.deletionTimestamp) return;
    const spec = (crd.spec ?? {}) as JsonObject;
    const status = isObject(crd.status) ? crd.status : {};
    const now = timestamp();
    const prevConds = Array.isArray(status.conditions) ? (status.conditions as JsonObject[]) : [];
    const cond = (type: string, reason: string, message: string): JsonObject => {
      const prev = prevConds.find((c) => c.type === type);
      return {
        type,
        status: 'True',
        lastTransitionTime:
          prev?.status === 'True' && typeof prev.lastTransitionTime === 'string'
            ? prev.lastTransitionTime
            : now,
        reason,
        message,
      };
    };
    const versions = Array.isArray(spec.versions) ? (spec.versions as JsonObject[]) : [];
    const storage = versions.find((v) => v.storage === true)?.name;
    const stored = Array.isArray(status.storedVersions) ? (status.storedVersions as string[]) : [];
    const next: JsonObject = {
      conditions: [
        cond('NamesAccepted', 'NoConflicts', 'no conflicts found'),
        cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
      ],
      acceptedNames: spec.names ?? {},
      storedVersions:
        typeof storage === 'string' && !stored.includes(storage) ? [...stored, storage] : stored,
    };
    if (deepEqual(next, status)) return;
    try {
      this.d.api.update(
        this.crdScope(),
        name,
        { ...crd, status: next },
        { manager: 'kube-apiserver', subresource: 'status' },
      );
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
      this.statusQueue.add(name);
    }
  }

  /** Deletes every custom resource of a terminating CRD; when none remain, releases the cleanup finalizer. */
  private cleanup(name: string): void {
    const crd = this.d.store.get(CRD_KEY, '', name);
    if (!crd?.metadata.deletionTimestamp) return;
    const prev = this.served.get(name);
    const info = prev ? this.d.registry.get(prev.group, prev.plural) : undefined;
    let remaining = 0;
    if (info) {
      for (const o of this.d.store.list(info.storageKey)) {
        remaining++;
        if (o.metadata.deletionTimestamp) continue;
        try {
          this.d.api.delete(
            { info, version: info.versions[0]!, namespace: o.metadata.namespace ?? '' },
            o.metadata.name!,
            { propagationPolicy: 'Background' },
          );
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 404)) throw err;
        }
      }
      remaining = this.d.store.list(info.storageKey).length;
    }
    if (remaining > 0) return;
    const finalizers = (crd.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
    try {
      this.d.api.update(
        this.crdScope(),
        name,
        { ...crd, metadata: { ...crd.metadata, finalizers } },
        { manager: 'kube-apiserver' },
      );
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
      this.cleanupQueue.add(name);
    }
  }
}
