// `npm run soak -- --minutes N` (or `node test/reliability/soak.ts --minutes N` after `npm run build`).
//
// A private real control plane (kube-apiserver + etcd + kube-controller-manager), a private Redis and real
// operator processes (2 watchers, 3 workers). For N minutes: random create/update/delete of Ship CRs at a set
// rate in three namespaces, while a chaos loop kills workers and the leader (kill -9 and SIGTERM), partitions
// the leader from the API server, restarts Redis empty, pauses Redis, injects API faults (5xx, 429 with
// Retry-After, latency, the API server unreachable, watch drops, forced 410) and changes the templates. Then every fault is cleared, the
// processes are made whole, and after a settle period the invariants of test/support/invariants.ts are
// checked. Last, a scale phase: the CR count is brought to --template-crs (default 1,000), the templates are
// changed once more and the invariants checked again. Prints operations, faults injected, convergence times
// and invariant violations (must be 0); exits 1 on any violation.
//
// Options: --minutes N (default 5)  --rate OPS_PER_SECOND (default 5)  --max-crs N (default 300, during the
// chaos)  --template-crs N (default 1000; 0 skips the scale phase)  --chaos-every SECONDS (default 12, mean)
// --settle SECONDS (default 240)  --seed N  --workers N (default 3)  --json FILE (the summary as JSON)
//
// The harness modules are TypeScript that plain type stripping cannot run (parameter properties) and import
// each other as `.js`: this file re-executes itself with --experimental-transform-types and maps a missing
// relative `.js` import to its `.ts` file.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { registerHooks } from 'node:module';
import path from 'node:path';

if (!process.execArgv.includes('--experimental-transform-types')) {
  const child = spawn(
    process.execPath,
    [
      '--experimental-transform-types',
      '--no-warnings=ExperimentalWarning',
      import.meta.filename,
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit' },
  );
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (err) {
        if (/^\.\.?\//.test(specifier) && specifier.endsWith('.js'))
          return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
        throw err;
      }
    },
  });
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      const usage = err instanceof Error && err.name === 'UsageError';
      console.error(
        `soak: ${err instanceof Error ? (usage ? err.message : (err.stack ?? err.message)) : String(err)}`,
      );
      process.exit(2);
    },
  );
}

interface Options {
  minutes: number;
  rate: number;
  maxCrs: number;
  templateCrs: number;
  chaosEvery: number;
  settle: number;
  seed: number;
  workers: number;
  json: string | undefined;
}

function usageError(message: string): Error {
  const err = new Error(message);
  err.name = 'UsageError';
  return err;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    minutes: 5,
    rate: 5,
    maxCrs: 300,
    templateCrs: 1000,
    chaosEvery: 12,
    settle: 240,
    seed: Date.now() % 1_000_000,
    workers: 3,
    json: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw usageError(`${flag} needs a value`);
      return v;
    };
    const num = (): number => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < 0) throw usageError(`${flag} needs a number ≥ 0`);
      return n;
    };
    switch (flag) {
      case '--minutes':
        o.minutes = num();
        break;
      case '--rate':
        o.rate = num();
        break;
      case '--max-crs':
        o.maxCrs = num();
        break;
      case '--template-crs':
        o.templateCrs = num();
        break;
      case '--chaos-every':
        o.chaosEvery = num();
        break;
      case '--settle':
        o.settle = num();
        break;
      case '--seed':
        o.seed = num();
        break;
      case '--workers':
        o.workers = Math.max(2, num());
        break;
      case '--json':
        o.json = value();
        break;
      case '--help':
      case '-h':
        console.log(
          'usage: npm run soak -- [--minutes N] [--rate OPS/S] [--max-crs N] [--template-crs N] [--chaos-every S] [--settle S] [--seed N] [--workers N] [--json FILE]',
        );
        process.exit(0);
        break;
      default:
        throw usageError(`unknown option ${flag} (try --help)`);
    }
  }
  return o;
}

/** mulberry32: a seeded PRNG, so a run's choices can be replayed (process timing still varies). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEMPLATE_VARIANTS = [
  `apiVersion: v1
kind: ConfigMap
metadata:
  name: '{{name}}-config'
data:
  captain: '{{spec.captain}}'
  crew: '{{spec.crew}}'
`,
  `apiVersion: v1
kind: ConfigMap
metadata:
  name: '{{name}}-config'
data:
  captain: '{{spec.captain}}'
  crew: '{{spec.crew}}'
  motto: 'fair winds, {{spec.captain}}'
`,
  `apiVersion: v1
kind: ConfigMap
metadata:
  name: '{{name}}-config'
  labels:
    fleet: soak
data:
  captain: '{{spec.captain}}'
`,
];

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const { Redis } = await import('ioredis');
  const { startFaultProxy } = await import('../support/fault-proxy.ts');
  const { awaitInvariants } = await import('../support/invariants.ts');
  const {
    alive,
    createNamespace,
    QUIET_RATE,
    ShipWorkload,
    sleep,
    startCluster,
    waitForLeader,
    watcherStatus,
  } = await import('./cluster.ts');
  const { waitFor } = await import('../support/ports.ts');
  type RoleHandle = Awaited<ReturnType<typeof waitForLeader>>;
  type FaultProxy = Awaited<ReturnType<typeof startFaultProxy>>;

  const random = prng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const between = (lo: number, hi: number): number => lo + random() * (hi - lo);
  const t0 = Date.now();
  const stamp = (): string => `${((Date.now() - t0) / 1000).toFixed(1).padStart(7)}s`;
  const log = (msg: string): void => console.log(`[soak ${stamp()}] ${msg}`);

  log(
    `seed ${opts.seed}; ${opts.minutes} min at ${opts.rate} ops/s (≤ ${opts.maxCrs} CRs), chaos every ~${opts.chaosEvery} s, ${opts.workers} workers; then ${opts.templateCrs} CRs and a template change`,
  );
  // Lease 6 s / renew deadline 4 s / retry 2 s (production default 15/10/2): the suites' 3/2/1 flaps on a
  // loaded 2-core machine once 1,000 CRs keep the API server and the in-process proxies busy, and every regained
  // leadership relists and re-enqueues every CR (docs/reliability.md, finding 4).
  const c = await startCluster({
    prefix: 'soak',
    watchers: 0,
    workers: opts.workers,
    lease: { duration: 6, renewDeadline: 4, retryPeriod: 2 },
  });
  const { h } = c;
  const cp = h.api.controlPlane;
  if (!cp) throw new Error('the soak needs the real control plane (LOSTROMOS_TEST_SUBSTRATE=real)');
  const namespaces = ['default', 'soak-a', 'soak-b'];
  for (const ns of namespaces.slice(1)) await createNamespace(c.direct, ns);

  // Every watcher reaches the API server through its own proxy, chained to the shared fault proxy: the shared
  // one's faults hit every process, and pausing a watcher's own one partitions that watcher alone.
  const partitionable = new Map<RoleHandle, FaultProxy>();
  const proxies: FaultProxy[] = [];
  const startWatcher = async (): Promise<RoleHandle> => {
    const proxy = await startFaultProxy({ target: h.api.url, targetCa: cp.caPem, tls: cp.tls });
    proxies.push(proxy);
    const kc = path.join(h.dir, `watcher-${proxies.length}.kubeconfig`);
    fs.writeFileSync(kc, cp.kubeconfig({ server: proxy.url }));
    const w = await h.start('watcher', ['--kubeconfig', kc]);
    partitionable.set(w, proxy);
    c.watchers.push(w);
    return w;
  };
  await startWatcher();
  await startWatcher();

  const crs = new ShipWorkload(c.direct, 'soak', namespaces, random);
  const faults: Record<string, number> = {};
  const recoveries: Record<string, number[]> = {};
  const note = (fault: string, detail = ''): void => {
    faults[fault] = (faults[fault] ?? 0) + 1;
    log(`fault: ${fault}${detail ? ` (${detail})` : ''}`);
  };
  const recovered = (what: string, ms: number): void => {
    (recoveries[what] ??= []).push(ms);
  };
  /** Processes we stopped on purpose: an exit of any other is a crash. */
  const stoppedOnPurpose = new Set<RoleHandle>();
  const crashes: string[] = [];
  const watchCrashes = setInterval(() => {
    for (const r of h.roles)
      if (
        !alive(r) &&
        !stoppedOnPurpose.has(r) &&
        !crashes.some((x) => x.startsWith(`${r.role}:${r.port} `))
      ) {
        crashes.push(
          `${r.role}:${r.port} exited ${String(r.proc.exitCode ?? r.proc.signalCode)}: ${r.output().slice(-600)}`,
        );
        log(`CRASH: ${r.role} on port ${r.port} exited by itself`);
      }
  }, 500);

  // Leadership safety, sampled: every 250 ms every live watcher's /status. Two leaders in two consecutive
  // samples is a violation (one sample can be an artefact: the two answers are not taken at the same instant).
  let dualSamples = 0;
  const dualEpisodes: string[] = [];
  let sampling = true;
  const sampler = (async () => {
    let previous = false;
    while (sampling) {
      const leading: number[] = [];
      await Promise.all(
        c.watchers.filter(alive).map(async (w) => {
          if ((await watcherStatus(w))?.isLeader) leading.push(w.port);
        }),
      );
      const dual = leading.length > 1;
      if (dual) dualSamples++;
      if (dual && previous) {
        dualEpisodes.push(`${stamp()} watchers ${leading.join(', ')} lead at once`);
        log(`TWO LEADERS: ${leading.join(', ')}`);
      }
      previous = dual;
      await sleep(250);
    }
  })();

  const liveWorkers = (): RoleHandle[] => c.workers.filter(alive);
  const liveWatchers = (): RoleHandle[] => c.watchers.filter(alive);
  const later = (ms: number, fn: () => Promise<unknown>): void => {
    setTimeout(() => {
      fn().catch((err: unknown) => log(`restart failed: ${String(err)}`));
    }, ms);
  };
  const restartWorker = async (): Promise<void> => {
    c.workers.push(await h.start('worker'));
  };
  const leader = async (): Promise<RoleHandle | undefined> => {
    for (const w of liveWatchers()) if ((await watcherStatus(w))?.isLeader) return w;
    return undefined;
  };
  const timeLeaderChange = (from: RoleHandle, what: string): void => {
    const started = Date.now();
    void waitForLeader(c.watchers, { not: from, timeoutMs: 60_000 }).then(
      () => recovered(what, Date.now() - started),
      () => log(`no new leader within 60 s after ${what}`),
    );
  };
  let templateVariant = 0;

  const chaos: Array<{ name: string; run: () => Promise<void> }> = [
    {
      name: 'kill -9 worker',
      run: async () => {
        if (liveWorkers().length === 0) return;
        const w = pick(liveWorkers());
        stoppedOnPurpose.add(w);
        await w.kill();
        later(between(1000, 4000), restartWorker);
      },
    },
    {
      name: 'SIGTERM worker',
      run: async () => {
        if (liveWorkers().length === 0) return;
        const w = pick(liveWorkers());
        stoppedOnPurpose.add(w);
        await w.stop(15_000);
        later(between(500, 2000), restartWorker);
      },
    },
    {
      name: 'kill -9 leader',
      run: async () => {
        const l = await leader();
        if (!l) return;
        stoppedOnPurpose.add(l);
        timeLeaderChange(l, 'kill -9 leader → new leader');
        await l.kill();
        later(between(2000, 5000), startWatcher);
      },
    },
    {
      name: 'SIGTERM leader',
      run: async () => {
        const l = await leader();
        if (!l) return;
        stoppedOnPurpose.add(l);
        timeLeaderChange(l, 'SIGTERM leader → new leader');
        await l.stop(15_000);
        later(between(1000, 3000), startWatcher);
      },
    },
    {
      name: 'leader partitioned from the API server',
      run: async () => {
        const l = await leader();
        const proxy = l && partitionable.get(l);
        if (!l || !proxy) return;
        proxy.faults.pause();
        const cutAt = Date.now();
        const ms = between(7000, 11_000);
        later(ms, () => Promise.resolve(proxy.faults.resume()));
        // Safety: the cut-off leader stops leading by itself (renew deadline), before anyone may take over.
        void waitFor(async () => !(await watcherStatus(l))?.isLeader, {
          timeoutMs: 30_000,
          intervalMs: 100,
        }).then(
          () => recovered('partition → cut-off leader stops leading', Date.now() - cutAt),
          () => log('the cut-off leader did not stop leading within 30 s'),
        );
      },
    },
    {
      name: 'Redis restarted empty',
      run: async () => {
        await h.redis.kill();
        await sleep(between(1000, 4000));
        await h.redis.start();
      },
    },
    {
      name: 'Redis paused (CLIENT PAUSE 3 s)',
      run: async () => {
        const admin = new Redis(h.redis.url);
        try {
          await admin.call('CLIENT', 'PAUSE', '3000', 'ALL');
        } finally {
          admin.disconnect();
        }
      },
    },
    {
      name: 'API 5xx (30 % for 5 s)',
      run: async () => {
        h.api.faults.set({ errorRate: 0.3, errorStatus: pick([500, 503] as const), retryAfterSeconds: 1 });
        await sleep(5000);
        h.api.faults.clear();
      },
    },
    {
      name: 'API 429 + Retry-After 2 s (50 % for 5 s)',
      run: async () => {
        h.api.faults.set({ errorRate: 0.5, errorStatus: 429, retryAfterSeconds: 2 });
        await sleep(5000);
        h.api.faults.clear();
      },
    },
    {
      name: 'API latency spike (1–1.5 s for 4 s)',
      run: async () => {
        h.api.faults.set({ latencyMs: Math.round(between(1000, 1500)) });
        await sleep(4000);
        h.api.faults.clear();
      },
    },
    {
      name: 'API server unreachable (5 s)',
      run: async () => {
        h.api.faults.pause();
        await sleep(5000);
        h.api.faults.resume();
      },
    },
    {
      name: 'watch streams dropped',
      run: () => {
        h.api.faults.dropWatches({ abrupt: random() < 0.5 });
        return Promise.resolve();
      },
    },
    {
      name: 'forced 410 Gone',
      run: async () => {
        await h.api.faults.compact();
      },
    },
    {
      name: 'templates changed',
      run: () => {
        templateVariant = (templateVariant + 1) % TEMPLATE_VARIANTS.length;
        fs.writeFileSync(
          path.join(h.templates, 'ships', 'configmap.yaml'),
          TEMPLATE_VARIANTS[templateVariant]!,
        );
        return Promise.resolve();
      },
    },
  ];

  // --- the chaos phase ---------------------------------------------------------------------------------
  for (let i = 0; i < 30; i++) await crs.create();
  const chaosEnd = Date.now() + opts.minutes * 60_000;
  const workload = (async () => {
    const interval = 1000 / Math.max(opts.rate, 0.001);
    let next = Date.now();
    const inflight = new Set<Promise<void>>();
    while (Date.now() < chaosEnd) {
      const p = crs.randomOp(opts.maxCrs).finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= 16) await Promise.race(inflight);
      next += interval;
      await sleep(Math.max(0, next - Date.now()));
    }
    await Promise.all(inflight);
  })();
  const chaosLoop = (async () => {
    while (Date.now() < chaosEnd) {
      await sleep(between(0.5, 1.5) * opts.chaosEvery * 1000);
      if (Date.now() >= chaosEnd) break;
      const f = pick(chaos);
      note(f.name);
      try {
        await f.run();
      } catch (err) {
        log(`fault ${f.name} failed to run: ${String(err)}`);
      }
    }
  })();
  await Promise.all([workload, chaosLoop]);

  // --- settle ------------------------------------------------------------------------------------------
  log(`chaos over: ${crs.total} operations; clearing faults and making the processes whole`);
  h.api.faults.clear();
  for (const p of proxies) p.faults.clear();
  await sleep(6000); // pending restarts land
  while (liveWorkers().length < opts.workers) await restartWorker();
  while (liveWatchers().length < 2) await startWatcher();
  const settleStarted = Date.now();
  const rate = { ...QUIET_RATE, windowMs: 5000, settleMs: 120_000 };
  const chaosCheck = await awaitInvariants(h, c.invariants(rate), opts.settle * 1000);
  log(
    `after the chaos: ${chaosCheck.violations.length} violations; converged ${(chaosCheck.convergedMs / 1000).toFixed(1)} s after the settle began`,
  );
  const settleMs = Date.now() - settleStarted;

  // --- the scale phase: templates changed while templateCrs CRs exist ------------------------------------
  let scale:
    { crs: number; createConvergedMs: number; templateConvergedMs: number; violations: string[] } | undefined;
  if (opts.templateCrs > 0) {
    const want = opts.templateCrs - crs.live.size;
    log(`scale phase: creating ${Math.max(0, want)} CRs (to ${opts.templateCrs})`);
    const createStart = Date.now();
    let made = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (made < want) {
          made++;
          await crs.create().catch(() => crs.ops.failed++);
        }
      }),
    );
    const created = await awaitInvariants(h, c.invariants(), opts.settle * 1000 * 2);
    const createConvergedMs = Date.now() - createStart;
    log(`${crs.live.size} CRs converged ${(createConvergedMs / 1000).toFixed(1)} s after the first create`);
    templateVariant = (templateVariant + 1) % TEMPLATE_VARIANTS.length;
    fs.writeFileSync(path.join(h.templates, 'ships', 'configmap.yaml'), TEMPLATE_VARIANTS[templateVariant]!);
    note('templates changed (scale phase)', `${crs.live.size} CRs`);
    const changedAt = Date.now();
    const changed = await awaitInvariants(h, c.invariants(rate), opts.settle * 1000 * 2);
    const templateConvergedMs = changed.convergedMs;
    log(
      `templates changed with ${crs.live.size} CRs: converged in ${(templateConvergedMs / 1000).toFixed(1)} s; ${changed.violations.length} violations (${((Date.now() - changedAt) / 1000).toFixed(1)} s with the rate check)`,
    );
    scale = {
      crs: crs.live.size,
      createConvergedMs,
      templateConvergedMs,
      violations: [...created.violations, ...changed.violations],
    };
  }
  clearInterval(watchCrashes);
  sampling = false;
  await sampler;

  // --- report ------------------------------------------------------------------------------------------
  // Leadership changes and reconciles by trigger, from the processes' own logs (killed ones included).
  const leadership: string[] = [];
  for (const w of h.roles.filter((r) => r.role === 'watcher'))
    for (const l of w.logs())
      if (l.msg === 'started leading' || l.msg === 'stopped leading')
        leadership.push(
          `${((Date.parse(String(l.time)) - t0) / 1000).toFixed(1).padStart(7)}s ${String(l.msg)} ${w.port}${typeof l.reason === 'string' ? ` (${l.reason})` : ''}`,
        );
  leadership.sort();
  const reconciles: Record<string, number> = {};
  for (const w of h.roles.filter((r) => r.role === 'worker'))
    for (const l of w.logs())
      if (l.msg === 'reconcile finished' || l.msg === 'reconcile failed; will retry with backoff') {
        const text = (v: unknown, dflt: string): string => (typeof v === 'string' ? v : dflt);
        const k = `${text(l.trigger, '?')} → ${text(l.outcome, 'retry')}`;
        reconciles[k] = (reconciles[k] ?? 0) + 1;
      }
  const errors: Record<string, number> = {};
  for (const r of h.roles)
    for (const l of r.logs())
      if (typeof l.level === 'number' && l.level >= 50) {
        const k = `${r.role}: ${String(l.msg)}`;
        errors[k] = (errors[k] ?? 0) + 1;
      }
  const violations = [
    ...chaosCheck.violations,
    ...(scale?.violations ?? []),
    ...crashes.map((x) => `[crash] ${x}`),
    ...dualEpisodes.map((x) => `[leadership] ${x}`),
  ];
  const totalFaults = Object.values(faults).reduce((a, b) => a + b, 0);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const rows: Array<[string, string]> = [
    ['duration (chaos phase)', `${opts.minutes} min`],
    ['seed', String(opts.seed)],
    ['processes', `2 watchers (each behind its own proxy), ${opts.workers} workers, 1 Redis`],
    [
      'CR operations',
      `${crs.total} (create ${crs.ops.create}, update ${crs.ops.update}, delete ${crs.ops.delete}; ${crs.ops.failed} refused)`,
    ],
    ['faults injected', String(totalFaults)],
    ...Object.entries(faults)
      .sort()
      .map(([k, v]): [string, string] => [`  ${k}`, String(v)]),
    [
      'converged after the chaos',
      `${(chaosCheck.convergedMs / 1000).toFixed(1)} s (settle ${Math.round(settleMs / 1000)} s incl. rate check)`,
    ],
    ...Object.entries(recoveries).map(([k, v]): [string, string] => [
      `  ${k}`,
      `median ${(median(v) / 1000).toFixed(1)} s, max ${(Math.max(...v) / 1000).toFixed(1)} s (${v.length})`,
    ]),
    ...(scale
      ? ([
          ['scale phase CRs', String(scale.crs)],
          ['  created → converged', `${(scale.createConvergedMs / 1000).toFixed(1)} s`],
          ['  templates changed → converged', `${(scale.templateConvergedMs / 1000).toFixed(1)} s`],
        ] as Array<[string, string]>)
      : []),
    [
      'leadership changes',
      `${leadership.filter((x) => x.includes('started leading')).length} starts (${['kill -9 leader', 'SIGTERM leader', 'leader partitioned from the API server'].reduce((n, k) => n + (faults[k] ?? 0), 0)} faults aimed at the leader)`,
    ],
    [
      'two leaders at once',
      `${dualEpisodes.length} (in consecutive /status samples every 250 ms; ${dualSamples} single samples)`,
    ],
    ['process crashes', String(crashes.length)],
    ['invariant violations', String(violations.length)],
  ];
  console.log('\n| soak | result |\n| --- | --- |');
  for (const [k, v] of rows) console.log(`| ${k.replace(/^ {2}/, '&nbsp;&nbsp;')} | ${v} |`);
  console.log(`\nreconciles by trigger → outcome: ${JSON.stringify(reconciles)}`);
  console.log(`leadership changes (${leadership.filter((x) => x.includes('started')).length} starts):`);
  for (const x of leadership.slice(-40)) console.log(`  ${x}`);
  if (Object.keys(errors).length > 0) {
    console.log('\nerror-level log lines (information, not violations):');
    for (const [k, v] of Object.entries(errors)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15))
      console.log(`  ${v} × ${k}`);
  }
  if (violations.length > 0) {
    console.log(`\nINVARIANT VIOLATIONS (${violations.length}):`);
    for (const v of violations.slice(0, 50)) console.log(`  ${v}`);
  }
  const summary = {
    seed: opts.seed,
    minutes: opts.minutes,
    operations: { ...crs.ops, total: crs.total },
    faults,
    recoveries,
    convergedAfterChaosMs: chaosCheck.convergedMs,
    scale,
    crashes,
    errors,
    reconciles,
    leadership,
    violations,
  };
  if (opts.json) fs.writeFileSync(opts.json, `${JSON.stringify(summary, null, 2)}\n`);
  h.api.faults.clear();
  await c.close();
  for (const p of proxies) await p.stop();
  return violations.length > 0 ? 1 : 0;
}
