import type { RolloutConfig } from '@lostromos/config';
import type { RevisionEntry, RolloutState } from '@lostromos/queue';

const short = (r: string): string => r.slice(0, 12);
const time = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** `group/plural/namespace/name` → `namespace/name` (`name` when cluster-scoped). */
export function crName(key: string): string {
  const [, , namespace, name] = key.split('/');
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? key);
}

export interface RolloutReport {
  resource: string;
  settings: RolloutConfig | undefined;
  state: RolloutState | undefined;
  revisions: readonly RevisionEntry[];
}

function describeSettings(s: RolloutConfig): string {
  return `batchSize ${s.batchSize}, pauseSeconds ${s.pauseSeconds}, maxFailures ${s.maxFailures}, readiness ${s.readiness ? 'on' : 'off'}, readinessTimeoutSeconds ${s.readinessTimeoutSeconds}`;
}

function describeState(s: RolloutState): string {
  const what = s.undo ? 'undo' : 'rollout';
  if (s.phase === 'idle') return `idle: every CR renders the stable revision`;
  if (s.phase === 'paused')
    return `paused ${s.pausedBy === 'controller' ? 'by itself' : 'by a user'}: ${s.pausedReason ?? ''}`;
  return `${what} in progress`;
}

/** `lostromos rollout status` as text: state, revisions, wave, CRs per revision, failures, history. */
export function formatRolloutStatus(r: RolloutReport): string {
  const lines: string[] = [];
  const revisionLine = (): string => {
    const marks = (rev: string): string => {
      const m: string[] = [];
      if (r.state?.stable === rev) m.push('stable');
      if (r.state && r.state.phase !== 'idle' && r.state.target === rev) m.push('target');
      if (r.state?.previous === rev && r.state.phase === 'idle') m.push('undo goes back to it');
      return m.length ? ` (${m.join(', ')})` : '';
    };
    return r.revisions.length === 0
      ? 'none stored yet (a worker stores the revision it loads)'
      : r.revisions
          .map((e) => `${short(e.revision)}${marks(e.revision)} stored ${time(e.storedAt)}`)
          .join('\n           ');
  };
  if (!r.settings) {
    lines.push(
      `Resource ${r.resource}: no staged rollout configured; every CR follows the newest templates at once`,
      `           (add resources[name=${r.resource}].rollout to the config to roll changes out in waves)`,
    );
    lines.push(`Revisions: ${revisionLine()}`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`Resource:  ${r.resource} (${describeSettings(r.settings)})`);
  const s = r.state;
  if (!s) {
    lines.push(
      'State:     none yet: the leading watcher starts it once a worker reports the revision it loaded',
      `Revisions: ${revisionLine()}`,
    );
    return `${lines.join('\n')}\n`;
  }
  lines.push(`State:     ${describeState(s)}`);
  lines.push(`Stable:    ${short(s.stable)}`);
  if (s.phase !== 'idle') {
    lines.push(`Target:    ${short(s.target)}${s.undo ? ' (undo)' : ''}`);
    lines.push(
      s.wave === 0
        ? 'Wave:      none started yet (the leading watcher plans the first one)'
        : `Wave:      ${s.wave} of ${s.waves} (${s.waveSize} CRs per wave, ${s.waveMembers.length} in this one)`,
    );
  } else if (s.previous) {
    lines.push(`Previous:  ${short(s.previous)} (\`lostromos rollout undo\` goes back to it)`);
  }
  const counts = Object.entries(s.byRevision)
    .sort(([, a], [, b]) => b - a)
    .map(([rev, n]) => `${n} on ${rev === 'none' ? 'no revision yet' : rev}`);
  lines.push(`CRs:       ${s.crs}${counts.length ? `: ${counts.join(', ')}` : ''}`);
  lines.push(
    `Failures:  ${s.failures.length}${s.acknowledged ? ` (${s.acknowledged} accepted by resume)` : ''}`,
  );
  for (const f of s.failures.slice(0, 20))
    lines.push(`  ${crName(f.cr)}  wave ${f.wave}  ${f.reason}: ${f.message}`);
  if (s.failures.length > 20) lines.push(`  … and ${s.failures.length - 20} more`);
  lines.push(`Revisions: ${revisionLine()}`);
  lines.push('History:');
  for (const e of s.history.slice(-10)) lines.push(`  ${time(e.at)}  ${e.message}`);
  return `${lines.join('\n')}\n`;
}
