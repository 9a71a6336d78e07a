/**
 * The staged rollout of a template revision, as a pure state machine: the leading watcher's controller feeds
 * it what it observes (the newest revision the workers run, the CRs and their revisions, the reconcile
 * outcomes of the current wave) and writes the next state to Redis; `lostromos rollout pause|resume|undo`
 * apply the user's commands to the same state. No I/O and no clock here: `now` comes in.
 */

/** `resources[].rollout` of the config (see @lostromos/config). */
export interface RolloutSettings {
  /** CRs per wave: a number, or a percentage of the resource's CRs ("25%"). */
  batchSize: number | string;
  /** Wait between a wave's last CR being Ready and the next wave. */
  pauseSeconds: number;
  /** More failed (or not-ready-in-time) CRs than this pause the rollout. */
  maxFailures: number;
  /** Wait for Ready (true) or only for a successful apply (false) before the next wave. */
  readiness: boolean;
  /** A CR of a wave not Ready with the target this long after its wave started counts as failed. */
  readinessTimeoutSeconds: number;
}

export type RolloutPhase = 'idle' | 'progressing' | 'paused';

export interface RolloutFailure {
  cr: string;
  wave: number;
  reason: string;
  message: string;
  at: number;
}

export interface RolloutEvent {
  at: number;
  message: string;
}

export interface RolloutState {
  /** Bumped by every write (compare-and-set: the controller and the CLI never overwrite each other). */
  version: number;
  resource: string;
  /** idle: every CR renders `stable`. progressing/paused: promoted CRs render `target`, the others `stable`. */
  phase: RolloutPhase;
  stable: string;
  target: string;
  /** The stable revision before the last completed rollout: what `undo` goes back to when idle. */
  previous?: string;
  /** The newest revision the workers ran when the controller last acted on it: a newer one starts a rollout. */
  observed: string;
  /** This rollout is an undo (back to the revision before). */
  undo: boolean;
  /** 0 before the first wave; then the wave in progress (1-based). */
  wave: number;
  /** CRs per wave, fixed when the first wave is planned (0 until then). */
  waveSize: number;
  /** Waves planned for the CRs there were when the first wave started. */
  waves: number;
  waveMembers: string[];
  waveStartedAt: number;
  /** When every CR of the wave was done (Ready, or counted as failed): the next wave starts pauseSeconds later. */
  waveDoneAt?: number;
  /** CRs to move first (an undo moves the CRs that failed first). */
  priority: string[];
  failures: RolloutFailure[];
  /** Failures before the last resume: they no longer count against maxFailures. */
  acknowledged: number;
  pausedReason?: string;
  pausedBy?: 'controller' | 'user';
  startedAt: number;
  updatedAt: number;
  /** CRs the controller saw at its last look, and how many of them are on each revision (short; "none"). */
  crs: number;
  byRevision: Record<string, number>;
  /** What happened, oldest first (bounded). */
  history: RolloutEvent[];
}

/** One managed CR as the leader's cache has it. */
export interface CrObservation {
  key: string;
  /** status.templateRevision (short), undefined when never rendered. */
  revision?: string;
  /** The CR's Ready condition message, to say why a CR failed the wave. */
  readyMessage?: string;
}

/** A worker's record of the last reconcile of one CR (see RolloutStore.recordOutcome). */
export interface ReconcileOutcome {
  /** The full revision the CR was rendered with. */
  revision: string;
  /** ready / in-progress / failed: the CR's Ready condition after the apply; skipped: the CR is paused. */
  state: 'ready' | 'in-progress' | 'failed' | 'skipped';
  reason?: string;
  message?: string;
  at: number;
}

export interface RolloutInput {
  now: number;
  settings: RolloutSettings;
  /** The newest stored revision live workers run (undefined: no worker reports one). */
  newest: string | undefined;
  crs: readonly CrObservation[];
  /** CRs promoted to the target so far. */
  promoted: ReadonlySet<string>;
  /** The last reconcile outcome of (at least) every member of the current wave. */
  outcomes: ReadonlyMap<string, ReconcileOutcome>;
}

export interface RolloutStep {
  state: RolloutState;
  /** Whether `state` differs from the input state (and should be written). */
  changed: boolean;
  /** CRs to add to the promoted set (and enqueue): a wave that starts. */
  promote: string[];
  /** Empty the promoted set first (a rollout starts or ends). */
  resetPromoted: boolean;
  /** CRs that failed in this step (a Warning Event each). */
  newFailures: RolloutFailure[];
  /** The step paused the rollout (once, with state.pausedReason). */
  paused: boolean;
}

export const HISTORY_LIMIT = 30;
const short = (r: string): string => r.slice(0, 12);

/** CRs per wave for `total` CRs: a number, or a percentage rounded up; at least 1. */
export function waveSizeFor(batchSize: number | string, total: number): number {
  if (typeof batchSize === 'number') return Math.max(1, Math.floor(batchSize));
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(batchSize.trim());
  if (!pct)
    throw new Error(
      `batchSize ${JSON.stringify(batchSize)}: expected a number of CRs or a percentage like "25%"`,
    );
  return Math.max(1, Math.ceil((total * Number(pct[1])) / 100));
}

function withEvent(s: RolloutState, now: number, message: string): RolloutState {
  const history = [...s.history, { at: now, message }];
  return { ...s, history: history.slice(-HISTORY_LIMIT) };
}

/** The first state of a resource: everything on the revision the workers run, nothing in progress. */
export function initialRollout(resource: string, revision: string, now: number): RolloutState {
  return withEvent(
    {
      version: 0,
      resource,
      phase: 'idle',
      stable: revision,
      target: revision,
      observed: revision,
      undo: false,
      wave: 0,
      waveSize: 0,
      waves: 0,
      waveMembers: [],
      waveStartedAt: 0,
      priority: [],
      failures: [],
      acknowledged: 0,
      startedAt: now,
      updatedAt: now,
      crs: 0,
      byRevision: {},
      history: [],
    },
    now,
    `revision ${short(revision)} is the stable revision`,
  );
}

/**
 * Starts moving CRs to `to`. From a finished rollout, from its stable revision. During one: to its stable
 * revision means back (the CRs on the old target move back in waves); to a third revision, the CRs that
 * reached the old target return to stable at once and every CR then moves to `to` in waves.
 */
function start(s: RolloutState, to: string, now: number, undo: boolean): RolloutState {
  const from = s.phase === 'idle' ? s.stable : to === s.stable ? s.target : s.stable;
  const what = undo ? 'undo' : 'rollout';
  return withEvent(
    {
      ...s,
      phase: 'progressing',
      stable: from,
      target: to,
      undo,
      wave: 0,
      waveSize: 0,
      waves: 0,
      waveMembers: [],
      waveStartedAt: now,
      priority: undo ? [...new Set(s.failures.map((f) => f.cr))] : [],
      failures: [],
      acknowledged: 0,
      startedAt: now,
      updatedAt: now,
    },
    now,
    `${what} ${short(from)} → ${short(to)} started`,
  );
}

function countByRevision(crs: readonly CrObservation[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of crs) out[c.revision ?? 'none'] = (out[c.revision ?? 'none'] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const sameCounts = (a: Record<string, number>, b: Record<string, number>): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/**
 * One look of the controller: the next state and what to do about it. Undefined while there is neither a
 * state nor a revision to start one from (no worker has reported yet).
 */
export function stepRollout(
  resource: string,
  prev: RolloutState | undefined,
  input: RolloutInput,
): RolloutStep | undefined {
  const none = (state: RolloutState): RolloutStep => ({
    state,
    changed: false,
    promote: [],
    resetPromoted: false,
    newFailures: [],
    paused: false,
  });
  if (!prev) {
    if (!input.newest) return undefined;
    const s = {
      ...initialRollout(resource, input.newest, input.now),
      crs: input.crs.length,
      byRevision: countByRevision(input.crs),
    };
    return { ...none(s), changed: true, resetPromoted: true };
  }
  const { now, settings } = input;
  let s: RolloutState = prev;
  let changed = false;
  let resetPromoted = false;
  const byRevision = countByRevision(input.crs);
  if (s.crs !== input.crs.length || !sameCounts(s.byRevision, byRevision)) {
    s = { ...s, crs: input.crs.length, byRevision };
    changed = true;
  }
  // The workers run a revision the controller has not acted on: roll it out (it supersedes any rollout).
  if (input.newest && input.newest !== s.observed) {
    const fresh = input.newest !== s.target && !(s.phase === 'idle' && input.newest === s.stable);
    s = { ...s, observed: input.newest };
    if (fresh) {
      s = start(s, input.newest, now, false);
      resetPromoted = true;
    }
    changed = true;
  }
  if (s.phase !== 'progressing') {
    return { ...none(s), changed, resetPromoted };
  }

  // The current wave: who is done, who failed, who is still on its way.
  const present = new Set(input.crs.map((c) => c.key));
  const failed = new Set(s.failures.map((f) => f.cr));
  const newFailures: RolloutFailure[] = [];
  let pending = 0;
  const timeoutAt = s.waveStartedAt + settings.readinessTimeoutSeconds * 1000;
  for (const key of s.waveMembers) {
    if (!present.has(key) || failed.has(key)) continue;
    const o = input.outcomes.get(key);
    const onTarget = o !== undefined && o.revision === s.target;
    const ok =
      onTarget &&
      (o.state === 'ready' || o.state === 'skipped' || (!settings.readiness && o.state !== 'failed'));
    if (ok) continue;
    if (onTarget && o.state === 'failed') {
      newFailures.push({
        cr: key,
        wave: s.wave,
        reason: o.reason ?? 'Failed',
        message: o.message ?? 'the reconcile with the new revision failed',
        at: now,
      });
      continue;
    }
    if (now >= timeoutAt) {
      const seen = input.crs.find((c) => c.key === key)?.readyMessage;
      newFailures.push({
        cr: key,
        wave: s.wave,
        reason: settings.readiness ? 'NotReady' : 'NotReconciled',
        message: `${settings.readiness ? 'not Ready' : 'not reconciled'} with revision ${short(s.target)} ${settings.readinessTimeoutSeconds} s after wave ${s.wave} started${onTarget && seen ? `: ${seen}` : onTarget ? '' : ' (no reconcile with it yet)'}`,
        at: now,
      });
      continue;
    }
    pending++;
  }
  if (newFailures.length > 0) {
    s = { ...s, failures: [...s.failures, ...newFailures] };
    for (const f of newFailures)
      s = withEvent(s, now, `${f.cr} failed in wave ${f.wave}: ${f.reason}: ${f.message}`);
    changed = true;
  }
  const counted = s.failures.length - s.acknowledged;
  if (counted > settings.maxFailures) {
    const list = s.failures
      .slice(s.acknowledged)
      .slice(0, 5)
      .map((f) => `${f.cr} (${f.reason})`)
      .join(', ');
    const reason = `${counted} CR${counted === 1 ? '' : 's'} failed (maxFailures ${settings.maxFailures}) in wave ${s.wave} of the ${s.undo ? 'undo' : 'rollout'} to ${short(s.target)}: ${list}${counted > 5 ? ', …' : ''}`;
    s = withEvent(
      { ...s, phase: 'paused', pausedBy: 'controller', pausedReason: reason },
      now,
      `paused: ${reason}`,
    );
    return {
      state: { ...s, updatedAt: now },
      changed: true,
      promote: [],
      resetPromoted,
      newFailures,
      paused: true,
    };
  }
  if (pending > 0)
    return { ...none(s), state: changed ? { ...s, updatedAt: now } : s, changed, resetPromoted, newFailures };

  // Every CR of the wave is done: wait pauseSeconds (not before the first wave), then the next wave.
  if (s.wave > 0) {
    if (s.waveDoneAt === undefined) {
      s = { ...s, waveDoneAt: now };
      changed = true;
    }
    if (now < s.waveDoneAt! + settings.pauseSeconds * 1000) {
      return {
        ...none(s),
        state: changed ? { ...s, updatedAt: now } : s,
        changed,
        resetPromoted,
        newFailures,
      };
    }
  }
  const promotedBefore = resetPromoted ? new Set<string>() : input.promoted;
  const targetShort = short(s.target);
  const remaining = input.crs
    .filter((c) => !promotedBefore.has(c.key) && c.revision !== targetShort)
    .map((c) => c.key)
    .sort();
  if (remaining.length === 0) {
    s = withEvent(
      {
        ...s,
        phase: 'idle',
        previous: s.stable,
        stable: s.target,
        wave: 0,
        waveMembers: [],
        waveDoneAt: undefined,
        priority: [],
        pausedBy: undefined,
        pausedReason: undefined,
      },
      now,
      `${s.undo ? 'undo' : 'rollout'} to ${short(s.target)} complete${s.failures.length ? ` (${s.failures.length} CRs failed within maxFailures)` : ''}`,
    );
    return { ...none(s), state: { ...s, updatedAt: now }, changed: true, resetPromoted: true, newFailures };
  }
  const first = new Set(s.priority);
  const ordered = [...remaining.filter((k) => first.has(k)), ...remaining.filter((k) => !first.has(k))];
  const size = s.waveSize > 0 ? s.waveSize : waveSizeFor(settings.batchSize, input.crs.length);
  const members = ordered.slice(0, size);
  const wave = s.wave + 1;
  s = withEvent(
    {
      ...s,
      wave,
      waveSize: size,
      waves: s.waves > 0 ? s.waves : Math.ceil(remaining.length / size),
      waveMembers: members,
      waveStartedAt: now,
      waveDoneAt: undefined,
    },
    now,
    `wave ${wave}: ${members.length} CR${members.length === 1 ? '' : 's'} to ${short(s.target)} (${remaining.length - members.length} left after it)`,
  );
  return {
    state: { ...s, updatedAt: now },
    changed: true,
    promote: members,
    resetPromoted,
    newFailures,
    paused: false,
  };
}

/** What a user command did, or why it cannot. */
export type RolloutCommandResult =
  { state: RolloutState; resetPromoted: boolean; message: string } | { error: string };

export function pauseRollout(s: RolloutState, now: number, by: string): RolloutCommandResult {
  if (s.phase === 'paused')
    return { error: `the rollout of resource ${s.resource} is already paused: ${s.pausedReason ?? ''}` };
  if (s.phase === 'idle')
    return {
      error: `no rollout of resource ${s.resource} is in progress: every CR is on revision ${short(s.stable)}`,
    };
  const reason = `paused by ${by}`;
  return {
    state: withEvent(
      { ...s, phase: 'paused', pausedBy: 'user', pausedReason: reason, updatedAt: now },
      now,
      reason,
    ),
    resetPromoted: false,
    message: `paused the rollout of ${s.resource} to ${short(s.target)} in wave ${s.wave}: no new wave starts until \`lostromos rollout resume\``,
  };
}

export function resumeRollout(s: RolloutState, now: number, by: string): RolloutCommandResult {
  if (s.phase !== 'paused')
    return {
      error:
        s.phase === 'idle'
          ? `no rollout of resource ${s.resource} is in progress: every CR is on revision ${short(s.stable)}`
          : `the rollout of resource ${s.resource} is not paused (wave ${s.wave} is in progress)`,
    };
  return {
    state: withEvent(
      {
        ...s,
        phase: 'progressing',
        pausedBy: undefined,
        pausedReason: undefined,
        // The failures so far are accepted; the wave gets a fresh readiness timeout.
        acknowledged: s.failures.length,
        waveStartedAt: now,
        updatedAt: now,
      },
      now,
      `resumed by ${by}`,
    ),
    resetPromoted: false,
    message: `resumed the rollout of ${s.resource} to ${short(s.target)} at wave ${s.wave}`,
  };
}

/**
 * Back to the revision before, in one step and in waves: during a rollout (or while paused) to its stable
 * revision, the CRs that failed first; after one, to the revision that was stable before it.
 */
export function undoRollout(s: RolloutState, now: number, by: string): RolloutCommandResult {
  const to = s.phase === 'idle' ? s.previous : s.stable;
  if (to === undefined || (s.phase === 'idle' && to === s.stable)) {
    return {
      error: `nothing to undo: resource ${s.resource} is on revision ${short(s.stable)} and no earlier revision was rolled out`,
    };
  }
  const from = s.phase === 'idle' ? s.stable : s.target;
  const next = withEvent(start(s, to, now, true), now, `undo requested by ${by}`);
  return {
    state: next,
    resetPromoted: true,
    message: `undoing: CRs of ${s.resource} move back from ${short(from)} to ${short(to)} in waves`,
  };
}
