import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { condition, FIXTURES, ship, startHarness, type Harness } from '../controller/harness.js';
import { waitFor } from '../support/index.js';
import { runLostromos } from './run-cli-process.js';

// `lostromos diff` against the API server (real by default): the templates on disk rendered per CR, applied
// with dryRun=All, compared field by field with what Lostrómos manages on the live objects — created,
// changed and pruned objects, kubectl-diff exit codes, and nothing changed on the cluster.

const run = promisify(execFile);
let h: Harness;

const diff = (...args: string[]): ReturnType<typeof runLostromos> =>
  runLostromos(['diff', '--config', h.configFile, '--resource', 'ships', ...args]);

beforeAll(async () => {
  h = await startHarness({ prefix: 'diff' });
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  await h.start('all');
  await h.apply(ship('nautilus', { captain: 'Nemo', crew: 40, withLog: true }));
  await h.apply(ship('pequod', { captain: 'Ahab', crew: 30 }));
  for (const name of ['nautilus', 'pequod']) {
    await waitFor(
      async () =>
        condition(await h.get('fleet.example.io/v1', 'ships', 'default', name), 'Ready')?.status === 'True',
      { timeoutMs: 30_000, what: `${name} Ready` },
    );
  }
  await waitFor(() => h.get('v1', 'configmaps', 'default', 'nautilus-log'), { what: 'nautilus-log' });
  // The operator stops: the template edits below must stay unapplied, so there is something to diff.
  await Promise.all(h.roles.map((r) => r.stop(8000)));
});

afterAll(async () => {
  await h?.close();
});

describe('lostromos diff', () => {
  it('exits 0 and prints nothing when the cluster matches the templates', async () => {
    const r = await diff();
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
  });

  it('shows changed and pruned objects per CR, exits 1, and changes nothing; kubectl diff agrees on what changes', async () => {
    const cm = path.join(h.templates, 'ships', 'configmap.yaml');
    fs.writeFileSync(cm, `${fs.readFileSync(cm, 'utf8').trimEnd()}\n  edited: 'yes'\n`);
    fs.rmSync(path.join(h.templates, 'ships', 'logbook.yaml'));
    const versions = async (): Promise<string> =>
      await h.kubectl(
        'get',
        'configmaps',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}',
      );
    const before = await versions();

    const r = await diff();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('# default/nautilus: ConfigMap default/nautilus-config would be changed');
    expect(r.stdout).toContain('--- live/core.v1.ConfigMap.default.nautilus-config');
    expect(r.stdout).toContain('+++ merged/core.v1.ConfigMap.default.nautilus-config');
    expect(r.stdout).toMatch(/^\+ {2}edited: "?yes"?$/m);
    expect(r.stdout).toContain('# default/pequod: ConfigMap default/pequod-config would be changed');
    expect(r.stdout).toContain('# default/nautilus: ConfigMap default/nautilus-log would be pruned');
    expect(r.stdout).toMatch(/^- {2}entries: .*$/m);
    // Only what Lostrómos manages: never the server's bookkeeping.
    expect(r.stdout).not.toMatch(/resourceVersion|managedFields|creationTimestamp/);
    expect(await versions()).toBe(before);

    // kubectl diff of the same rendered objects (server-side, as field manager lostromos) finds the same
    // changed objects (it does not prune).
    const cr = await h.kubectl('get', 'ship', 'nautilus', '-o', 'yaml');
    const crFile = path.join(h.dir, 'nautilus.yaml');
    fs.writeFileSync(crFile, cr);
    const rendered = await runLostromos([
      'render',
      '--config',
      h.configFile,
      '--resource',
      'ships',
      '--cr',
      crFile,
    ]);
    expect(rendered.code, rendered.stderr).toBe(0);
    const renderedFile = path.join(h.dir, 'rendered.yaml');
    fs.writeFileSync(renderedFile, rendered.stdout);
    const kubectlDiff = await run('kubectl', [
      '--kubeconfig',
      h.kubeconfig,
      'diff',
      '--server-side',
      '--field-manager=lostromos',
      '--force-conflicts',
      '-f',
      renderedFile,
    ]).then(
      (x) => ({ code: 0, stdout: x.stdout }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({
        code: err.code ?? -1,
        stdout: err.stdout ?? '',
        stderr: err.stderr ?? '',
      }),
    );
    expect(kubectlDiff.code, JSON.stringify(kubectlDiff)).toBe(1);
    const kubectlChanged = [
      ...kubectlDiff.stdout.matchAll(/^\+\+\+ \S*?(v1\.ConfigMap\.default\.[\w-]+)/gm),
    ].map((m) => m[1]);
    const ours = [...r.stdout.matchAll(/^# default\/nautilus: .* would be (?:changed|created)$/gm)].length;
    expect(kubectlChanged).toEqual(['v1.ConfigMap.default.nautilus-config']);
    expect(ours).toBe(kubectlChanged.length);
  });

  it('selects one CR by name, or by label selector', async () => {
    const one = await diff('--name', 'pequod', '-n', 'default');
    expect(one.code).toBe(1);
    expect(one.stdout).toContain('default/pequod');
    expect(one.stdout).not.toContain('default/nautilus');
    const none = await diff('-l', 'fleet=none');
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
  });

  it('says what is wrong, with kubectl-diff exit codes: 2 for bad flags, 3 for a CR that does not exist', async () => {
    const usage = await runLostromos(['diff', '--config', h.configFile, '--resource', 'nope']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--resource nope is not in the config: one of ships, gadgets');
    const missing = await diff('--name', 'ghost', '-n', 'default');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('default/ghost not found');
  });
});
