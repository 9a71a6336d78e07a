// `npm run bench` — Lostrómos side by side with its peers on one real control plane (docs/performance.md).
//
//   npm run bench                      full run (2,000 CRs per tool, 20,000 for resync, 10k–100k watcher memory)
//   npm run bench -- --quick           the same scenarios, smaller (under 5 minutes once the peers are built)
//   npm run bench -- --tiny            a smoke run (CI: test/bench/bench-quick.test.ts)
//   npm run bench -- --only=convergence,latency --peers=kro --crs=500
//   npm run bench -- --resync-crs=5000 --memory=10000,50000   (smaller than the full defaults)
//   npm run bench -- --only=profile    one lostromos-1 convergence under --cpu-prof, hot functions listed
//   npm run bench -- render sim        the older in-process benches, bench/<name>.bench.ts, by name
//
// Prints a table per scenario and, as the LAST line, one JSON summary (null + a reason for what was not
// measured). --json=FILE also writes the summary to FILE.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { PeerName } from './peers/build.ts';
import { runSuite, type Size } from './lib/suite.ts';

const dir = import.meta.dirname;
const args = process.argv.slice(2);
const flags = new Map<string, string>();
const names: string[] = [];
for (const a of args) {
  if (a.startsWith('--')) {
    const [k, v = 'true'] = a.slice(2).split('=', 2) as [string, string?];
    flags.set(k, v);
  } else names.push(a);
}

async function legacy(): Promise<number> {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => names.some((w) => f.includes(w)))
    .sort();
  if (files.length === 0) {
    console.error(`bench: no bench/*.bench.ts matched ${names.join(' ')}`);
    return 2;
  }
  let failed = 0;
  for (const f of files) {
    console.log(`\n### ${f}`);
    const code = await new Promise<number | null>((resolve) => {
      const c = spawn(process.execPath, [path.join(dir, f)], { stdio: 'inherit' });
      c.once('exit', resolve);
    });
    if (code !== 0) {
      failed++;
      console.error(`bench: ${f} exited with ${code}`);
    }
  }
  return failed ? 1 : 0;
}

async function main(): Promise<number> {
  if (names.length > 0) return legacy();
  const size: Size = flags.has('tiny') ? 'tiny' : flags.has('quick') ? 'quick' : 'full';
  const peersFlag = flags.get('peers');
  const peers = (
    peersFlag === undefined
      ? ['kro', 'helm-operator', 'metacontroller']
      : peersFlag === 'none'
        ? []
        : peersFlag.split(',')
  ) as PeerName[];
  const only = flags.get('only') ? new Set(flags.get('only')!.split(',')) : undefined;
  const started = Date.now();
  const log = (l: string): void => {
    process.stderr.write(`[${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s] ${l}\n`);
  };
  const { summary, tables } = await runSuite({
    size,
    peers,
    ...(only ? { only } : {}),
    ...(flags.get('crs') ? { crs: Number(flags.get('crs')) } : {}),
    ...(flags.get('resync-crs') ? { resyncCrs: Number(flags.get('resync-crs')) } : {}),
    ...(flags.get('resync-seconds') ? { resyncSeconds: Number(flags.get('resync-seconds')) } : {}),
    ...(flags.get('memory') ? { memory: flags.get('memory')!.split(',').map(Number) } : {}),
    log,
  });
  for (const t of tables) console.log(t);
  const reasons = Object.entries(summary.reasons);
  if (reasons.length) {
    console.log('\n## Not measured (null in the summary)\n');
    for (const [k, v] of reasons) console.log(`- ${k}: ${v}`);
  }
  const json = JSON.stringify(summary);
  if (flags.get('json')) fs.writeFileSync(flags.get('json')!, `${json}\n`);
  console.log('');
  console.log(json);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    // Still a summary line, so a script reading the last line learns that (and why) nothing was measured.
    console.log(JSON.stringify({ error: err instanceof Error ? err.message : String(err), reasons: {} }));
    process.exit(1);
  },
);
