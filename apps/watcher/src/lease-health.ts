/** One shard's Lease as one watcher replica sees it. */
export interface LeaseObservation {
  /** namespace/name */
  lease: string;
  leading: boolean;
  /** Local time the API server last answered a request about this Lease (0: never). */
  lastContactMs: number;
  holder: string;
  holderLeaseDurationSeconds: number | undefined;
  /** Local time since which the Lease's holder/renewTime has not changed. */
  unchangedSinceMs: number | undefined;
  /** The last failed Lease request's message ('' when none). */
  lastError?: string;
}

export interface LeaseHealthSettings {
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** When this replica started campaigning (contact is judged from then on). */
  startedAtMs: number;
}

/**
 * Whether leader election is working, from this replica's point of view — the watcher's readiness. Not ready
 * when the API server has not answered a Lease request for longer than the renew deadline (then this
 * replica can neither lead nor take over), or when another holder keeps a Lease without renewing it on our
 * schedule (a hijacked Lease, or a holder with a far longer leaseDuration: nobody reconciles that shard's
 * resources, and waiting would take the holder's duration, not ours). A healthy standby is ready.
 */
export function leaseHealth(
  views: readonly LeaseObservation[],
  now: number,
  s: LeaseHealthSettings,
): { ok: boolean; detail: string } {
  const silence = now - Math.max(s.startedAtMs, ...views.map((v) => v.lastContactMs));
  const lastError = views.map((v) => v.lastError ?? '').find((e) => e !== '');
  if (silence > s.renewDeadlineMs + s.retryPeriodMs) {
    return {
      ok: false,
      detail:
        `no successful answer from the API server to Lease requests for ${Math.round(silence / 1000)} s` +
        `${lastError ? ` (last error: ${lastError})` : ''}: check that the API server is reachable from this pod ` +
        'and that the kubeconfig/credentials and RBAC for Leases are valid',
    };
  }
  const stuckAfter = s.leaseDurationMs + 2 * s.retryPeriodMs;
  for (const v of views) {
    if (v.leading || v.holder === '' || v.holder === s.identity || v.unchangedSinceMs === undefined) continue;
    const stuck = now - v.unchangedSinceMs;
    if (stuck <= stuckAfter) continue;
    const theirs = v.holderLeaseDurationSeconds;
    return {
      ok: false,
      detail:
        `Lease ${v.lease} is held by "${v.holder}", which has not renewed it for ${Math.round(stuck / 1000)} s` +
        `${theirs !== undefined ? ` (its leaseDurationSeconds is ${theirs}, ours ${Math.round(s.leaseDurationMs / 1000)})` : ''}: ` +
        `no watcher leads its resources. If "${v.holder}" is not a Lostrómos watcher of this deployment, delete the Lease ` +
        `(kubectl -n ${v.lease.split('/')[0]} delete lease ${v.lease.split('/')[1]}); a watcher takes it over at once`,
    };
  }
  const leading = views.filter((v) => v.leading).map((v) => v.lease);
  return {
    ok: true,
    detail:
      leading.length > 0 ? `leader of ${leading.join(', ')} (${s.identity})` : `standby (${s.identity})`,
  };
}
