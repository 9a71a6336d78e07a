// Process cost from /proc, the same way for every tool (Node or Go): CPU seconds (utime + stime of the
// process and of its waited-for children, e.g. helm) and peak resident memory (VmHWM). A sampler keeps the
// last values of each pid, so a process that exits (or is killed) still counts.
import fs from 'node:fs';

const TICKS = 100; // USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK)

export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = [f[11], f[12], f[13], f[14]].map(Number) as [
      number,
      number,
      number,
      number,
    ];
    return (utime + stime + cutime + cstime) / TICKS;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds every core of the machine spent busy since boot (/proc/stat: user, nice, system, irq, softirq,
 * steal; not idle or iowait).
 */
export function machineBusySeconds(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return [0, 1, 2, 5, 6, 7].reduce((sum, i) => sum + (ticks[i] ?? 0), 0) / TICKS;
}

function statusKb(pid: number, field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export const peakRssBytes = (pid: number): number | undefined =>
  ((v) => (v === undefined ? undefined : v * 1024))(statusKb(pid, 'VmHWM'));
export const rssBytes = (pid: number): number | undefined =>
  ((v) => (v === undefined ? undefined : v * 1024))(statusKb(pid, 'VmRSS'));

/** Tracks a set of processes: CPU seconds used since `add` and the peak RSS of each. */
export class ProcSampler {
  private readonly procs = new Map<number, { start: number; cpu: number; peak: number }>();
  private timer: NodeJS.Timeout | undefined;

  private readonly intervalMs: number;

  constructor(intervalMs = 500) {
    this.intervalMs = intervalMs;
  }

  /** `fromStart`: count the CPU used since the process started (else from now). */
  add(pid: number | undefined, fromStart = false): void {
    if (!pid || this.procs.has(pid)) return;
    const now = cpuSeconds(pid) ?? 0;
    this.procs.set(pid, { start: fromStart ? 0 : now, cpu: now, peak: peakRssBytes(pid) ?? 0 });
    this.timer ??= setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  sample(): void {
    for (const [pid, p] of this.procs) {
      const c = cpuSeconds(pid);
      if (c !== undefined) p.cpu = c;
      const r = peakRssBytes(pid);
      if (r !== undefined) p.peak = Math.max(p.peak, r);
    }
  }

  /** Total CPU seconds of every tracked process since it was added. */
  cpu(): number {
    this.sample();
    let s = 0;
    for (const p of this.procs.values()) s += p.cpu - p.start;
    return s;
  }

  /** Sum of the peak RSS of every tracked process (each process's own peak; bytes). */
  peakSum(): number {
    this.sample();
    let s = 0;
    for (const p of this.procs.values()) s += p.peak;
    return s;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
