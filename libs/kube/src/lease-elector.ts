import { EventEmitter } from 'node:events';
import { sleep } from './backoff.js';
import { KubeApiError } from './errors.js';
import { resourcePath } from './resource-path.js';
import type { RestClient } from './rest-client.js';

export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

export interface LeaseElectorEvents {
  'started-leading': [];
  /** Leadership lost (renew deadline passed, someone else took the lease) or released on stop. */
  'stopped-leading': [reason: string];
  /** `stop()` handed the Lease back (holder cleared) so a standby can take it at once. */
  released: [];
  /** The observed holder changed (may be us). */
  'new-leader': [identity: string];
  /** A failed Lease read/write; the elector keeps trying. */
  error: [err: Error];
}

export interface LeaseElectorOptions {
  client: RestClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  now?: () => number;
  random?: () => number;
  /**
   * Whether this candidate may hold the Lease now (default: always). When it says no, the elector keeps
   * observing the Lease (so it can take over without waiting a full lease duration later) but does not
   * acquire it, and a leader hands it over: it stops leading and releases the Lease within one retry
   * period. Sharded watchers use it so each shard is led by its preferred replica.
   */
  mayAcquire?: () => boolean;
}

/** Kubernetes MicroTime (RFC 3339 with microseconds). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Validates durations like client-go: leaseDuration > renewDeadline > retryPeriod × 1.2. */
export function validateLeaseDurations(
  o: Pick<LeaseElectorOptions, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>,
): void {
  if (!(o.leaseDurationMs > o.renewDeadlineMs)) {
    throw new Error(
      `leaderElection: leaseDurationSeconds (${o.leaseDurationMs / 1000}) must be greater than renewDeadlineSeconds (${o.renewDeadlineMs / 1000})`,
    );
  }
  if (!(o.renewDeadlineMs > o.retryPeriodMs * 1.2)) {
    throw new Error(
      `leaderElection: renewDeadlineSeconds (${o.renewDeadlineMs / 1000}) must be greater than 1.2 × retryPeriodSeconds (${o.retryPeriodMs / 1000})`,
    );
  }
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, following client-go's algorithm: a candidate takes the
 * Lease when it is free or when its record has not changed for leaseDuration (measured on the local clock
 * since the record was last observed to change, so clock skew does not matter); every write carries the
 * resourceVersion, so two candidates racing get one success and one 409. The leader renews every retryPeriod
 * and stops leading at once (`stopped-leading`) when it has not renewed within renewDeadline — before anyone
 * else can take over at leaseDuration. `stop()` releases the Lease so a standby takes over immediately.
 *
 * A renew counts from when its write was *sent*, not from when the answer came: a standby starts its
 * leaseDuration clock when it sees the new record, which the API server stored after we sent it but possibly
 * long before a slow answer reached us. Counting from the answer would let a leader whose answers are delayed
 * lead past the moment a standby may take over (split brain). An answer that arrives after renewDeadline
 * (since its send) renews nothing.
 */
export class LeaseElector extends EventEmitter<LeaseElectorEvents> {
  private readonly o: LeaseElectorOptions;
  private readonly now: () => number;
  private readonly random: () => number;
  private controller: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private leading = false;
  private lastRenew = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private observed: { spec: LeaseSpec; rv: string; at: number } | undefined;
  private observedHolder = '';
  private wake: (() => void) | undefined;
  private lastContact = 0;
  private lastError = '';

  constructor(opts: LeaseElectorOptions) {
    super();
    validateLeaseDurations(opts);
    if (!opts.identity)
      throw new Error('leaderElection.identity must not be empty (default: <hostname>-<pid>)');
    this.o = opts;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
  }

  get identity(): string {
    return this.o.identity;
  }

  /** True only while the last successful renew is younger than renewDeadline. */
  isLeader(): boolean {
    return this.leading && this.now() - this.lastRenew < this.o.renewDeadlineMs;
  }

  /**
   * What this elector knows of the Lease, for health: when the API server last answered a Lease request, the
   * holder, the holder's own lease duration, and since when (local clock) its renewTime has not changed.
   */
  observation(): {
    lastContactMs: number;
    holder: string;
    holderLeaseDurationSeconds: number | undefined;
    unchangedSinceMs: number | undefined;
    lastError: string;
  } {
    return {
      lastError: this.lastError,
      lastContactMs: this.lastContact,
      holder: this.observedHolder,
      holderLeaseDurationSeconds: this.observed?.spec.leaseDurationSeconds,
      unchangedSinceMs: this.observed?.at,
    };
  }

  /** The holder we last observed ('' when unknown or free). */
  leader(): string {
    return this.observedHolder;
  }

  start(signal?: AbortSignal): void {
    if (this.loop) return;
    const controller = new AbortController();
    this.controller = controller;
    signal?.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
    this.loop = this.run(controller.signal);
  }

  /** Tries again now instead of at the end of the current wait (e.g. this candidate just became preferred). */
  poke(): void {
    this.wake?.();
  }

  /** Stops campaigning; a leader releases the Lease (best effort) so a standby takes over at once. */
  async stop(): Promise<void> {
    this.controller?.abort(new Error('elector stopped'));
    await this.loop;
    this.loop = undefined;
    if (this.leading) {
      this.loseLeadership('stopping');
      await this.release().catch((err: unknown) => this.emitError(err));
    }
  }

  private path(name?: string): string {
    return resourcePath({
      apiVersion: 'coordination.k8s.io/v1',
      plural: 'leases',
      namespace: this.o.namespace,
      ...(name !== undefined ? { name } : {}),
    });
  }

  private emitError(err: unknown): void {
    this.lastError = err instanceof Error ? err.message : String(err);
    if (this.listenerCount('error') > 0)
      this.emit('error', err instanceof Error ? err : new Error(String(err)));
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      /** When the successful write of this round was sent (undefined: no success). */
      let sentAt: number | undefined;
      try {
        if (this.leading && this.o.mayAcquire && !this.o.mayAcquire()) {
          this.loseLeadership('handing the lease over to the preferred leader');
          await this.release();
        } else sentAt = await this.tryAcquireOrRenew(signal);
      } catch (err) {
        if (signal.aborted) break;
        this.emitError(err);
      }
      if (signal.aborted) break;
      if (sentAt !== undefined && !this.leading && this.o.mayAcquire && !this.o.mayAcquire())
        sentAt = undefined;
      // Too late: the Lease may be someone else's already, whatever the answer said.
      if (sentAt !== undefined && this.now() - sentAt >= this.o.renewDeadlineMs) sentAt = undefined;
      if (sentAt !== undefined) {
        this.lastRenew = sentAt;
        this.armWatchdog();
        if (!this.leading) {
          this.leading = true;
          this.emit('started-leading');
        }
      } else if (this.leading && this.now() - this.lastRenew >= this.o.renewDeadlineMs) {
        this.loseLeadership(`could not renew the lease within ${this.o.renewDeadlineMs}ms`);
      }
      // Leaders renew every retryPeriod; candidates retry with client-go's 1.2 jitter factor, except gated
      // candidates (mayAcquire): only the preferred one tries, so there is no herd to spread out.
      const wait =
        this.leading || this.o.mayAcquire
          ? this.o.retryPeriodMs
          : this.o.retryPeriodMs * (1 + this.random() * 1.2);
      const wake = new AbortController();
      this.wake = () => wake.abort();
      const onAbort = (): void => wake.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await sleep(wait, wake.signal);
      } catch {
        // woken early (poke) or stopped
      } finally {
        signal.removeEventListener('abort', onAbort);
        this.wake = undefined;
      }
    }
  }

  private armWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    // Fires even if a renew request hangs: leadership must end at renewDeadline after the last successful
    // renew was sent, never later.
    const fire = (): void => {
      if (!this.leading) return;
      const left = this.lastRenew + this.o.renewDeadlineMs - this.now();
      if (left <= 0) this.loseLeadership(`lease not renewed within ${this.o.renewDeadlineMs}ms`);
      else this.watchdog = setTimeout(fire, left).unref();
    };
    this.watchdog = setTimeout(fire, Math.max(0, this.lastRenew + this.o.renewDeadlineMs - this.now()));
    this.watchdog.unref();
  }

  private loseLeadership(reason: string): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
    if (!this.leading) return;
    this.leading = false;
    this.emit('stopped-leading', reason);
  }

  private observe(spec: LeaseSpec, rv: string): void {
    this.lastContact = this.now();
    const prev = this.observed;
    const changed =
      !prev ||
      prev.spec.holderIdentity !== spec.holderIdentity ||
      prev.spec.renewTime !== spec.renewTime ||
      prev.spec.leaseTransitions !== spec.leaseTransitions;
    this.observed = { spec, rv, at: changed ? this.now() : prev.at };
    const holder = spec.holderIdentity ?? '';
    if (holder !== this.observedHolder) {
      this.observedHolder = holder;
      if (holder) this.emit('new-leader', holder);
    }
  }

  /** Returns when the successful write was sent (local clock), or undefined when the Lease is not ours. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<number | undefined> {
    const now = this.now();
    const timeoutMs = this.o.renewDeadlineMs;
    const durationSeconds = Math.ceil(this.o.leaseDurationMs / 1000);
    let lease: Lease | undefined;
    try {
      lease = (
        await this.o.client.request<Lease>({ method: 'GET', path: this.path(this.o.name), signal, timeoutMs })
      ).body;
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
      this.lastContact = this.now(); // no Lease yet: the API server answered all the same
    }
    const mayAcquire = this.o.mayAcquire?.() ?? true;
    if (!lease) {
      if (!mayAcquire) return undefined;
      const sentAt = this.now();
      const spec: LeaseSpec = {
        holderIdentity: this.o.identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: microTime(sentAt),
        renewTime: microTime(sentAt),
        leaseTransitions: 0,
      };
      try {
        const created = await this.o.client.request<Lease>({
          method: 'POST',
          path: this.path(),
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.o.name, namespace: this.o.namespace },
            spec,
          },
          signal,
          timeoutMs,
        });
        this.observe(created.body.spec ?? spec, created.body.metadata.resourceVersion ?? '');
        return sentAt;
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 409) return undefined;
        throw err;
      }
    }
    const spec = lease.spec ?? {};
    this.observe(spec, lease.metadata.resourceVersion ?? '');
    const holder = spec.holderIdentity ?? '';
    const mine = holder === this.o.identity;
    const observedAt = this.observed?.at ?? now;
    const leaseMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder !== '' && !mine && observedAt + leaseMs > now) return undefined;
    // Not leading and not allowed to: observe only (a lease still naming us after a failed release expires).
    if (!this.leading && !mayAcquire) return undefined;
    const sentAt = this.now();
    const next: LeaseSpec = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(sentAt),
      renewTime: microTime(sentAt),
      leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
    };
    try {
      const updated = await this.o.client.request<Lease>({
        method: 'PUT',
        path: this.path(this.o.name),
        body: { ...lease, spec: next },
        signal,
        timeoutMs,
      });
      this.observe(updated.body.spec ?? next, updated.body.metadata.resourceVersion ?? '');
      return sentAt;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 409) return undefined;
      throw err;
    }
  }

  /** Hands the Lease back (holder cleared, 1 s duration), like client-go's ReleaseOnCancel. */
  private async release(): Promise<void> {
    const res = await this.o.client.request<Lease>({
      method: 'GET',
      path: this.path(this.o.name),
      timeoutMs: 2000,
    });
    const lease = res.body;
    if ((lease.spec?.holderIdentity ?? '') !== this.o.identity) return;
    const now = this.now();
    await this.o.client.request<Lease>({
      method: 'PUT',
      path: this.path(this.o.name),
      body: {
        ...lease,
        spec: {
          holderIdentity: null,
          leaseDurationSeconds: 1,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: lease.spec?.leaseTransitions ?? 0,
        },
      },
      timeoutMs: 2000,
    });
    this.emit('released');
  }
}
