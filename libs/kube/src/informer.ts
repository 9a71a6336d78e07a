import { EventEmitter } from 'node:events';
import { backoffDelay, sleep } from './backoff.js';
import { KubeApiError } from './errors.js';
import { objectKey, type KubeObject } from './kube-object.js';
import { resourcePath } from './resource-path.js';
import type { RestClient } from './rest-client.js';

export interface InformerEvents<T> {
  add: [obj: T];
  update: [obj: T, old: T];
  delete: [obj: T];
  /** Periodic resync: every stored object, so level-triggered consumers re-check it. */
  resync: [obj: T];
  /** After every successful list (the first one means the cache is complete). */
  synced: [];
  /** A list/watch failure; the informer retries by itself after `retryInMs`. */
  error: [err: Error, info: { phase: 'list' | 'watch'; attempt: number; retryInMs: number }];
  /** The watch history expired (410 Gone) or the watch could not resume: a full list follows. */
  relist: [reason: string];
}

/**
 * Accept headers of a metadata-only list and watch: the API server answers with PartialObjectMetadataList /
 * PartialObjectMetadata (apiVersion meta.k8s.io/v1), each object its metadata alone — no spec, data or status.
 * What client-go's metadata informers (controller-runtime's `OnlyMetadata`, kro) ask for.
 */
export const METADATA_LIST_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
export const METADATA_WATCH_ACCEPT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

export interface InformerOptions<T extends KubeObject = KubeObject> {
  client: RestClient;
  apiVersion: string;
  plural: string;
  /** Omit or "" for all namespaces (or cluster-scoped resources). */
  namespace?: string;
  labelSelector?: string;
  /** Periodic resync (0 = never). */
  resyncMs?: number;
  /** Server-side watch timeout; each watch asks for this ± 10% (default 300 s). */
  watchTimeoutSeconds?: number;
  /** Reconnect backoff (default 500 ms doubling to 30 s, jittered). */
  backoff?: { initialMs: number; maxMs: number };
  /** Objects per list page (`limit`, default 500). */
  pageSize?: number;
  /**
   * List and watch metadata only (PartialObjectMetadata): the objects arrive without spec/data/status and are
   * handed on with this informer's apiVersion and `kind` (the server sends meta.k8s.io/v1 PartialObjectMetadata).
   */
  metadataOnly?: { kind: string };
  /**
   * What the cache keeps of each object (client-go's SetTransform), applied once as the object arrives, before
   * it is stored or emitted: keep only what the consumers read. Default: the object as sent.
   */
  transform?: (obj: KubeObject) => T;
  random?: () => number;
}

class GoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoneError';
  }
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject & { code?: number; message?: string; reason?: string };
}

/**
 * Keeps a local cache of one resource in sync: list, then watch from the list's resourceVersion with
 * bookmarks; on stream end it resumes from the last seen resourceVersion, on 410 Gone it relists (and emits
 * the differences as add/update/delete), on any other error it retries with jittered exponential backoff —
 * it never stops by itself. A periodic resync replays every cached object as `resync`.
 */
export class Informer<T extends KubeObject = KubeObject> extends EventEmitter<InformerEvents<T>> {
  private readonly store = new Map<string, T>();
  private readonly opts: InformerOptions<T>;
  private controller: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private synced = false;
  private resourceVersion = '';
  private readonly strings = new Map<string, string>();

  constructor(opts: InformerOptions<T>) {
    super();
    this.opts = opts;
  }

  /**
   * The object as the cache keeps it: the resource's apiVersion/kind restored, then the transform; the strings
   * every object repeats (apiVersion, kind, namespace) are shared, one copy each instead of one per object (a
   * parsed response has its own copy of each).
   */
  private keep(obj: KubeObject, listKind: string): T {
    const meta = this.opts.metadataOnly;
    const typed: KubeObject = meta
      ? { ...obj, apiVersion: this.opts.apiVersion, kind: meta.kind }
      : obj.apiVersion && obj.kind
        ? obj
        : { ...obj, apiVersion: obj.apiVersion || this.opts.apiVersion, kind: obj.kind || listKind };
    const kept = this.opts.transform ? this.opts.transform(typed) : (typed as T);
    kept.apiVersion = this.shared(kept.apiVersion);
    kept.kind = this.shared(kept.kind);
    if (kept.metadata.namespace) kept.metadata.namespace = this.shared(kept.metadata.namespace);
    return kept;
  }

  /** Interns `s` (apiVersion, kind and namespace values: a handful per informer). */
  private shared(s: string): string {
    const have = this.strings.get(s);
    if (have !== undefined) return have;
    this.strings.set(s, s);
    return s;
  }

  /** Starts listing/watching; idempotent. `signal` stops it like `stop()`. */
  start(signal?: AbortSignal): void {
    if (this.loop) return;
    const controller = new AbortController();
    this.controller = controller;
    signal?.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
    this.loop = this.run(controller.signal);
    const resyncMs = this.opts.resyncMs ?? 0;
    if (resyncMs > 0) {
      this.resyncTimer = setInterval(() => this.resync(), resyncMs);
      this.resyncTimer.unref();
    }
  }

  /** Stops and waits for the list/watch loop to end; idempotent. The cache is kept. */
  async stop(): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.resyncTimer = undefined;
    this.controller?.abort(new Error('informer stopped'));
    await this.loop;
    this.loop = undefined;
    this.controller = undefined;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** A snapshot of the cache. */
  list(): T[] {
    return [...this.store.values()];
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  /** Emits `resync` for every cached object (also called by the periodic timer). */
  resync(): void {
    if (!this.synced) return;
    for (const obj of this.store.values()) this.emit('resync', obj);
  }

  private path(): string {
    return resourcePath({
      apiVersion: this.opts.apiVersion,
      plural: this.opts.plural,
      ...(this.opts.namespace ? { namespace: this.opts.namespace } : {}),
    });
  }

  private async run(signal: AbortSignal): Promise<void> {
    let needList = true;
    let attempt = 0;
    const backoff = this.opts.backoff ?? { initialMs: 500, maxMs: 30_000 };
    while (!signal.aborted) {
      const phase: 'list' | 'watch' = needList ? 'list' : 'watch';
      try {
        if (needList) {
          await this.relist(signal);
          needList = false;
          attempt = 0;
        }
        const started = Date.now();
        const events = await this.watch(signal);
        if (events > 0) attempt = 0;
        // A stream that ends at once without events is a failure in disguise (proxy, overloaded server).
        if (events === 0 && Date.now() - started < 1000 && !signal.aborted) {
          throw new Error('watch stream closed immediately without events');
        }
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof GoneError) {
          needList = true;
          this.emit('relist', err.message);
          continue;
        }
        attempt += 1;
        const retryInMs = backoffDelay(attempt, { ...backoff, random: this.opts.random });
        const error = err instanceof Error ? err : new Error(String(err));
        if (this.listenerCount('error') > 0) this.emit('error', error, { phase, attempt, retryInMs });
        try {
          await sleep(retryInMs, signal);
        } catch {
          break;
        }
      }
    }
  }

  private async relist(signal: AbortSignal): Promise<void> {
    const items = new Map<string, T>();
    const rv = await this.listPages(signal, items);
    const old = new Map(this.store);
    this.store.clear();
    for (const [k, obj] of items) this.store.set(k, obj);
    this.resourceVersion = rv;
    for (const [k, obj] of items) {
      const prev = old.get(k);
      if (!prev) this.emit('add', obj);
      else if (prev.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('update', obj, prev);
    }
    for (const [k, prev] of old) if (!items.has(k)) this.emit('delete', prev);
    this.synced = true;
    this.emit('synced');
  }

  /** Lists every page into `into`; returns the list's resourceVersion. */
  private async listPages(signal: AbortSignal, into: Map<string, T>): Promise<string> {
    let cont: string | undefined;
    let rv = '';
    do {
      const res = await this.opts.client.request<{
        kind?: string;
        metadata?: { resourceVersion?: string; continue?: string };
        items?: KubeObject[];
      }>({
        method: 'GET',
        path: this.path(),
        query: {
          labelSelector: this.opts.labelSelector,
          limit: this.opts.pageSize ?? 500,
          continue: cont,
        },
        ...(this.opts.metadataOnly ? { accept: METADATA_LIST_ACCEPT } : {}),
        verb: 'list',
        signal,
      });
      // List items carry no apiVersion/kind; restore them so consumers see whole objects.
      const kind = (res.body.kind ?? '').replace(/List$/, '');
      for (const item of res.body.items ?? []) {
        const obj = this.keep(item, kind);
        into.set(objectKey(obj), obj);
      }
      cont = res.body.metadata?.continue || undefined;
      rv = res.body.metadata?.resourceVersion ?? rv;
    } while (cont);
    return rv;
  }

  /** Watches until the stream ends; returns the number of events seen. Throws GoneError on 410. */
  private async watch(signal: AbortSignal): Promise<number> {
    const base = this.opts.watchTimeoutSeconds ?? 300;
    const random = this.opts.random ?? Math.random;
    const timeoutSeconds = Math.max(1, Math.round(base * (0.9 + random() * 0.2)));
    const local = new AbortController();
    const onAbort = (): void => local.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    // Guard against a connection that silently stops delivering (no bytes, not even bookmarks).
    const guard = setTimeout(() => local.abort(new Error('watch idle')), (timeoutSeconds + 30) * 1000);
    let events = 0;
    try {
      let res;
      try {
        res = await this.opts.client.stream({
          method: 'GET',
          path: this.path(),
          query: {
            watch: 1,
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds,
            labelSelector: this.opts.labelSelector,
          },
          ...(this.opts.metadataOnly ? { accept: METADATA_WATCH_ACCEPT } : {}),
          verb: 'watch',
          signal: local.signal,
        });
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 410) throw new GoneError(err.message);
        throw err;
      }
      let buffered = '';
      try {
        for await (const chunk of res) {
          buffered += (chunk as Buffer).toString('utf8');
          let nl;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, nl).trim();
            buffered = buffered.slice(nl + 1);
            if (!line) continue;
            events += 1;
            this.handle(JSON.parse(line) as WatchEvent);
          }
        }
      } catch (err) {
        if (err instanceof GoneError || signal.aborted) throw err;
        if (local.signal.aborted) return events; // idle guard: resume from the last resourceVersion
        throw new Error(`watch stream failed: ${(err as Error).message}`, { cause: err });
      }
      return events;
    } finally {
      clearTimeout(guard);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private handle(ev: WatchEvent): void {
    if (ev.type === 'ERROR') {
      const code = ev.object.code;
      const message = ev.object.message ?? 'watch error';
      if (code === 410) throw new GoneError(message);
      throw new KubeApiError({ status: code ?? 500, verb: 'WATCH', path: this.path(), message });
    }
    const rv = ev.object.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (ev.type === 'BOOKMARK') return;
    const obj = this.keep(ev.object, '');
    const key = objectKey(obj);
    const prev = this.store.get(key);
    if (ev.type === 'DELETED') {
      this.store.delete(key);
      this.emit('delete', obj);
      return;
    }
    this.store.set(key, obj);
    if (!prev) this.emit('add', obj);
    else this.emit('update', obj, prev);
  }
}
