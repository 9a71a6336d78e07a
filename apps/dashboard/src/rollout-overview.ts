import type { RolloutState } from '@lostromos/queue';
import { crLabel } from './job-title.js';

/** Failed CRs listed per rollout on the page (all are counted). */
export const ROLLOUT_FAILURES_LISTED = 10;

/** One resource's staged rollout as the overview shows it (see @lostromos/queue RolloutState). */
export interface RolloutOverview {
  resource: string;
  /** `not started`: the resource has `rollout` configured but the leader has not written its state yet. */
  phase: RolloutState['phase'] | 'not started';
  /** Revisions cut to the 12 hex digits `status.templateRevision` shows. */
  stable?: string;
  target?: string;
  undo?: boolean;
  wave: number;
  waves: number;
  /** CRs the leader saw, and how many are on each revision (`none` = never rendered). */
  crs: number;
  byRevision: Record<string, number>;
  failures: number;
  failed: Array<{ cr: string; wave: number; reason: string; message: string }>;
  pausedReason?: string;
  pausedBy?: 'controller' | 'user';
  updatedAt?: string;
  error?: string;
}

const short = (r: string): string => r.slice(0, 12);

export function rolloutOverviewOf(resource: string, s: RolloutState | undefined): RolloutOverview {
  if (!s)
    return {
      resource,
      phase: 'not started',
      wave: 0,
      waves: 0,
      crs: 0,
      byRevision: {},
      failures: 0,
      failed: [],
    };
  return {
    resource,
    phase: s.phase,
    stable: short(s.stable),
    target: short(s.target),
    undo: s.undo,
    wave: s.phase === 'idle' ? 0 : s.wave,
    waves: s.waves,
    crs: s.crs,
    byRevision: s.byRevision,
    failures: s.failures.length,
    failed: s.failures.slice(0, ROLLOUT_FAILURES_LISTED).map((f) => ({
      cr: crLabel(f.cr),
      wave: f.wave,
      reason: f.reason,
      message: f.message,
    })),
    ...(s.pausedReason ? { pausedReason: s.pausedReason } : {}),
    ...(s.pausedBy ? { pausedBy: s.pausedBy } : {}),
    updatedAt: new Date(s.updatedAt).toISOString(),
  };
}

/** Reads the rollouts of the resources that have one configured; a failed read is an entry with `error`. */
export async function collectRollouts(
  resources: readonly string[],
  read: (resource: string) => Promise<RolloutState | undefined>,
): Promise<RolloutOverview[]> {
  return Promise.all(
    resources.map(async (resource) => {
      try {
        return rolloutOverviewOf(resource, await read(resource));
      } catch (err) {
        return {
          ...rolloutOverviewOf(resource, undefined),
          error: `cannot read the rollout from Redis: ${(err as Error).message}`,
        };
      }
    }),
  );
}

/** The "Template rollouts" section of the overview page (empty when no resource has `rollout` configured). */
export function renderRolloutsHtml(rollouts: readonly RolloutOverview[], e: (s: string) => string): string {
  if (rollouts.length === 0) return '';
  const state = (r: RolloutOverview): string => {
    if (r.error) return `<span class="bad">${e(r.error)}</span>`;
    switch (r.phase) {
      case 'not started':
        return 'not started (the leading watcher starts it once a worker reports its templates)';
      case 'idle':
        return '<span class="ok">idle</span>: every CR renders the stable revision';
      case 'paused':
        return `<span class="bad">paused ${r.pausedBy === 'controller' ? 'by itself' : 'by a user'}</span>: ${e(r.pausedReason ?? '')}`;
      default:
        return `${r.undo ? 'undo' : 'rollout'} in progress`;
    }
  };
  const rows = rollouts
    .map((r) => {
      const revisions =
        r.phase === 'idle' || r.phase === 'not started'
          ? e(r.stable ?? '–')
          : `${e(r.stable ?? '')} → <strong>${e(r.target ?? '')}</strong>`;
      const wave = r.phase === 'progressing' || r.phase === 'paused' ? `${r.wave} of ${r.waves}` : '–';
      const counts = Object.entries(r.byRevision)
        .sort(([, a], [, b]) => b - a)
        .map(([rev, n]) => `${n} on <code>${e(rev)}</code>`)
        .join('<br>');
      const failed = r.failed
        .map((f) => `<li><strong>${e(f.cr)}</strong> (wave ${f.wave}) ${e(f.reason)}: ${e(f.message)}</li>`)
        .join('');
      const failures =
        r.failures === 0
          ? '0'
          : `<span class="bad">${r.failures}</span><ul class="failed">${failed}</ul>${r.failures > r.failed.length ? `<p class="note">and ${r.failures - r.failed.length} more</p>` : ''}`;
      return (
        `<tr data-rollout="${e(r.resource)}" class="phase-${e(r.phase.replace(' ', '-'))}"><th scope="row">${e(r.resource)}</th>` +
        `<td>${state(r)}</td><td><code>${revisions}</code></td><td class="n">${wave}</td>` +
        `<td>${r.crs > 0 ? `${r.crs}<br>${counts}` : '–'}</td><td>${failures}</td></tr>`
      );
    })
    .join('\n');
  return `<h2 id="rollouts-title">Template rollouts</h2>
<table id="rollouts"><thead><tr><th>Resource</th><th>State</th><th>Revision (stable → target)</th><th>Wave</th><th>CRs by revision</th><th>Failures</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p class="note">Resources with <code>rollout</code> in their config move their CRs to a new template revision in waves;
<code>lostromos rollout status|pause|resume|undo --resource NAME</code> acts on them (docs/changing-templates.md).</p>`;
}
