import type { Redis } from 'ioredis';

/** What one worker process reported for one resource: the template revision it renders with now. */
export interface RevisionReport {
  identity: string;
  revision: string;
  /** `apiVersion/Kind` of every object this worker rendered for the resource (what the leader watches). */
  kinds?: string[];
  /** Epoch milliseconds of the report. */
  at: number;
}

export interface TemplateRevisionsOptions {
  connection: Redis;
  prefix: string;
  /** Reports older than this are from processes that died without withdrawing (default 30 s). */
  staleMs?: number;
  now?: () => number;
}

/**
 * The template revisions the workers run (and the kinds they render), per resource, shared through Redis. The process that renders owns
 * the revision: each worker reports the revision it loaded (on load, on every reload, and as a heartbeat),
 * and the leading watcher re-enqueues a resource's CRs when the set of revisions its live workers run
 * changes — never on its own view of the files, which may change before or after the workers' (separate
 * pods, ConfigMap volumes refreshed independently).
 *
 * Layout: hash `<prefix>:template-revisions:<resource>` (field = worker identity, value = JSON report) and a
 * channel `<prefix>:template-revisions` carrying the resource name after each change, so the leader hears of
 * a reload at once and polls only as a fallback.
 */
export class TemplateRevisions {
  private readonly connection: Redis;
  private readonly prefix: string;
  private readonly staleMs: number;
  private readonly now: () => number;

  constructor(opts: TemplateRevisionsOptions) {
    this.connection = opts.connection;
    this.prefix = opts.prefix;
    this.staleMs = opts.staleMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  get channel(): string {
    return `${this.prefix}:template-revisions`;
  }

  private key(resource: string): string {
    return `${this.prefix}:template-revisions:${resource}`;
  }

  /** Records `revision` for this worker; announces it when it differs from what this worker reported before. */
  async report(
    resource: string,
    identity: string,
    revision: string,
    kinds: readonly string[] = [],
  ): Promise<void> {
    const value: RevisionReport = { identity, revision, kinds: [...kinds].sort(), at: this.now() };
    const previous = await this.connection.hget(this.key(resource), identity);
    await this.connection.hset(this.key(resource), identity, JSON.stringify(value));
    const before = previous ? (JSON.parse(previous) as RevisionReport) : undefined;
    if (before?.revision !== revision || (before.kinds ?? []).join() !== (value.kinds ?? []).join())
      await this.connection.publish(this.channel, resource);
  }

  /** Removes this worker's report (a clean shutdown), so the set changes at once rather than after staleMs. */
  async withdraw(resource: string, identity: string): Promise<void> {
    const removed = await this.connection.hdel(this.key(resource), identity);
    if (removed > 0) await this.connection.publish(this.channel, resource);
  }

  /** Every report for the resource, stale ones included. */
  async reports(resource: string): Promise<RevisionReport[]> {
    const all = await this.connection.hgetall(this.key(resource));
    return Object.values(all).flatMap((v) => {
      try {
        return [JSON.parse(v) as RevisionReport];
      } catch {
        return [];
      }
    });
  }

  /** The distinct revisions live workers run, sorted; stale reports are dropped from Redis on the way. */
  async live(resource: string): Promise<string[]> {
    const reports = await this.reports(resource);
    const cutoff = this.now() - this.staleMs;
    const stale = reports.filter((r) => r.at < cutoff).map((r) => r.identity);
    if (stale.length > 0) await this.connection.hdel(this.key(resource), ...stale);
    return [...new Set(reports.filter((r) => r.at >= cutoff).map((r) => r.revision))].sort();
  }

  /**
   * The kinds live workers rendered for the resource (`apiVersion/Kind`), sorted: what the leader watches
   * for drift. Derived from the templates' output on the workers — never from a CR's writable status.
   */
  async kinds(resource: string): Promise<string[]> {
    const cutoff = this.now() - this.staleMs;
    const reports = (await this.reports(resource)).filter((r) => r.at >= cutoff);
    return [...new Set(reports.flatMap((r) => r.kinds ?? []))].sort();
  }

  /**
   * Calls `onChange(resource)` whenever a worker announces a change, on its own connection (a subscribed
   * connection can do nothing else). `subscribed` settles once Redis confirmed the subscription (it waits
   * while Redis is unreachable); `close()` ends the connection at any time, also before that.
   */
  subscribe(onChange: (resource: string) => void): { subscribed: Promise<void>; close: () => void } {
    const sub = this.connection.duplicate({
      connectionName: 'lostromos-revisions',
      enableOfflineQueue: true,
    });
    sub.on('error', () => undefined); // reconnects by itself; the leader's poll covers the gap
    sub.on('message', (channel: string, resource: string) => {
      if (channel === this.channel) onChange(resource);
    });
    return {
      subscribed: sub.subscribe(this.channel).then(() => undefined),
      close: () => sub.disconnect(),
    };
  }
}

/**
 * The leader's rule, pure: given the revisions live workers ran at the last look and run now, should the
 * resource's CRs be re-enqueued? Yes whenever the set of revisions changes ({A} → {A,B} as the first worker
 * reloads, {A,B} → {B} as the last one does, so the final render is by a worker on B). An empty set (no
 * worker up) changes nothing: the next non-empty set is compared with the last non-empty one.
 */
export function revisionsChanged(lastSeen: readonly string[] | undefined, now: readonly string[]): boolean {
  if (now.length === 0 || lastSeen === undefined) return false;
  return lastSeen.join('\n') !== now.join('\n');
}
