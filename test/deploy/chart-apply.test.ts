import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSubstrate, type Substrate } from '../support/substrate.ts';
import { ALL_FEATURES, CHART, EXTERNAL_REDIS, helm } from './helm.js';

const run = promisify(execFile);
const hasKubectl = await run('kubectl', ['version', '--client=true']).then(
  () => true,
  () => false,
);

/**
 * The rendered chart applied to the API server (real, or the simulator) with kubectl: first a server-side dry run, then for real,
 * then a second apply that must change nothing. Proves every object is well-formed for its API (names,
 * namespaces, kinds the server knows), not just valid YAML.
 */
describe.skipIf(!hasKubectl)('the chart applied with kubectl against the API server', () => {
  let sim: Substrate;
  let dir: string;
  let kubeconfig: string;
  const kubectl = async (...args: string[]): Promise<string> => {
    const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 16 << 20 });
    return stdout;
  };

  beforeAll(async () => {
    sim = await startSubstrate({ sim: { workloads: { enabled: false } } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-apply-'));
    kubeconfig = path.join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig);
    await kubectl('apply', '-f', path.join(import.meta.dirname, 'fixtures/third-party-crds.yaml'));
    await kubectl('create', 'namespace', 'lostromos-system');
    await kubectl('create', 'namespace', 'web');
  });
  afterAll(async () => {
    await sim?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const variants: [string, string[]][] = [
    ['defaults', []],
    ['every optional feature', ['-f', ALL_FEATURES]],
    ['external Redis', ['-f', EXTERNAL_REDIS]],
  ];
  for (const [name, flags] of variants) {
    it(`applies cleanly with ${name} (dry run, apply, idempotent re-apply)`, async () => {
      const release = `t${variants.findIndex((v) => v[0] === name)}`;
      const r = helm(['template', release, CHART, '--namespace', 'lostromos-system', ...flags]);
      expect(r.status, r.stderr).toBe(0);
      const file = path.join(dir, `${release}.yaml`);
      fs.writeFileSync(file, r.stdout);

      const dry = await kubectl('apply', '--dry-run=server', '-f', file);
      const count = r.stdout.split('\n---').filter((d) => /\nkind: /.test(d)).length;
      expect(dry.match(/created \(server dry run\)/g)).toHaveLength(count);
      expect(await kubectl('get', 'deployments', '-n', 'lostromos-system', '-o', 'name')).not.toContain(
        `${release}-lostromos-watcher`,
      );

      const applied = await kubectl('apply', '--server-side', '--field-manager=helm-test', '-f', file);
      expect(applied.trim().split('\n')).toHaveLength(count);

      const deps = await kubectl(
        'get',
        'deployments',
        '-n',
        'lostromos-system',
        '-l',
        `app.kubernetes.io/instance=${release}`,
        '-o',
        'name',
      );
      expect(deps.trim().split('\n')).toEqual(
        expect.arrayContaining(
          ['dashboard', 'watcher', 'worker'].map((c) => `deployment.apps/${release}-lostromos-${c}`),
        ),
      );
      const versions = (): Promise<string> =>
        kubectl(
          'get',
          'deployments,configmaps,clusterroles,roles',
          '-A',
          '-l',
          `app.kubernetes.io/instance=${release}`,
          '-o',
          // generation, not resourceVersion: on a real server the Deployment controller keeps writing status
          // (resourceVersion changes nobody's apply caused); a spec change is what would bump generation.
          'jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.generation}:{.metadata.managedFields[?(@.manager=="helm-test")].time} {end}',
        );
      const before = await versions();
      await kubectl('apply', '--server-side', '--field-manager=helm-test', '-f', file);
      expect(await versions()).toBe(before);
    });
  }
});
