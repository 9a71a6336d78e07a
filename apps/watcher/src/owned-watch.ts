import { Informer, type KubeClient } from '@lostromos/kube';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, readinessCanChange } from '@lostromos/reconcile';
import { keptOwned, type KeptOwned } from './kept-objects.js';

export interface OwnedWatchOptions {
  kube: KubeClient;
  /** "" = all namespaces. */
  namespace: string;
  /** Default: every object Lostrómos manages; a resource controller narrows it to its own resource. */
  labelSelector?: string;
  /** A managed object was changed or deleted (not by our own apply): reconcile its owner. */
  onChange(obj: KeptOwned, old: KeptOwned | undefined, type: 'update' | 'delete'): void;
  /**
   * An object of a kind's first list: whatever happened to it before its kind was watched (a Deployment that
   * became Available meanwhile) was seen by no one, so its owner may be waiting for a change already made.
   */
  onListed?(obj: KeptOwned): void;
  onError(kind: string, err: Error): void;
}

/**
 * Informers on the kinds our templates render (learnt from the CRs' status inventories), label-selected to
 * objects Lostrómos manages, so a change or deletion by someone else re-enqueues the owning CR (drift repair
 * and readiness updates, like controller-runtime's Owns()). Status-less kinds (ConfigMaps, Secrets, RBAC) are
 * listed and watched as metadata only (PartialObjectMetadata); the others whole, because their readiness is in
 * their status — a controller writes a Deployment's status several times on the way to Available, and only
 * the write that changes the verdict is worth a reconcile (ownedChangeOf). Either way the cache keeps a
 * few fields and the verdict (keptOwned), never the spec, data or status.
 */
export class OwnedWatch {
  private readonly informers = new Map<string, Informer<KeptOwned>>();
  private signal: AbortSignal | undefined;

  constructor(private readonly opts: OwnedWatchOptions) {}

  start(signal: AbortSignal): void {
    this.signal = signal;
  }

  kinds(): string[] {
    return [...this.informers.keys()];
  }

  /** Starts an informer for `apiVersion/kind` unless one runs already. */
  ensure(apiVersion: string, kind: string): void {
    const id = `${apiVersion}/${kind}`;
    if (!this.signal || this.signal.aborted || this.informers.has(id)) return;
    const placeholder = new Informer({
      client: this.opts.kube.rest,
      apiVersion,
      plural: '',
      transform: keptOwned,
    });
    this.informers.set(id, placeholder);
    void this.startInformer(id, apiVersion, kind);
  }

  private async startInformer(id: string, apiVersion: string, kind: string): Promise<void> {
    let plural: string;
    try {
      plural = (await this.opts.kube.discovery.resolveKind(apiVersion, kind)).plural;
    } catch (err) {
      this.informers.delete(id); // retried when the next CR inventory names it
      this.opts.onError(id, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const signal = this.signal;
    if (!signal || signal.aborted) return;
    const informer = new Informer({
      client: this.opts.kube.rest,
      apiVersion,
      plural,
      ...(this.opts.namespace ? { namespace: this.opts.namespace } : {}),
      labelSelector: this.opts.labelSelector ?? `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
      ...(readinessCanChange(apiVersion, kind) ? {} : { metadataOnly: { kind } }),
      transform: keptOwned,
    });
    this.informers.set(id, informer);
    informer.on('add', (obj) => {
      // Adds after the first list are objects our applies create: nothing to look at.
      if (!informer.hasSynced) this.opts.onListed?.(obj);
    });
    informer.on('update', (obj, old) => this.opts.onChange(obj, old, 'update'));
    informer.on('delete', (obj) => this.opts.onChange(obj, undefined, 'delete'));
    informer.on('error', (err) => this.opts.onError(id, err));
    informer.start(signal);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    this.informers.clear();
    this.signal = undefined;
  }
}
