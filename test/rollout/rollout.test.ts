import fs from 'node:fs';
import path from 'node:path';
import type { KubeObject } from '@lostromos/kube';
import { Redis } from 'ioredis';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLostromos } from '../cli/run-cli-process.js';
import {
  condition,
  FIXTURES,
  gadget,
  startHarness,
  type Harness,
  type RoleHandle,
} from '../controller/harness.js';
import { parseMetricsText } from '../support/metrics-text.js';
import { freePort, spawnLostromos, waitFor, type LostromosProcess } from '../support/index.js';

// A staged rollout on the real control plane. 200 ships; the resource rolls template changes out in waves
// of 25% (4 waves of 50), each wave only once the previous one is Ready with the new revision. The new
// revision makes three CRs of wave 2 unready (their Deployment runs an image whose Pods never become ready):
// the rollout pauses by itself with the reason, on the CRs (Warning Events), in the log and the metrics.
// `lostromos rollout undo` then brings every CR back to the old revision in waves — status and live objects —
// while the objects of the CRs that never moved, and of another resource, are never written at all.

const N = 200;
const FLAKY = new Set(['ship-060', 'ship-061', 'ship-062']);
const name = (i: number): string => `ship-${String(i).padStart(3, '0')}`;
const hasWorkload = (i: number): boolean => i % 20 === 0 || FLAKY.has(name(i));

const CONFIGMAP = (revision: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: '{{name}}-config'
data:
  captain: '{{spec.captain}}'
  revision: '${revision}'
`;
// Only CRs with spec.workload render a Deployment (12 of them), so the control plane is not flooded.
const DEPLOYMENT = (image: string): string => `# {{#if spec.workload}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: '{{name}}'
spec:
  replicas: 1
  selector: { matchLabels: { app: '{{name}}' } }
  template:
    metadata: { labels: { app: '{{name}}' } }
    spec:
      containers:
        - name: app
${image}
# {{/if}}
`;
const IMAGE_ONE = `          image: 'nginx:1.27'`;
// The new revision: a new image, and for flaky CRs one whose Pods never become ready.
const IMAGE_TWO = `          # {{#if spec.flaky}}
          image: 'lostromos.test/never-ready:2'
          # {{else}}
          image: 'nginx:1.28'
          # {{/if}}`;

let h: Harness;
let redis: Redis;
let watcher: RoleHandle;
let dashboard: LostromosProcess | undefined;
let dashboardUrl = '';
let revisionOne = '';
let revisionTwo = '';
/** resourceVersion of every ConfigMap and generation of every Deployment before the rollout. */
const before = new Map<string, string>();

const ships = async (): Promise<KubeObject[]> => h.list('fleet.example.io/v1', 'ships', 'default');
const revisionOf = (cr: KubeObject): string | undefined =>
  (cr.status as { templateRevision?: string } | undefined)?.templateRevision;
const state = async (): Promise<Record<string, unknown> | undefined> => {
  const json = await redis.get('rollout:_rollout:ships');
  return json ? (JSON.parse(json) as Record<string, unknown>) : undefined;
};
const rollout = (...args: string[]): ReturnType<typeof runLostromos> =>
  runLostromos(['rollout', ...args, '--config', h.configFile]);

async function snapshotObjects(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const cm of await h.list('v1', 'configmaps', 'default', 'app.kubernetes.io/managed-by=lostromos'))
    out.set(`cm/${cm.metadata.name}`, cm.metadata.resourceVersion!);
  for (const d of await h.list('apps/v1', 'deployments', 'default'))
    out.set(`deploy/${d.metadata.name}`, String(d.metadata.generation));
  return out;
}

async function allOn(revision: string, what: string, timeoutMs = 240_000): Promise<void> {
  await waitFor(
    async () => {
      const crs = await ships();
      const off = crs.filter(
        (cr) => revisionOf(cr) !== revision || condition(cr, 'Ready')?.status !== 'True',
      );
      return crs.length >= N && off.length === 0;
    },
    { timeoutMs, intervalMs: 1000, what },
  );
}

beforeAll(async () => {
  h = await startHarness({
    prefix: 'rollout',
    resyncSeconds: 0,
    configExtra: 'dashboard: { auth: { mode: none } }\n',
  });
  // The ships resource rolls changes out in waves; gadgets (the other resource) does not.
  const config = fs.readFileSync(h.configFile, 'utf8');
  fs.writeFileSync(
    h.configFile,
    config.replace(
      `templates: ${path.join(h.templates, 'ships')}\n`,
      `templates: ${path.join(h.templates, 'ships')}\n    rollout: { batchSize: "25%", pauseSeconds: 2, maxFailures: 2, readiness: true, readinessTimeoutSeconds: 40 }\n`,
    ),
  );
  const folder = path.join(h.templates, 'ships');
  for (const f of fs.readdirSync(folder)) fs.rmSync(path.join(folder, f));
  fs.writeFileSync(path.join(folder, 'configmap.yaml'), CONFIGMAP('one'));
  fs.writeFileSync(path.join(folder, 'deployment.yaml'), DEPLOYMENT(IMAGE_ONE));
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  redis = new Redis(h.redis.url);
  watcher = await h.start('watcher');
  await h.start('worker');
  await h.start('worker');
  const [serverPort, dashboardPort] = [await freePort(), await freePort()];
  dashboardUrl = `http://127.0.0.1:${dashboardPort}/`;
  dashboard = spawnLostromos([
    'start',
    '--config',
    h.configFile,
    '--role',
    'dashboard',
    '--server-address',
    `127.0.0.1:${serverPort}`,
    '--dashboard-address',
    `127.0.0.1:${dashboardPort}`,
  ]);
  const items = Array.from({ length: N }, (_, i) => ({
    apiVersion: 'fleet.example.io/v1',
    kind: 'Ship',
    metadata: { name: name(i), namespace: 'default' },
    spec: {
      captain: `captain ${i}`,
      ...(hasWorkload(i) ? { workload: true } : {}),
      ...(FLAKY.has(name(i)) ? { flaky: true } : {}),
    },
  }));
  // In chunks: one kubectl call for 200 objects can outlast its timeout on a loaded machine.
  for (let i = 0; i < items.length; i += 40)
    await h.apply(
      items
        .slice(i, i + 40)
        .map((o) => YAML.stringify(o))
        .join('\n---\n'),
    );
  for (const g of ['spring', 'lever', 'gear']) await h.apply(gadget(g, 3, true));
}, 300_000);

afterAll(async () => {
  if (process.env.ROLLOUT_DEBUG)
    for (const r of h.roles)
      for (const l of r.logs())
        if (JSON.stringify(l).includes('ship-100')) console.log(r.role, JSON.stringify(l));
  await dashboard?.stop(8000);
  redis?.disconnect();
  await h?.close();
});

describe('staged rollout of a template change: waves, automatic pause, undo', () => {
  it('every CR is Ready on the first revision, which is the stable revision of the rollout state', async () => {
    await waitFor(async () => (await state())?.stable, { timeoutMs: 60_000, what: 'the rollout state' });
    revisionOne = (await state())!.stable as string;
    await allOn(revisionOne.slice(0, 12), 'every ship Ready on the first revision');
    // Every gadget's object (the other resource), not only the last applied: they reconcile in any order.
    for (const g of ['spring', 'lever', 'gear'])
      await waitFor(() => h.get('v1', 'configmaps', 'default', `gadget-${g}`), {
        what: `gadget ${g}'s object`,
      });
    for (const [k, v] of await snapshotObjects()) before.set(k, v);
    expect([...before.keys()].filter((k) => k.startsWith('deploy/'))).toHaveLength(12);
  });

  it('a template change rolls out in waves; wave 2 fails readiness and the rollout pauses by itself, saying why', async () => {
    const folder = path.join(h.templates, 'ships');
    fs.writeFileSync(path.join(folder, 'configmap.yaml'), CONFIGMAP('two'));
    fs.writeFileSync(path.join(folder, 'deployment.yaml'), DEPLOYMENT(IMAGE_TWO));
    const paused = await waitFor(
      async () => {
        const s = await state();
        return s?.phase === 'paused' ? s : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 1000, what: 'the rollout to pause itself' },
    );
    revisionTwo = paused.target as string;
    expect(revisionTwo).not.toBe(revisionOne);
    expect(paused).toMatchObject({
      pausedBy: 'controller',
      wave: 2,
      waves: 4,
      waveSize: 50,
      stable: revisionOne,
    });
    const reason = paused.pausedReason as string;
    expect(reason).toContain(
      `3 CRs failed (maxFailures 2) in wave 2 of the rollout to ${revisionTwo.slice(0, 12)}`,
    );
    for (const f of FLAKY) expect(reason).toContain(`fleet.example.io/ships/default/${f} (NotReady)`);

    // Waves 1 and 2 moved; waves 3 and 4 were never touched.
    const crs = await ships();
    for (const cr of crs) {
      const i = Number(cr.metadata.name!.slice(5));
      expect(revisionOf(cr), cr.metadata.name).toBe((i < 100 ? revisionTwo : revisionOne).slice(0, 12));
    }
    expect(
      condition(
        crs.find((c) => c.metadata.name === 'ship-060'),
        'Ready',
      )?.status,
    ).toBe('False');

    // Said on the CRs, in the log, in the metrics and by `lostromos rollout status`.
    const events = JSON.parse(
      await h.kubectl(
        'get',
        'events',
        '--field-selector',
        'involvedObject.name=ship-061,reason=RolloutFailed',
        '-o',
        'json',
      ),
    ) as { items: Array<{ type: string; message: string }> };
    expect(events.items[0]?.type).toBe('Warning');
    expect(events.items[0]?.message).toContain(
      `not Ready with revision ${revisionTwo.slice(0, 12)} 40 s after wave 2 started`,
    );
    expect(
      watcher
        .logs()
        .some((l) => String(l.msg).startsWith('rollout paused by itself') && l.resource === 'ships'),
    ).toBe(true);
    // The leader sets them on each look (a Lease lost and won again on a loaded machine clears them for a moment).
    const metrics = await waitFor(
      async () => {
        const m = parseMetricsText(await (await fetch(`http://127.0.0.1:${watcher.port}/metrics`)).text());
        return m.get('lostromos_rollout_paused{controller="ships"}') === 1 ? m : undefined;
      },
      { timeoutMs: 20_000, what: 'lostromos_rollout_paused 1 on the watcher' },
    );
    expect(metrics.get('lostromos_rollout_wave{controller="ships"}')).toBe(2);
    expect(metrics.get('lostromos_rollout_failures{controller="ships"}')).toBe(3);
    const status = await rollout('status', '--resource', 'ships');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('State:     paused by itself: 3 CRs failed (maxFailures 2) in wave 2');
    expect(status.stdout).toContain(`Target:    ${revisionTwo.slice(0, 12)}`);
    expect(status.stdout).toContain('Wave:      2 of 4 (50 CRs per wave, 50 in this one)');
    expect(status.stdout).toMatch(/CRs:\s+200: 100 on \w{12}, 100 on \w{12}/);
    expect(status.stdout).toContain('default/ship-060  wave 2  NotReady');
    // The dashboard's overview (page and JSON) shows the rollout.
    const overview = (await (await fetch(`${dashboardUrl}overview.json`)).json()) as {
      rollouts: Array<Record<string, unknown>>;
    };
    expect(overview.rollouts).toEqual([
      expect.objectContaining({
        resource: 'ships',
        phase: 'paused',
        stable: revisionOne.slice(0, 12),
        target: revisionTwo.slice(0, 12),
        wave: 2,
        waves: 4,
        failures: 3,
        pausedBy: 'controller',
        byRevision: { [revisionOne.slice(0, 12)]: 100, [revisionTwo.slice(0, 12)]: 100 },
      }),
    ]);
    const page = await (await fetch(dashboardUrl)).text();
    expect(page).toContain('<tr data-rollout="ships" class="phase-paused">');
    expect(page).toContain('paused by itself</span>: 3 CRs failed (maxFailures 2) in wave 2');
  });

  it('a CR created during the rollout gets the new revision at once', async () => {
    await h.apply(
      JSON.stringify({
        apiVersion: 'fleet.example.io/v1',
        kind: 'Ship',
        metadata: { name: 'ship-new', namespace: 'default' },
        spec: { captain: 'new' },
      }),
    );
    await waitFor(
      async () => {
        const cm = await h.get('v1', 'configmaps', 'default', 'ship-new-config');
        const cr = await h.get('fleet.example.io/v1', 'ships', 'default', 'ship-new');
        return (
          (cm?.data as Record<string, string> | undefined)?.revision === 'two' &&
          revisionOf(cr!) === revisionTwo.slice(0, 12)
        );
      },
      { timeoutMs: 30_000, what: 'ship-new on the new revision' },
    );
  });

  it('the CLI says what cannot be done, with its exit codes', async () => {
    const resume = await rollout('resume');
    expect(resume.code).toBe(2); // two resources: --resource is required
    expect(resume.stderr).toContain('--resource NAME is required: one of ships, gadgets');
    const gadgets = await rollout('pause', '--resource', 'gadgets');
    expect(gadgets.code).toBe(2);
    expect(gadgets.stderr).toContain('resource gadgets has no staged rollout');
    const again = await rollout('pause', '--resource', 'ships');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('the rollout of resource ships is already paused: 3 CRs failed');
  });

  it('`lostromos rollout undo` brings every CR back to the old revision, and nothing else is written', async () => {
    const undo = await rollout('undo', '--resource', 'ships');
    expect(undo.stderr).toBe('');
    expect(undo.code).toBe(0);
    expect(undo.stdout).toContain(
      `undoing: CRs of ships move back from ${revisionTwo.slice(0, 12)} to ${revisionOne.slice(0, 12)} in waves`,
    );
    await allOn(revisionOne.slice(0, 12), 'every ship Ready on the old revision again');
    await waitFor(async () => (await state())?.phase === 'idle', {
      timeoutMs: 60_000,
      what: 'the undo to complete',
    });
    expect(await state()).toMatchObject({ stable: revisionOne, previous: revisionTwo, undo: true });

    // The live objects are the old revision's.
    for (const cm of await h.list('v1', 'configmaps', 'default', 'lostromos.io/resource=ships'))
      expect((cm.data as Record<string, string>).revision, cm.metadata.name).toBe('one');
    for (const d of await h.list('apps/v1', 'deployments', 'default')) {
      const image = (d.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec
        .containers[0]!.image;
      expect(image, d.metadata.name).toBe('nginx:1.27');
    }
    // Objects of CRs that never moved (waves 3 and 4) and of the other resource: never written.
    const after = await snapshotObjects();
    const untouched = [...before.keys()].filter((k) => {
      const m = /ship-(\d{3})/.exec(k);
      return (m && Number(m[1]) >= 100) || k.includes('gadget-');
    });
    expect(untouched.length).toBe(100 + 5 + 3); // 100 ConfigMaps, 5 Deployments, 3 gadget ConfigMaps
    for (const k of untouched) expect(after.get(k), k).toBe(before.get(k));
    const history = ((await state())!.history as Array<{ message: string }>).map((e) => e.message);
    expect(history.some((m) => m.startsWith(`undo requested by`))).toBe(true);
    expect(history.at(-1)).toBe(`undo to ${revisionOne.slice(0, 12)} complete`);
  });
});
