import type { ResourceConfig } from '@lostromos/config';
import {
  backoffDelay,
  Informer,
  KubeApiError,
  ResourceNotServedError,
  sleep,
  type KubeClient,
  type KubeObject,
} from '@lostromos/kube';
import { keptCr } from './kept-objects.js';

export interface ResourceWatchEvents {
  add(obj: KubeObject): void;
  update(obj: KubeObject, old: KubeObject): void;
  delete(obj: KubeObject): void;
  resync(obj: KubeObject): void;
  /** Availability of the resource changed (CRD missing, forbidden, synced…). */
  state(ok: boolean, detail: string): void;
  /** The watch history expired (410 Gone): a full relist follows. */
  relist(reason: string): void;
}

/** Explains a list/watch failure in terms of what to fix. */
export function describeWatchError(resource: ResourceConfig, err: unknown): string {
  const what = `${resource.plural}.${resource.group}/${resource.version}`;
  if (err instanceof ResourceNotServedError) {
    return `CRD for ${what} is not installed (or does not serve ${resource.version}): install it, then the watch starts by itself`;
  }
  if (err instanceof KubeApiError && err.status === 403) {
    return `forbidden to list/watch ${what}${resource.namespace ? ` in namespace ${resource.namespace}` : ''}: grant get/list/watch on ${resource.plural} in group ${resource.group} to the operator's service account`;
  }
  if (err instanceof KubeApiError && err.status === 404) {
    return `${what} is not served any more (CRD removed?): reinstall the CRD`;
  }
  return `watching ${what} failed: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * One configured resource: resolves it through discovery (retrying with backoff while its CRD is missing), then
 * runs an informer (namespace, label selector, resync) and forwards its notifications. The informer keeps each
 * CR as keptCr trims it.
 */
export class ResourceWatch {
  readonly informer: { current: Informer | undefined } = { current: undefined };
  private loop: Promise<void> | undefined;
  private ok: boolean | undefined;

  constructor(
    readonly resource: ResourceConfig,
    private readonly kube: KubeClient,
    private readonly on: ResourceWatchEvents,
    private readonly opts: { backoff?: { initialMs: number; maxMs: number } } = {},
  ) {}

  /** Cached CRs (empty until the first list). */
  list(): KubeObject[] {
    return this.informer.current?.list() ?? [];
  }

  get synced(): boolean {
    return this.informer.current?.hasSynced ?? false;
  }

  start(signal: AbortSignal): void {
    this.loop ??= this.run(signal);
  }

  async stopped(): Promise<void> {
    await this.loop;
    await this.informer.current?.stop();
    this.informer.current = undefined;
    this.loop = undefined;
  }

  private setState(ok: boolean, detail: string): void {
    this.ok = ok;
    this.on.state(ok, detail);
  }

  private async run(signal: AbortSignal): Promise<void> {
    const r = this.resource;
    const apiVersion = `${r.group}/${r.version}`;
    const backoff = this.opts.backoff ?? { initialMs: 1000, maxMs: 10_000 };
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await this.kube.discovery.resolvePlural(apiVersion, r.plural);
        break;
      } catch (err) {
        this.setState(false, describeWatchError(r, err));
        try {
          await sleep(backoffDelay(attempt, backoff), signal);
        } catch {
          return;
        }
      }
    }
    if (signal.aborted) return;
    const informer = new Informer({
      client: this.kube.rest,
      apiVersion,
      plural: r.plural,
      ...(r.namespace ? { namespace: r.namespace } : {}),
      ...(r.labelSelector ? { labelSelector: r.labelSelector } : {}),
      resyncMs: r.resyncSeconds * 1000,
      // The CRs' Ready condition and template revision are read (gauges, staged rollouts): whole objects are
      // listed and watched, and only what the watcher reads is kept.
      transform: keptCr,
    });
    this.informer.current = informer;
    const healthy = (): void => {
      if (this.ok !== true) this.setState(true, `watching ${r.plural}.${r.group}`);
    };
    informer.on('add', (o) => (healthy(), this.on.add(o)));
    informer.on('update', (o, old) => (healthy(), this.on.update(o, old)));
    informer.on('delete', (o) => (healthy(), this.on.delete(o)));
    informer.on('resync', (o) => this.on.resync(o));
    informer.on('relist', (reason) => this.on.relist(reason));
    informer.on('synced', () =>
      this.setState(true, `watching ${r.plural}.${r.group} (${informer.list().length} CRs)`),
    );
    informer.on('error', (err) => {
      this.setState(false, describeWatchError(r, err));
      // A 404 on list means the CRD went away: forget the discovery cache so a reinstall is found.
      if (err instanceof KubeApiError && err.status === 404) this.kube.discovery.invalidate();
    });
    informer.start(signal);
  }
}
