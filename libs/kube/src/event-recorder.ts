import { randomBytes } from 'node:crypto';
import type { CrEvent, EventRecorder, KubeObject } from '@lostromos/reconcile';
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
  /** Identical events within this window update one Event's count (default 10 min). */
  aggregateWindowMs?: number;
  logger?: { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };
  now?: () => number;
}

interface Aggregate {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeen: number;
}

const MAX_TRACKED = 4096;

function eventTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Records core/v1 Events on a CR (so `kubectl get events` and `kubectl describe` show them, involvedObject =
 * the CR). Repeats of the same event within the aggregation window bump `count`/`lastTimestamp` on the existing
 * Event instead of creating new ones, and a per-object token bucket drops floods, like client-go's recorder.
 * Recording never fails a reconcile: errors are logged.
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
    const now = this.now();
    const key = `${uid}\u0000${e.type}\u0000${e.reason}\u0000${e.message}`;
    const agg = this.aggregates.get(key);
    const window = this.o.aggregateWindowMs ?? 600_000;
    if (agg && now - agg.lastSeen < window) {
      agg.count += 1;
      agg.lastSeen = now;
      try {
        await this.o.client.request({
          method: 'PATCH',
          path: `/api/v1/namespaces/${agg.namespace}/events/${agg.name}`,
          body: { count: agg.count, lastTimestamp: eventTime(now) },
          contentType: 'application/merge-patch+json',
          verb: 'patch',
        });
        return;
      } catch (err) {
        if (!(err instanceof KubeApiError && err.status === 404)) throw err;
        this.aggregates.delete(key);
      }
    }
    if (!this.bucketFor(uid).tryTake()) {
      this.o.logger?.debug(
        { reason: e.reason, name: cr.metadata.name },
        'event dropped by the per-object rate limit',
      );
      return;
    }
    const component = this.o.component ?? 'lostromos';
    const name = `${cr.metadata.name ?? 'cr'}.${randomBytes(8).toString('hex')}`;
    const ts = eventTime(now);
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
        message: e.message.slice(0, 1024),
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
    if (this.aggregates.size >= MAX_TRACKED) this.aggregates.delete(this.aggregates.keys().next().value!);
    this.aggregates.set(key, { name, namespace, count: 1, firstTimestamp: ts, lastSeen: now });
  }
}
