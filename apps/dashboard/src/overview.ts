import type { PresenceRecord } from '@lostromos/observability';

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

export interface QueueOverview {
  name: string;
  counts: Record<string, number>;
  /** Worker connections BullMQ sees on this queue (CLIENT LIST). */
  workers: number;
  workerNames: string[];
  error?: string;
}

export interface Overview {
  generatedAt: string;
  readOnly: boolean;
  leader: PresenceRecord | undefined;
  processes: PresenceRecord[];
  queues: QueueOverview[];
  /** CRs per resource and by Ready state, as last reported by the leading watcher. */
  resources: Record<string, { crs: number; ready: number; notReady: number }>;
  errors: string[];
}

/** Gathers the operator overview; every part degrades to an error string instead of failing the page. */
export async function collectOverview(opts: {
  queues: readonly OverviewQueue[];
  readPresence: () => Promise<PresenceRecord[]>;
  readOnly: boolean;
  now?: () => Date;
}): Promise<Overview> {
  const errors: string[] = [];
  const [processes, queues] = await Promise.all([
    opts.readPresence().catch((err: unknown) => {
      errors.push(`cannot read process presence from Redis: ${(err as Error).message}`);
      return [] as PresenceRecord[];
    }),
    Promise.all(opts.queues.map((q) => queueOverview(q))),
  ]);
  const leader = processes.find((p) => p.leader === true);
  return {
    generatedAt: (opts.now?.() ?? new Date()).toISOString(),
    readOnly: opts.readOnly,
    leader,
    processes,
    queues,
    resources: leader?.resources ?? {},
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

/** The overview as a small self-contained HTML page (no scripts; refreshes itself every 10 s). */
export function renderOverviewHtml(o: Overview, links: { board: string; json: string }): string {
  const e = escapeHtml;
  const queueRows = o.queues
    .map((q) => {
      const cells = OVERVIEW_STATES.map(
        (s) => `<td class="n">${q.error ? '–' : (q.counts[s] ?? 0)}</td>`,
      ).join('');
      const res = o.resources[q.name];
      const crs = res ? `${res.crs} (${res.ready} ready, ${res.notReady} not ready)` : 'not reported';
      return (
        `<tr data-queue="${e(q.name)}"><th scope="row">${e(q.name)}</th>${cells}` +
        `<td class="n">${q.workers}</td><td>${e(crs)}</td>` +
        `<td>${q.error ? `<span class="bad">${e(q.error)}</span>` : ''}</td></tr>`
      );
    })
    .join('\n');
  const procRows = o.processes
    .map(
      (p) =>
        `<tr><td>${e(p.role)}</td><td>${e(p.id)}</td><td>${e(p.hostname)}</td><td>${p.leader ? 'leader' : p.role === 'watcher' ? 'standby' : ''}</td>` +
        `<td>${e(p.startedAt)}</td><td>${e(p.updatedAt)}</td></tr>`,
    )
    .join('\n');
  const leader = o.leader
    ? `${e(o.leader.id)} on ${e(o.leader.hostname)}`
    : '<span class="bad">no watcher reports leadership</span>';
  const errors = o.errors.map((x) => `<p class="bad">${e(x)}</p>`).join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="10"><title>Lostrómos overview</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2430;background:#f6f7f9}
table{border-collapse:collapse;margin:1rem 0;background:#fff}th,td{border:1px solid #d5d9e0;padding:.35rem .6rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#b3261e}a{color:#1a5fb4}
</style></head><body>
<h1>Lostrómos overview</h1>
<p>Leader: <strong id="leader">${leader}</strong> · Processes reporting: ${o.processes.length} ·
Mode: ${o.readOnly ? 'read-only' : 'read-write'} · <a href="${e(links.board)}">Queues (Bull Board)</a> ·
<a href="${e(links.json)}">JSON</a> · ${e(o.generatedAt)}</p>
${errors}
<h2>Resources</h2>
<table id="queues"><thead><tr><th>Resource</th>${OVERVIEW_STATES.map((s) => `<th>${s}</th>`).join('')}<th>workers</th><th>CRs</th><th></th></tr></thead>
<tbody>
${queueRows}
</tbody></table>
<h2>Processes</h2>
<table id="processes"><thead><tr><th>Role</th><th>Id</th><th>Host</th><th>Lease</th><th>Started</th><th>Last heartbeat</th></tr></thead>
<tbody>
${procRows || '<tr><td colspan="6">no process has reported (they publish presence every few seconds)</td></tr>'}
</tbody></table>
</body></html>
`;
}
