// The proof that bad input stays contained, end to end: a real API server (startHarness: kube-apiserver + etcd by
// default), a real redis-server and one `lostromos start --role all` process. Every CR-value row of the corpus
// (cases/cr-values.ts) is created as a Probe CR next to good Ships and Probes. Then:
//   - every good CR becomes Ready with its objects, including one created after all the hostile ones;
//   - every hostile CR either renders safely (its value reaches the ConfigMap as the same plain string) or gets
//     Reconciled=False / Ready=False with the same clear message the in-process corpus expects;
//   - no CR value added an object, a document or a key: the only objects Lostrómos made are the expected ones;
//   - the operator process never crashed and stays healthy.
// No synchronous child processes here: the harness serves the API server through an in-process proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '@lostromos/kube';
import { waitFor } from '../support/index.js';
import {
  condition,
  FIXTURES,
  ship,
  startHarness,
  type Harness,
  type RoleHandle,
} from '../controller/harness.js';
import { CR_VALUE_ROWS, type CrValueRow } from './cases/cr-values.ts';
import { removeTmpDirs, tmpDir, writeTree } from './corpus.ts';
import { PROBE_CRD, PROBE_GROUP, PROBE_TEMPLATES, PROBE_VERSION } from './fixtures/files.ts';
import { checkOutcome, type ProbeOutcome } from './probe-outcome.ts';

const NS = 'default';
const PROBES = `/apis/${PROBE_GROUP}/${PROBE_VERSION}/namespaces/${NS}/probes`;

/** The rows a real API server can hold, plus good probes that must come out whole. */
const HOSTILE = CR_VALUE_ROWS.filter((r) => !r.input.notOnApiServer);
const GOOD: CrValueRow[] = [
  {
    id: 'good-words',
    category: 'cr-values',
    title: 'plain words',
    input: { spec: { value: 'plain words' } },
    expect: { kept: true },
  },
  {
    id: 'good-label',
    category: 'cr-values',
    title: 'a valid label',
    input: { spec: { value: 'v1.2.3', label: 'gold' } },
    expect: { kept: true },
  },
];
const GOOD_SHIPS = { nautilus: { captain: 'Nemo', crew: 40 }, calypso: { captain: 'Cousteau', crew: 12 } };

let h: Harness;
let operator: RoleHandle;
const started = Date.now();

const nameOf = (row: CrValueRow): string => `p-${row.id}`;

async function createProbe(row: CrValueRow): Promise<void> {
  await h.kube.rest.request({
    method: 'POST',
    path: PROBES,
    body: {
      apiVersion: `${PROBE_GROUP}/${PROBE_VERSION}`,
      kind: 'Probe',
      metadata: { name: nameOf(row), namespace: NS },
      spec: row.input.spec,
    },
  });
}

type Status = {
  observedGeneration?: number;
  conditions?: Array<{ type: string; status: string; message?: string }>;
};

/** Reconciled (either way) for the CR's current generation. */
function settled(cr: KubeObject | undefined): boolean {
  const s = cr?.status as Status | undefined;
  const c = condition(cr, 'Reconciled');
  return (
    !!c && (c.status === 'True' || c.status === 'False') && s?.observedGeneration === cr?.metadata.generation
  );
}

/** Lists every probe until all have settled; returns them by name. */
async function settledProbes(names: string[]): Promise<Map<string, KubeObject>> {
  let last = new Map<string, KubeObject>();
  await waitFor(
    async () => {
      const res = await h.kube.rest.request<{ items: KubeObject[] }>({ method: 'GET', path: PROBES });
      last = new Map(res.body.items.map((o) => [o.metadata.name!, o]));
      return names.every((n) => settled(last.get(n)));
    },
    { timeoutMs: 240_000, intervalMs: 1000, what: 'every probe to be reconciled (Reconciled True or False)' },
  ).catch((err: unknown) => {
    const pending = names.filter((n) => !settled(last.get(n)));
    throw new Error(`${pending.length} probes never settled: ${pending.join(', ')}`, { cause: err });
  });
  return last;
}

/** What the API server shows for one probe: its objects (by owner label), or its failure condition. */
const captainOf = async (name: string): Promise<unknown> =>
  ((await h.get('v1', 'configmaps', NS, name))?.data as Record<string, unknown> | undefined)?.captain;

async function outcomeOf(cr: KubeObject): Promise<ProbeOutcome> {
  const reconciled = condition(cr, 'Reconciled')!;
  if (reconciled.status === 'False') {
    // The same failure on Ready: `kubectl wait --for=condition=Ready` tells the user.
    expect(condition(cr, 'Ready'), cr.metadata.name).toMatchObject({
      status: 'False',
      message: reconciled.message,
    });
    return { error: { text: reconciled.message ?? '' } };
  }
  const objects: KubeObject[] = [];
  for (const ns of [NS, 'kube-system']) {
    objects.push(...(await h.list('v1', 'configmaps', ns, `lostromos.io/owner-uid=${cr.metadata.uid}`)));
  }
  return { objects };
}

beforeAll(async () => {
  const probes = writeTree(`${tmpDir('e2e')}/probes`, PROBE_TEMPLATES);
  h = await startHarness({
    configExtra: `  - name: probes
    group: ${PROBE_GROUP}
    version: ${PROBE_VERSION}
    plural: probes
    templates: ${probes}
    concurrency: 8
`,
  });
  await h.kubectl('apply', '-f', `${FIXTURES}/crds.yaml`);
  await h.apply(PROBE_CRD);
  await waitFor(() => h.kubectl('get', 'ships,probes').then(() => true), {
    timeoutMs: 30_000,
    what: 'the CRDs',
  });
  operator = await h.start('all');
}, 240_000);

afterAll(async () => {
  await h?.close();
  removeTmpDirs();
});

describe('bad input stays contained: other CRs keep reconciling (real API server, one operator process)', () => {
  it(`${HOSTILE.length} hostile CRs next to good ones: good ones Ready, hostile ones refused clearly or kept as plain strings, nothing added, nothing crashed`, async () => {
    // Good before, hostile in the middle, good after.
    await h.apply(ship('nautilus', GOOD_SHIPS.nautilus, NS));
    await createProbe(GOOD[0]!);
    await Promise.all(HOSTILE.map((row) => createProbe(row)));
    await h.apply(ship('calypso', GOOD_SHIPS.calypso, NS));
    await createProbe(GOOD[1]!);

    // Good ships: Ready with their objects.
    for (const [name, spec] of Object.entries(GOOD_SHIPS)) {
      const cm = await waitFor(() => h.get('v1', 'configmaps', NS, `${name}-config`), {
        timeoutMs: 240_000,
        intervalMs: 500,
        what: `${name}-config`,
      });
      expect(cm.data).toEqual({ captain: spec.captain, crew: String(spec.crew) });
      await waitFor(
        async () =>
          condition(await h.get('fleet.example.io/v1', 'ships', NS, name), 'Ready')?.status === 'True',
        { timeoutMs: 120_000, intervalMs: 500, what: `ship ${name} Ready` },
      );
    }

    // Every probe: the outcome the corpus expects, judged exactly as in-process (checkOutcome).
    const rows = [...GOOD, ...HOSTILE];
    const crs = await settledProbes(rows.map(nameOf));
    const failures: string[] = [];
    const open: string[] = [];
    for (const row of rows) {
      // Open findings (in-process, or only on the API server) must still fail here: when one passes, the fix
      // landed and its marker must go.
      const finding = row.finding ?? row.input.apiServerFinding;
      const cr = crs.get(nameOf(row))!;
      const outcome = await outcomeOf(cr);
      // Condition reasons are not render codes: compare what the user reads (the message).
      const judged: CrValueRow =
        'kept' in row.expect ? row : { ...row, expect: { ...row.expect, code: undefined } };
      try {
        checkOutcome(judged, outcome);
        if ('kept' in row.expect) expect(condition(cr, 'Ready')?.status, `${row.id}: Ready`).toBe('True');
        if (finding)
          failures.push(`${row.id}: passes now: remove its open finding (${finding.slice(0, 80)}…)`);
      } catch (err) {
        const why = `${row.id}: ${(err as Error).message.split('\n').slice(0, 4).join(' ')}`;
        if (finding) open.push(why);
        else failures.push(why);
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
    if (open.length > 0)
      console.log(`badinput e2e: ${open.length} open findings, as expected:\n${open.join('\n')}`);

    // Nothing added by a CR value: exactly the expected ConfigMaps, nothing in kube-system, no Secret, no RBAC.
    const keptNames = rows.filter((r) => 'kept' in r.expect).map((r) => `${nameOf(r)}-probe`);
    const managed = (await h.list('v1', 'configmaps', NS, 'app.kubernetes.io/managed-by=lostromos')).map(
      (o) => o.metadata.name!,
    );
    expect(managed.sort()).toEqual(['calypso-config', 'nautilus-config', ...keptNames].sort());
    expect(await h.list('v1', 'configmaps', 'kube-system', 'app.kubernetes.io/managed-by=lostromos')).toEqual(
      [],
    );
    expect(await h.list('v1', 'secrets', NS, 'app.kubernetes.io/managed-by=lostromos')).toEqual([]);
    expect(
      await h.list(
        'rbac.authorization.k8s.io/v1',
        'rolebindings',
        NS,
        'app.kubernetes.io/managed-by=lostromos',
      ),
    ).toEqual([]);

    // Still reconciling after all of that: a new ship and a changed one.
    await h.apply(ship('late', { captain: 'Ahab', crew: 30 }, NS));
    await h.kubectl('patch', 'ship', 'nautilus', '--type=merge', '-p', '{"spec":{"captain":"Aronnax"}}');
    await waitFor(async () => (await captainOf('late-config')) === 'Ahab', {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'late-config',
    });
    await waitFor(async () => (await captainOf('nautilus-config')) === 'Aronnax', {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'the updated captain',
    });

    // Nothing crashed: the one operator process is alive, healthy and logged nothing fatal.
    expect(operator.proc.exitCode, operator.output().slice(-2000)).toBeNull();
    const health = await fetch(`http://127.0.0.1:${operator.port}/healthz`);
    expect(health.status).toBe(200);
    const fatal = operator.logs().filter((l) => (l.level as number | string) === 60 || l.level === 'fatal');
    expect(fatal).toEqual([]);
    console.log(
      `badinput e2e: ${HOSTILE.length} hostile + ${GOOD.length + 3} good CRs on ${h.api.kind} in ${Math.round((Date.now() - started) / 1000)} s`,
    );
  }, 600_000);
});
