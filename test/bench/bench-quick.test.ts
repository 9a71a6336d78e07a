// The bench in CI: `npm run bench -- --tiny --peers=none` on its own real control plane. It fails only on a
// broken run — no JSON summary as the last line, a key missing, a figure that is neither a number nor null
// with a reason, or a no-op pass that wrote — never on slow figures.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUMMARY_KEYS, THROUGHPUT_KEYS } from '../../bench/lib/report.ts';
import { machineCpu, type MachineCpu } from '../../bench/lib/session.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bench/run.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

type Summary = Record<string, unknown> & { reasons: Record<string, string> };

/** A figure is a finite number, or null with a reason under `key` (or under a key it points to). */
function expectFigure(s: Summary, key: string, v: unknown): void {
  if (v === null) {
    expect(s.reasons[key], `${key} is null without a reason`).toEqual(expect.any(String));
    return;
  }
  expect(typeof v === 'number' && Number.isFinite(v), `${key} = ${JSON.stringify(v)}`).toBe(true);
}

describe('npm run bench -- --tiny', () => {
  it('prints tables and, as the last line, a JSON summary with every key: a number or null with a reason', async () => {
    const r = await runBench(['--tiny', '--peers=none']);
    const lines = r.stdout.trimEnd().split('\n');
    const last = lines[lines.length - 1] ?? '';
    expect(r.code, `bench exited ${r.code}\n${r.stderr}`).toBe(0);
    const s = JSON.parse(last) as Summary;
    expect(r.stdout).toContain('## Convergence');
    for (const k of SUMMARY_KEYS) expect(s, `summary lacks ${k}`).toHaveProperty(k);
    expect(typeof s.reasons).toBe('object');
    expectFigure(s, 'ceilingWritesPerSecond', s.ceilingWritesPerSecond);
    for (const k of [
      'writesPerCr',
      'requestsPerCr',
      'resyncWrites',
      'resyncSeconds',
      'failoverSeconds',
      'watcherHeapBytesPerCr',
      'renderPerSecond',
    ])
      expectFigure(s, k, s[k]);
    const throughput = s.throughput as Record<string, unknown>;
    for (const k of THROUGHPUT_KEYS) expectFigure(s, `throughput.${k}`, throughput[k]);
    // A tiny run still converges Lostrómos (2 workers) and the floor, and measures their latency.
    expect(throughput['lostromos-2']).toEqual(expect.any(Number));
    expect(throughput.floor).toEqual(expect.any(Number));
    expect(s.floorLatencyMs).toMatchObject({ p99: expect.any(Number) });
    const lat = s.latencyMs as Record<string, number> | null;
    if (lat === null) expect(s.reasons.latencyMs).toEqual(expect.any(String));
    else for (const p of ['p50', 'p95', 'p99']) expect(lat[p]).toEqual(expect.any(Number));
    for (const [tool, v] of Object.entries(s.peerLatencyMs as Record<string, unknown>))
      if (v === null) expect(s.reasons[`peerLatencyMs.${tool}`], tool).toEqual(expect.any(String));
    for (const k of ['cpuSecondsPerCr', 'peakRssMb'] as const)
      for (const [tool, v] of Object.entries(s[k] as Record<string, unknown>))
        if (v === null) expect(s.reasons[`throughput.${tool}`], `${k}.${tool}`).toEqual(expect.any(String));
        else expect(v).toEqual(expect.any(Number));
    // The machine's CPU split of the Lostrómos convergence: every control-plane component worked, and the parts
    // never add up to more than the machine spent (up to rounding).
    const machine = (s.machineCpu as Record<string, MachineCpu>)['lostromos-2']!;
    for (const part of ['tool', 'kubeApiserver', 'etcd', 'bench'] as const)
      expect(machine.msPerCr[part], part).toBeGreaterThan(0);
    const parts = Object.entries(machine.msPerCr).filter(([k]) => k !== 'total');
    expect(parts.reduce((sum, [, v]) => sum + v, 0)).toBeCloseTo(machine.msPerCr.total, 0);
    expect(machine.busyShare).toBeGreaterThan(0);
    expect(machine.busyShare).toBeLessThanOrEqual(1);
    // Correctness, not speed: a no-op resync of unchanged CRs writes nothing.
    if (s.resyncWrites !== null) expect(s.resyncWrites).toBe(0);
  }, 240_000);
});

describe('machineCpu', () => {
  const mark = (
    at: number,
    machine: number,
    tool: number,
    bench: number,
    components: Record<string, number>,
  ) => ({
    at,
    machine,
    tool,
    bench,
    components,
  });

  it('splits the machine CPU of a window per CR by process; the rest of the machine is "other"', () => {
    const a = mark(0, 100, 1, 2, { 'kube-apiserver': 10, etcd: 5, 'kube-controller-manager': 3 });
    // 10 s on 2 cores, 16 s busy: tool 4, apiserver 6, etcd 2, KCM 1, bench 1 → other 2.
    const b = mark(10_000, 116, 5, 3, { 'kube-apiserver': 16, etcd: 7, 'kube-controller-manager': 4 });
    expect(machineCpu(a, b, 1000, 2)).toEqual({
      msPerCr: {
        tool: 4,
        kubeApiserver: 6,
        etcd: 2,
        kubeControllerManager: 1,
        bench: 1,
        other: 2,
        total: 16,
      },
      busyShare: 0.8,
    });
  });

  it('never reports a negative rest: process counters a tick ahead of /proc/stat make the total their sum', () => {
    const a = mark(0, 0, 0, 0, {});
    const b = mark(1000, 0.9, 1, 0, {});
    const m = machineCpu(a, b, 1, 2);
    expect(m.msPerCr.other).toBe(0);
    expect(m.msPerCr.total).toBe(1000);
  });
});
