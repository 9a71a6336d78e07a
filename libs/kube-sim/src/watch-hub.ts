import type { StoreEvent, WatchEventType } from './object-store.js';
import { matchesFields, matchesLabels, type FieldRequirement, type LabelRequirement } from './selectors.js';
import type { KubeObject } from './types.js';

/** Where a watcher's newline-delimited JSON goes (an HTTP response in the server). */
export interface WatchSink {
  write(chunk: Buffer): void;
  close(): void;
}

export interface WatchFilter {
  storageKey: string;
  namespace?: string;
  labels: readonly LabelRequirement[];
  fields: readonly FieldRequirement[];
}

/** Encodes a watch event line for one kind of watcher; watchers with equal `key` share the bytes. */
export interface WatchEncoder {
  key: string;
  encode(type: WatchEventType | 'BOOKMARK', obj: KubeObject): Buffer;
}

export interface Watcher extends WatchFilter {
  id: number;
  encoder: WatchEncoder;
  sink: WatchSink;
  bookmarks: boolean;
  /** Bookmark object template: apiVersion/kind of the watched resource. */
  bookmarkKind: { apiVersion: string; kind: string };
  pending: Buffer[];
  closed: boolean;
}

export class TooOldResourceVersionError extends Error {
  override readonly name = 'TooOldResourceVersionError';
  readonly code = 'KSIM_TOO_OLD_RESOURCE_VERSION';
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

function matches(w: WatchFilter, obj: KubeObject | undefined): boolean {
  if (!obj) return false;
  if (w.namespace && (obj.metadata.namespace ?? '') !== w.namespace) return false;
  if (w.labels.length > 0 && !matchesLabels(w.labels, obj.metadata.labels)) return false;
  if (w.fields.length > 0 && !matchesFields(w.fields, obj)) return false;
  return true;
}

/**
 * Fans committed store events out to watchers and keeps a bounded history so a watch can resume from a
 * resourceVersion; older resourceVersions get 410 Gone. Each event is serialised once per encoder and the same
 * bytes are written to every matching watcher, batched per event-loop turn.
 */
export class WatchHub {
  private readonly history: StoreEvent[] = [];
  private head = 0;
  /** Highest resourceVersion no longer replayable (events at or below it are gone). */
  private compactedRv: number;
  private readonly watchers = new Map<string, Set<Watcher>>();
  private nextId = 1;
  private flushScheduled = false;
  private readonly dirty = new Set<Watcher>();
  private paused = false;
  private readonly held: StoreEvent[] = [];
  delivered = 0;

  constructor(
    private readonly window: number,
    startRv: number,
  ) {
    this.compactedRv = startRv;
  }

  /** Continue tokens and watches older than this resourceVersion get 410 Gone. */
  oldestRetained(): number {
    return this.compactedRv;
  }

  get open(): number {
    let n = 0;
    for (const s of this.watchers.values()) n += s.size;
    return n;
  }

  /** Records and dispatches one committed event. */
  publish(e: StoreEvent): void {
    this.record(e);
    if (this.paused) this.held.push(e);
    else this.dispatch(e);
  }

  private record(e: StoreEvent): void {
    if (this.window <= 0) {
      this.compactedRv = e.rv;
      return;
    }
    if (this.history.length - this.head >= this.window) {
      this.compactedRv = this.history[this.head]!.rv;
      this.head++;
      if (this.head > 4096 && this.head * 2 > this.history.length) {
        this.history.splice(0, this.head);
        this.head = 0;
      }
    }
    this.history.push(e);
  }

  /** Events after `rv` for a filter, or TooOldResourceVersionError when they are no longer retained. */
  since(rv: number, filter: WatchFilter): StoreEvent[] {
    if (rv < this.compactedRv) throw new TooOldResourceVersionError(rv, this.compactedRv + 1);
    let lo = this.head;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid]!.rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    const out: StoreEvent[] = [];
    for (let i = lo; i < this.history.length; i++) {
      const e = this.history[i]!;
      if (e.storageKey === filter.storageKey) out.push(e);
    }
    return out;
  }

  /** Forgets all history: any watch from an older resourceVersion now gets 410 Gone. */
  compact(currentRv: number): void {
    this.history.length = 0;
    this.head = 0;
    this.compactedRv = currentRv;
  }

  add(w: Omit<Watcher, 'id' | 'pending' | 'closed'>): Watcher {
    const watcher: Watcher = { ...w, id: this.nextId++, pending: [], closed: false };
    let set = this.watchers.get(w.storageKey);
    if (!set) this.watchers.set(w.storageKey, (set = new Set()));
    set.add(watcher);
    return watcher;
  }

  remove(w: Watcher): void {
    if (w.closed) return;
    w.closed = true;
    this.watchers.get(w.storageKey)?.delete(w);
    this.dirty.delete(w);
  }

  /** Queues one already-encoded line for a watcher (initial events, replays, bookmarks). */
  send(w: Watcher, chunk: Buffer): void {
    if (w.closed) return;
    w.pending.push(chunk);
    this.markDirty(w);
  }

  /** Translates a store event for a filtered watcher: objects leaving the selection look DELETED to it. */
  eventFor(w: WatchFilter, e: StoreEvent): WatchEventType | undefined {
    const now = matches(w, e.object);
    if (e.type === 'MODIFIED') {
      const before = matches(w, e.old);
      if (now && before) return 'MODIFIED';
      if (now) return 'ADDED';
      if (before) return 'DELETED';
      return undefined;
    }
    return now || (e.type === 'DELETED' && matches(w, e.old)) ? e.type : undefined;
  }

  private dispatch(e: StoreEvent): void {
    const set = this.watchers.get(e.storageKey);
    if (!set || set.size === 0) return;
    let cache: Map<string, Buffer> | undefined;
    for (const w of set) {
      const type = this.eventFor(w, e);
      if (!type) continue;
      const key = `${type}|${w.encoder.key}`;
      cache ??= new Map();
      let buf = cache.get(key);
      if (!buf) cache.set(key, (buf = w.encoder.encode(type, e.object)));
      w.pending.push(buf);
      this.markDirty(w);
    }
  }

  private markDirty(w: Watcher): void {
    this.dirty.add(w);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // A 1 ms window batches the events of many writes into one socket write per watcher.
      setTimeout(() => this.flush(), 1);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const w of this.dirty) {
      if (w.closed || w.pending.length === 0) continue;
      const chunk = w.pending.length === 1 ? w.pending[0]! : Buffer.concat(w.pending);
      this.delivered += w.pending.length;
      w.pending = [];
      w.sink.write(chunk);
    }
    this.dirty.clear();
  }

  /** Sends a BOOKMARK at `rv` to every watcher that asked for bookmarks. */
  bookmarkAll(rv: number): void {
    if (this.paused) return;
    for (const set of this.watchers.values())
      for (const w of set) if (w.bookmarks) this.send(w, this.bookmark(w, rv));
  }

  bookmark(w: Watcher, rv: number, annotations?: Record<string, string>): Buffer {
    const metadata: KubeObject['metadata'] = { resourceVersion: String(rv) };
    if (annotations) metadata.annotations = annotations;
    return w.encoder.encode('BOOKMARK', { ...w.bookmarkKind, metadata });
  }

  /** Closes every watch stream (clients see the connection end and must re-watch). */
  dropAll(filter?: (w: Watcher) => boolean): void {
    for (const set of this.watchers.values())
      for (const w of [...set]) {
        if (filter && !filter(w)) continue;
        this.remove(w);
        w.sink.close();
      }
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const held = this.held.splice(0);
    for (const e of held) this.dispatch(e);
  }
}
