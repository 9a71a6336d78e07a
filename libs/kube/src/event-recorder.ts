import { createHash } from 'node:crypto';
import { escapeInvisible, type CrEvent, type EventRecorder, type KubeObject } from '@lostromos/reconcile';
import { KubeApiError } from './errors.js';
import type { RestClient } from './rest-client.js';
import { TokenBucket } from './token-bucket.js';

export interface KubeEventRecorderOptions {
  client: RestClient;
  /** reportingComponent / source.component (default "lostromos"). */
  component?: string;
  /** reportingInstance (the process identity). */
  instance: string;
  /** Events per involved object: burst, then one per `refillSeconds` (client-go: 25, 300 s). */
  burst?: number;
  refillSeconds?: number;
  /**
   * A repeat this process recorded within this window bumps the Event's count directly, bypassing the rate
   * limit (default 10 min); later repeats pass the rate limit first, then still bump the same Event.
   */
  aggregateWindowMs?: number;
  logger?: { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };
  now?: () => number;
}

interface Aggregate {
  name: string;
  namespace: string;
  lastSeen: number;
}

const MAX_TRACKED = 4096;
/** Optimistic-concurrency attempts when several processes bump the same Event at once. */
const MAX_BUMP_ATTEMPTS = 5;
const NAME_MAX = 253;

function eventTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The Event's name: `<CR name>.<hash>`, the hash over (CR uid, type, reason, message, component). Every process
 * recording the same event on the same CR picks the same name, so a second one bumps the existing Event's
 * count instead of creating a twin. The CR name is shortened (never to a trailing "." or "-") to stay a valid
 * DNS subdomain of at most 253 characters.
 */
export function eventName(
  cr: KubeObject,
  e: Pick<CrEvent, 'type' | 'reason' | 'message'>,
  component: string,
): string {
  const uid = cr.metadata.uid ?? `${cr.metadata.namespace ?? ''}/${cr.metadata.name ?? ''}`;
  const hash = createHash('sha256')
    .update([uid, e.type, e.reason, e.message, component].join('\u0000'))
    .digest('hex')
    .slice(0, 16);
  const base = (cr.metadata.name || 'cr').slice(0, NAME_MAX - hash.length - 1).replace(/[.-]+$/, '') || 'cr';
  return `${base}.${hash}`;
}

/**
 * Records core/v1 Events on a CR (so `kubectl get events` and `kubectl describe` show them, involvedObject =
 * the CR). The Event name is deterministic per (CR uid, type, reason, message), so repeats — from this process
 * or any other worker — bump `count`/`lastTimestamp` on the one existing Event (create → 409 AlreadyExists →
 * GET + PATCH with a resourceVersion precondition) instead of creating new ones, and a per-object token bucket
 * drops floods, like client-go's recorder. Recording never fails a reconcile: errors are logged.
 */
export class KubeEventRecorder implements EventRecorder {
  private readonly o: KubeEventRecorderOptions;
  private readonly now: () => number;
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(opts: KubeEventRecorderOptions) {
    this.o = opts;
    this.now = opts.now ?? Date.now;
  }

  async record(cr: KubeObject, e: CrEvent): Promise<void> {
    try {
      await this.recordOrThrow(cr, e);
    } catch (err) {
      this.o.logger?.warn(
        { err, reason: e.reason, name: cr.metadata.name, namespace: cr.metadata.namespace },
        'could not record a Kubernetes Event on the CR',
      );
    }
  }

  private bucketFor(uid: string): TokenBucket {
    let b = this.buckets.get(uid);
    if (!b) {
      if (this.buckets.size >= MAX_TRACKED) this.buckets.delete(this.buckets.keys().next().value!);
      b = new TokenBucket(1 / (this.o.refillSeconds ?? 300), this.o.burst ?? 25, { now: this.now });
      this.buckets.set(uid, b);
    }
    return b;
  }

  private async recordOrThrow(cr: KubeObject, e: CrEvent): Promise<void> {
    const uid = cr.metadata.uid ?? `${cr.metadata.namespace ?? ''}/${cr.metadata.name ?? ''}`;
    const namespace = cr.metadata.namespace || 'default';
    const component = this.o.component ?? 'lostromos';
    const name = eventName(cr, e, component);
    const now = this.now();
    const key = `${namespace}/${name}`;
    const agg = this.aggregates.get(key);
    const window = this.o.aggregateWindowMs ?? 600_000;
    // A repeat this process recorded recently: bump the Event's count (it may have been bumped elsewhere too).
    if (agg && now - agg.lastSeen < window) {
      agg.lastSeen = now;
      if (await this.bump(namespace, name, now)) return;
      this.aggregates.delete(key);
    }
    if (!this.bucketFor(uid).tryTake()) {
      this.o.logger?.debug(
        { reason: e.reason, name: cr.metadata.name },
        'event dropped by the per-object rate limit',
      );
      return;
    }
    const ts = eventTime(now);
    try {
      await this.o.client.request({
        method: 'POST',
        path: `/api/v1/namespaces/${namespace}/events`,
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: cr.apiVersion,
            kind: cr.kind,
            name: cr.metadata.name,
            namespace: cr.metadata.namespace,
            uid: cr.metadata.uid,
            resourceVersion: cr.metadata.resourceVersion,
          },
          type: e.type,
          reason: e.reason,
          // The note may quote CR values: `kubectl get events` must show what it says (escapes are ASCII).
          message: escapeInvisible(e.message).slice(0, 1024),
          ...(e.action ? { action: e.action } : {}),
          source: { component },
          reportingComponent: component,
          reportingInstance: this.o.instance,
          firstTimestamp: ts,
          lastTimestamp: ts,
          count: 1,
        },
        verb: 'create',
      });
    } catch (err) {
      // Another process (or this one, earlier) recorded the same event: count this one on it.
      if (!(err instanceof KubeApiError && err.status === 409)) throw err;
      if (!(await this.bump(namespace, name, now))) throw err;
    }
    if (this.aggregates.size >= MAX_TRACKED) this.aggregates.delete(this.aggregates.keys().next().value!);
    this.aggregates.set(key, { name, namespace, lastSeen: now });
  }

  /**
   * Adds one to an existing Event's count, read-modify-write with the resourceVersion as precondition so two
   * processes bumping at once both count (the loser of a race re-reads and tries again). False when the Event
   * no longer exists (expired or deleted).
   */
  private async bump(namespace: string, name: string, now: number): Promise<boolean> {
    const path = `/api/v1/namespaces/${namespace}/events/${name}`;
    for (let attempt = 1; ; attempt++) {
      let live: { metadata?: { resourceVersion?: string }; count?: number };
      try {
        live = (await this.o.client.request<typeof live>({ method: 'GET', path, verb: 'get' })).body;
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return false;
        throw err;
      }
      try {
        await this.o.client.request({
          method: 'PATCH',
          path,
          body: {
            metadata: { resourceVersion: live.metadata?.resourceVersion },
            count: (live.count ?? 1) + 1,
            lastTimestamp: eventTime(now),
          },
          contentType: 'application/merge-patch+json',
          verb: 'patch',
        });
        return true;
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404) return false;
        if (!(err instanceof KubeApiError && err.status === 409) || attempt >= MAX_BUMP_ATTEMPTS) throw err;
      }
    }
  }
}
