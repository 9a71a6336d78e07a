// Tables for people, one JSON line for scripts.

export type Cell = string | number | null | undefined;

export function table(title: string, head: string[], rows: Cell[][]): string {
  const fmt = (c: Cell): string =>
    c === null || c === undefined || (typeof c === 'number' && !Number.isFinite(c))
      ? '—'
      : typeof c === 'number'
        ? c.toLocaleString('en-US', { maximumFractionDigits: 2 })
        : c;
  const cells = [head, ...rows.map((r) => r.map(fmt))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    '',
    `## ${title}`,
    '',
    line(head),
    `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...cells.slice(1).map(line),
    '',
  ].join('\n');
}

/** Every summary key the issue asks for; `null` values carry a reason in `reasons`. */
export const SUMMARY_KEYS = [
  'ceilingWritesPerSecond',
  'throughput',
  'writesPerCr',
  'requestsPerCr',
  'latencyMs',
  'peerLatencyMs',
  'resyncWrites',
  'resyncSeconds',
  'failoverSeconds',
  'watcherHeapBytesPerCr',
  'renderPerSecond',
  'cpuSecondsPerCr',
  'peakRssMb',
] as const;

export const THROUGHPUT_KEYS = [
  'lostromos-1',
  'lostromos-2',
  'lostromos-4',
  'kro',
  'helm-operator',
  'metacontroller',
] as const;

export const PEERS = ['kro', 'helm-operator', 'metacontroller'] as const;
