import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installHelm } from '../support/helm.js';
import { waitFor } from '../support/index.js';
import { startHarness, ship, type Harness } from './harness.js';

// The process that renders owns the template revision. Here the watcher and the workers read different
// copies of the templates (separate pods whose ConfigMap volumes refresh independently): the watcher's copy
// changes first and the workers' copy seconds later. With resync off, every CR must still converge to the
// new output within seconds of the workers' reload — for a Handlebars folder and for a local Helm chart.

const ROOT = path.resolve(import.meta.dirname, '../..');
let h: Harness;
let workerDir: string;

const crew = (name: string, ship: string): string =>
  JSON.stringify({
    apiVersion: 'crew.example.io/v1',
    kind: 'CrewMember',
    metadata: { name, namespace: 'default' },
    spec: { Ship: ship, From: 'Alien', By: 'Ridley Scott' },
  });

function appendToTemplate(file: string, line: string): void {
  fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8').trimEnd()}\n${line}\n`);
}

beforeAll(async () => {
  const helm = installHelm();
  h = await startHarness({ prefix: 'revisions', resyncSeconds: 0 });
  // The watcher's copy: the harness's templates plus a chart folder; the workers get a copy of both.
  fs.cpSync(path.join(ROOT, 'test/fixtures/charts/crew'), path.join(h.templates, 'crew-chart'), {
    recursive: true,
  });
  workerDir = path.join(h.dir, 'worker-templates');
  fs.cpSync(h.templates, workerDir, { recursive: true });
  const crewResource = (dir: string): string => `  - name: crew
    group: crew.example.io
    version: v1
    plural: crewmembers
    resyncSeconds: 0
    helm: { chart: ${path.join(dir, 'crew-chart')} }
    allow: { clusterScoped: true }
helm: { binary: ${helm}, timeoutSeconds: 30 }
`;
  fs.appendFileSync(h.configFile, crewResource(h.templates));
  const workerConfig = path.join(h.dir, 'worker-config.yaml');
  fs.writeFileSync(workerConfig, fs.readFileSync(h.configFile, 'utf8').replaceAll(h.templates, workerDir));
  await h.kubectl('apply', '-f', path.join(import.meta.dirname, 'fixtures/crds.yaml'));
  await h.kubectl('apply', '-f', path.join(ROOT, 'test/fixtures/crds/crewmembers.yaml'));
  await h.start('watcher');
  await h.start('worker', [], { configFile: workerConfig });
  await h.start('worker', [], { configFile: workerConfig });
  for (const name of ['one', 'two', 'three']) await h.apply(ship(name, { captain: name, crew: 3 }));
  for (const name of ['ripley', 'dallas']) await h.apply(crew(name, 'Nostromo'));
  for (const name of ['one', 'two', 'three']) {
    await waitFor(() => h.get('v1', 'configmaps', 'default', `${name}-config`), {
      timeoutMs: 30_000,
      what: `${name}-config`,
    });
  }
  for (const name of ['ripley', 'dallas']) {
    await waitFor(() => h.get('v1', 'configmaps', 'default', `${name}-ship`), {
      timeoutMs: 30_000,
      what: `${name}-ship`,
    });
  }
});

afterAll(async () => {
  await h?.close();
});

describe("template changes follow the revision the workers run, not the watcher's files", () => {
  it("Handlebars: the watcher's copy changing does nothing; the workers' copy changing re-renders every CR", async () => {
    appendToTemplate(
      path.join(h.templates, 'ships', 'configmap.yaml'),
      '  edited: "only the watcher saw this"',
    );
    await new Promise((r) => setTimeout(r, 3000));
    for (const name of ['one', 'two', 'three']) {
      expect((await h.get('v1', 'configmaps', 'default', `${name}-config`))?.data).not.toHaveProperty(
        'edited',
      );
    }
    appendToTemplate(path.join(workerDir, 'ships', 'configmap.yaml'), '  edited: "yes"');
    for (const name of ['one', 'two', 'three']) {
      await waitFor(
        async () =>
          (
            (await h.get('v1', 'configmaps', 'default', `${name}-config`))?.data as
              Record<string, string> | undefined
          )?.edited === 'yes',
        { timeoutMs: 15_000, what: `${name}-config re-rendered with the workers' new templates` },
      );
    }
    const watcherLog = h.roles[0]!.logs();
    expect(
      watcherLog.some(
        (l) =>
          l.msg === 'the workers run new templates: re-enqueued every CR of the resource' &&
          l.resource === 'ships',
      ),
    ).toBe(true);
  });

  it('Helm: a local chart edited on the workers re-renders every CR of the resource', async () => {
    const tpl = path.join(workerDir, 'crew-chart', 'templates', 'configmap.yaml');
    fs.writeFileSync(tpl, fs.readFileSync(tpl, 'utf8').replace('  from:', '  revised: "yes"\n  from:'));
    for (const name of ['ripley', 'dallas']) {
      await waitFor(
        async () =>
          (
            (await h.get('v1', 'configmaps', 'default', `${name}-ship`))?.data as
              Record<string, string> | undefined
          )?.revised === 'yes',
        { timeoutMs: 20_000, what: `${name}-ship re-rendered with the edited chart` },
      );
    }
  });
});
