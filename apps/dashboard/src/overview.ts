import type { PresenceRecord } from '@lostromos/observability';
import type { CrFailure, RolloutState } from '@lostromos/queue';
import { crLabel } from './job-title.js';
import { collectRollouts, renderRolloutsHtml, type RolloutOverview } from './rollout-overview.js';

/** The part of a BullMQ Queue the overview reads. */
export interface OverviewQueue {
  readonly name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  getWorkers(): Promise<Array<Record<string, string>>>;
}

export const OVERVIEW_STATES = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'failed',
  'completed',
  'paused',
] as const;

/** Failing CRs listed on the page (all of them are counted). */
export const FAILING_LIST_LIMIT = 200;

export interface QueueOverview {
  name: string;
  counts: Record<string, number>;
  /** Worker connections BullMQ sees on this queue (CLIENT LIST). */
  workers: number;
  workerNames: string[];
  /** CRs of this resource whose last reconcile failed (undefined when that could not be read). */
  failing?: number;
  error?: string;
}

/** A CR whose last reconcile failed, as the worker recorded it (see @lostromos/queue cr-failures). */
export interface FailingCr extends CrFailure {
  resource: string;
  /** `namespace/name` (just `name` when cluster-scoped). */
  cr: string;
}

export interface Overview {
  generatedAt: string;
  readOnly: boolean;
  /** The first watcher that reports leadership (see `leaders` when the watchers are sharded). */
  leader: PresenceRecord | undefined;
  /** Every watcher that reports leadership (one per shard). */
  leaders: PresenceRecord[];
  processes: PresenceRecord[];
  /** CRs whose last reconcile failed, the most recent failures first (at most FAILING_LIST_LIMIT). */
  failing: FailingCr[];
  /** How many CRs are failing in all (can exceed `failing.length`). */
  failingTotal: number;
  queues: QueueOverview[];
  /** CRs per resource and by Ready state, as last reported by the leading watcher(s). */
  resources: Record<string, { crs: number; ready: number; notReady: number }>;
  /** The staged rollout of every resource that has `rollout` configured. */
  rollouts: RolloutOverview[];
  errors: string[];
}

/** Gathers the operator overview; every part degrades to an error string instead of failing the page. */
export async function collectOverview(opts: {
  queues: readonly OverviewQueue[];
  readPresence: () => Promise<PresenceRecord[]>;
  /** The failure records of one resource queue (see @lostromos/queue readCrFailures). */
  readFailures?: (queue: string) => Promise<{ total: number; failures: CrFailure[] }>;
  /** The resources with a staged rollout, and how to read one's state (see @lostromos/queue RolloutStore). */
  rollouts?: { resources: readonly string[]; read: (resource: string) => Promise<RolloutState | undefined> };
  readOnly: boolean;
  now?: () => Date;
}): Promise<Overview> {
  const errors: string[] = [];
  const [processes, queues, failures, rollouts] = await Promise.all([
    opts.readPresence().catch((err: unknown) => {
      errors.push(`cannot read process presence from Redis: ${(err as Error).message}`);
      return [] as PresenceRecord[];
    }),
    Promise.all(opts.queues.map((q) => queueOverview(q))),
    Promise.all(
      opts.queues.map(async (q) => {
        if (!opts.readFailures) return undefined;
        try {
          return await opts.readFailures(q.name);
        } catch (err) {
          errors.push(`cannot read the failing CRs of ${q.name} from Redis: ${(err as Error).message}`);
          return undefined;
        }
      }),
    ),
    opts.rollouts ? collectRollouts(opts.rollouts.resources, opts.rollouts.read) : Promise.resolve([]),
  ]);
  const failing: FailingCr[] = [];
  let failingTotal = 0;
  opts.queues.forEach((q, i) => {
    const f = failures[i];
    if (!f) return;
    queues[i]!.failing = f.total;
    failingTotal += f.total;
    for (const rec of f.failures) failing.push({ ...rec, resource: q.name, cr: crLabel(rec.key) });
  });
  failing.sort(
    (a, b) =>
      b.since.localeCompare(a.since) || a.resource.localeCompare(b.resource) || a.cr.localeCompare(b.cr),
  );
  const leaders = processes.filter((p) => p.leader === true);
  return {
    generatedAt: (opts.now?.() ?? new Date()).toISOString(),
    readOnly: opts.readOnly,
    leader: leaders[0],
    leaders,
    processes,
    failing: failing.slice(0, FAILING_LIST_LIMIT),
    failingTotal,
    queues,
    resources: Object.assign({}, ...leaders.map((l) => l.resources ?? {})) as Overview['resources'],
    rollouts,
    errors,
  };
}

async function queueOverview(q: OverviewQueue): Promise<QueueOverview> {
  try {
    const [counts, workers] = await Promise.all([q.getJobCounts(...OVERVIEW_STATES), q.getWorkers()]);
    const workerNames = [...new Set(workers.map((w) => w.name ?? w.addr ?? '?'))].sort();
    return { name: q.name, counts, workers: workers.length, workerNames };
  } catch (err) {
    return { name: q.name, counts: {}, workers: 0, workerNames: [], error: (err as Error).message };
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** "42 s ago", "5 min ago", "3 h ago", "2 d ago" from two ISO timestamps; '' when unparseable. */
export function ago(iso: string, nowIso: string): string {
  const ms = Date.parse(nowIso) - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

function stateText(f: CrFailure): { text: string; title: string } {
  switch (f.state) {
    case 'retrying':
      return {
        text: `retrying (attempt ${f.attempt} of ${f.maxAttempts})`,
        title: 'a retryable error: the job is retried with backoff',
      };
    case 'gave-up':
      return {
        text: `gave up after ${f.attempt} attempt${f.attempt === 1 ? '' : 's'}`,
        title: "retries ran out: the job is in the queue's failed set; the next resync or change tries again",
      };
    default:
      return {
        text: 'failed',
        title:
          'a permanent failure: not retried until the CR or its templates change (or the next resync); the job completed',
      };
  }
}

/**
 * The overview as a small self-contained HTML page (no scripts, nothing from other origins; refreshes itself
 * every 10 s). Failing CRs come first: this is the dashboard's landing page.
 */
export function renderOverviewHtml(o: Overview, links: { board: string; json: string }): string {
  const e = escapeHtml;
  const board = links.board.endsWith('/') ? links.board : `${links.board}/`;
  const queueUrl = (name: string) => `${board}queue/${encodeURIComponent(name)}`;
  const time = (iso: string) =>
    `<time datetime="${e(iso)}" title="${e(iso)}">${e(ago(iso, o.generatedAt) || iso)}</time>`;

  const failingRows = o.failing
    .map((f) => {
      const st = stateText(f);
      return (
        `<tr data-cr="${e(`${f.resource}/${f.cr}`)}" class="state-${e(f.state)}">` +
        `<td><a href="${e(queueUrl(f.resource))}">${e(f.resource)}</a></td>` +
        `<th scope="row" class="cr">${e(f.cr)}</th>` +
        `<td class="reason">${e(f.reason)}</td>` +
        `<td class="msg">${e(f.message)}</td>` +
        `<td>${time(f.since)}</td>` +
        `<td>${time(f.at)}<br><a class="nw" href="${e(`${queueUrl(f.resource)}/${encodeURIComponent(f.jobId)}`)}" title="the job (kept for an hour after it finished)">job ${e(f.jobId)}</a> <span class="nw">(${e(f.trigger)})</span></td>` +
        `<td title="${e(st.title)}">${e(st.text)}</td></tr>`
      );
    })
    .join('\n');
  const more =
    o.failingTotal > o.failing.length
      ? `<p class="note">Showing ${o.failing.length} of ${o.failingTotal} failing CRs (the most recent failures); <a href="${e(links.json)}">JSON</a> has the same list.</p>`
      : '';
  const failingSection =
    o.failingTotal === 0
      ? `<p class="ok" id="no-failing">No CR is failing: the last reconcile of every CR succeeded.</p>`
      : `<table id="failing"><thead><tr><th>Resource</th><th>CR</th><th>Reason</th><th>Message</th><th>Failing since</th><th>Last failure</th><th>State</th></tr></thead>
<tbody>
${failingRows}
</tbody></table>
${more}`;

  const queueRows = o.queues
    .map((q) => {
      const res = o.resources[q.name];
      const crs = res ? `${res.crs} (${res.ready} ready, ${res.notReady} not ready)` : 'not reported';
      const failing =
        q.failing === undefined ? '–' : q.failing > 0 ? `<span class="bad">${q.failing}</span>` : '0';
      const counts = q.error
        ? `<td colspan="${OVERVIEW_STATES.length + 1}" class="bad">cannot read the queue: ${e(q.error)}</td>`
        : OVERVIEW_STATES.map((s) => `<td class="n">${q.counts[s] ?? 0}</td>`).join('') +
          `<td class="n">${q.workers}</td>`;
      return (
        `<tr data-queue="${e(q.name)}"><th scope="row"><a href="${e(queueUrl(q.name))}">${e(q.name)}</a></th>` +
        `<td>${e(crs)}</td><td class="n">${failing}</td>${counts}</tr>`
      );
    })
    .join('\n');
  const procRows = o.processes
    .map(
      (p) =>
        `<tr><td>${e(p.role)}</td><td>${e(p.id)}</td><td>${e(p.hostname)}</td><td>${p.leader === true ? 'leader' : p.leader === false ? 'standby' : '–'}</td>` +
        `<td>${time(p.startedAt)}</td><td>${time(p.updatedAt)}</td></tr>`,
    )
    .join('\n');
  const leader =
    o.leaders.length > 0
      ? o.leaders.map((l) => `${e(l.id)} on ${e(l.hostname)}`).join(', ')
      : '<span class="bad">no watcher reports leadership</span>';
  const errors = o.errors.map((x) => `<p class="bad">${e(x)}</p>`).join('');
  const mode = o.readOnly
    ? '<span class="badge ro" id="mode">read-only</span>'
    : '<span class="badge rw" id="mode">read-write</span>';
  const rwBanner = o.readOnly
    ? ''
    : `<p class="banner" id="read-write">This dashboard is <strong>read-write</strong>: anyone who can log in can retry, clean, promote, pause, empty and add jobs. Set <code>dashboard.readOnly: true</code> (the default) to prevent it.</p>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="10"><link rel="icon" type="image/png" href="${e(board)}static/favicon-32x32.png"><title>${o.failingTotal > 0 ? `(${o.failingTotal} failing) ` : ''}Lostrómos overview</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2430;background:#f6f7f9;font-size:15px}
header{display:flex;align-items:center;gap:1.2rem;padding:.8rem 2rem;background:#1d2430;color:#fff}
header h1{font-size:1.15rem;margin:0}header nav{display:flex;gap:1rem}header a{color:#cfe0ff}
main{padding:1rem 2rem 2rem}h2{font-size:1.1rem;margin:1.4rem 0 .4rem}
table{border-collapse:collapse;margin:.4rem 0;background:#fff}th,td{border:1px solid #d5d9e0;padding:.35rem .6rem;text-align:left;vertical-align:top}
thead th{background:#eef0f4;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bad{color:#b3261e}.ok{color:#1b6b35}a{color:#1a5fb4}.note{color:#5b6472;font-size:.9em;max-width:70rem}
#failing{border-left:4px solid #b3261e}#failing th.cr{font-weight:600;white-space:nowrap}#failing td.reason{color:#b3261e;font-weight:600}
#failing td.msg{white-space:pre-wrap;max-width:42rem;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em}
#failing tr.state-retrying td.reason{color:#9a5b00}
.badge{padding:.1rem .5rem;border-radius:.6rem;font-size:.8rem;font-weight:600}.ro{background:#3a4a5e;color:#fff}.rw{background:#b3261e;color:#fff}
.banner{background:#fdecea;border:1px solid #b3261e;padding:.5rem .8rem;max-width:70rem}
.meta{color:#5b6472;margin:.8rem 0 0}.nw{white-space:nowrap}
#rollouts tr.phase-paused{border-left:4px solid #b3261e}#rollouts ul.failed{margin:.3rem 0 0;padding-left:1.1rem;font-size:.85em;max-width:42rem}
</style></head><body>
<header><h1>Lostrómos</h1><nav><strong>Overview</strong><a href="${e(board)}">Queues (Bull Board)</a><a href="${e(links.json)}">JSON</a></nav>${mode}</header>
<main>
${rwBanner}
<p class="meta">Leader: <strong id="leader">${leader}</strong> · Processes reporting: ${o.processes.length} ·
Updated ${e(o.generatedAt)} (refreshes every 10 s)</p>
${errors}
<h2 id="failing-title">Failing CRs: <span class="${o.failingTotal > 0 ? 'bad' : 'ok'}" id="failing-count">${o.failingTotal}</span></h2>
${failingSection}
<p class="note">A CR is listed while its last reconcile failed; the worker records it in the same reconcile that writes the CR's
Ready condition (<code>kubectl get</code> shows the same reason). Permanent failures (templates, invalid objects, policy, RBAC)
complete their jobs, since retrying cannot help until the CR or its templates change, so Bull Board's Failed tab
only lists jobs whose retries ran out.</p>
<h2>Resources</h2>
<table id="queues"><thead><tr><th>Resource</th><th>CRs (leader's count)</th><th>Failing</th>${OVERVIEW_STATES.map((s) => `<th>${s}</th>`).join('')}<th>workers</th></tr></thead>
<tbody>
${queueRows}
</tbody></table>
${renderRolloutsHtml(o.rollouts, e)}
<h2>Processes</h2>
<table id="processes"><thead><tr><th>Role</th><th>Id</th><th>Host</th><th>Lease</th><th>Started</th><th>Last heartbeat</th></tr></thead>
<tbody>
${procRows || '<tr><td colspan="6">no process has reported (they publish presence every few seconds)</td></tr>'}
</tbody></table>
</main>
</body></html>
`;
}
