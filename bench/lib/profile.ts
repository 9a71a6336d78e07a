// `--only profile`: one lostromos-1 convergence with the worker and the watcher under --cpu-prof; the
// profiles' self time summed by function and by package, so the hot path is named with evidence.
import fs from 'node:fs';
import path from 'node:path';
import type { BenchCluster } from './cluster.ts';
import { LostromosTool } from './lostromos.ts';
import { table } from './report.ts';
import { round, runSession } from './session.ts';

interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }>;
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileFigures {
  dir: string;
  table: string;
  byPackage: Array<[string, number]>;
  byFunction: Array<[string, number]>;
}

function packageOf(url: string): string {
  if (!url) return '(native/idle/gc)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const m = /\/(libs|apps)\/([^/]+)\//.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  if (url.startsWith('node:')) return url.split('/')[0]!;
  return url
    .replace(/^file:\/\//, '')
    .split('/')
    .slice(-2)
    .join('/');
}

/** Self time (ms) by function and by package over a set of .cpuprofile files. */
export function summarizeProfiles(files: string[]): {
  byFunction: Map<string, number>;
  byPackage: Map<string, number>;
  totalMs: number;
} {
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let totalMs = 0;
  for (const f of files) {
    const p = JSON.parse(fs.readFileSync(f, 'utf8')) as CpuProfile;
    const self = new Map<number, number>();
    const samples = p.samples ?? [];
    const deltas = p.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++)
      self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + (deltas[i] ?? 0) / 1000);
    for (const n of p.nodes) {
      const ms = self.get(n.id) ?? 0;
      if (ms === 0) continue;
      const { functionName, url, lineNumber } = n.callFrame;
      if (functionName === '(idle)' || functionName === '(program)') continue;
      totalMs += ms;
      const key = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*\/(node_modules|libs|apps)\//, '$1/')}:${lineNumber + 1}` : ''}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
      const pkg = packageOf(url);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
    }
  }
  return { byFunction, byPackage, totalMs };
}

export async function profileLostromos(
  cluster: BenchCluster,
  dir: string,
  crs: number,
  timeoutMs: number,
  log: (l: string) => void,
): Promise<ProfileFigures> {
  const profDir = path.join(
    process.env.LOSTROMOS_BENCH_PROFILE_DIR ?? path.join(dir, '..'),
    `lostromos-cpuprof-${process.pid}`,
  );
  fs.mkdirSync(profDir, { recursive: true });
  const flags = `--cpu-prof --cpu-prof-dir=${profDir}`;
  const tool = new LostromosTool(cluster, dir, {
    name: 'lostromos-profile',
    workers: 1,
    workerNodeOptions: flags,
    watcherNodeOptions: flags,
  });
  await runSession(cluster, tool, { crs, timeoutMs }, log);
  const files = fs
    .readdirSync(profDir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(profDir, f));
  const s = summarizeProfiles(files);
  const top = (m: Map<string, number>, n: number): Array<[string, number]> =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => [k, round(v, 0)]);
  const byPackage = top(s.byPackage, 12);
  const byFunction = top(s.byFunction, 20);
  const pct = (ms: number): string => `${((ms / s.totalMs) * 100).toFixed(1)}%`;
  log(`profile: ${files.length} profiles in ${profDir}, ${Math.round(s.totalMs)} ms of non-idle CPU`);
  return {
    dir: profDir,
    byPackage,
    byFunction,
    table:
      table(
        `CPU profile of lostromos-1 (watcher + worker, ${crs} CRs): self time by package`,
        ['package', 'ms', 'share'],
        byPackage.map(([k, v]) => [k, v, pct(v)]),
      ) +
      table(
        '… and by function',
        ['function', 'ms', 'share'],
        byFunction.map(([k, v]) => [k, v, pct(v)]),
      ),
  };
}
