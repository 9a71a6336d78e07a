import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startKubeSim, type KubeSim } from '@lostromos/kube-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `kubectl get <cr>` on the example CRDs shows the Ready condition (READY, REASON), the template revision the
// objects come from (REVISION) and AGE, printed by the
// server from the CRD's additionalPrinterColumns (a meta.k8s.io Table), not only NAME and AGE.

const ROOT = path.resolve(import.meta.dirname, '../..');
let sim: KubeSim;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sim = await startKubeSim({});
  dir = await mkdtemp(path.join(os.tmpdir(), 'kube-sim-columns-'));
  await sim.writeKubeconfig(path.join(dir, 'kubeconfig'));
  env = { ...process.env, KUBECONFIG: path.join(dir, 'kubeconfig'), HOME: dir };
});
afterAll(async () => {
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function kubectl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('kubectl', args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

describe('example CRD printer columns through the real kubectl', () => {
  it('kubectl get characters shows READY and REASON from the Ready condition, and AGE', async () => {
    const examples = path.join(ROOT, 'templates', 'characters', 'examples');
    await kubectl('apply', '-f', path.join(examples, 'crd.yaml'));
    await kubectl('wait', '--for=condition=Established', 'crd/characters.stable.nicolerenee.io');
    await kubectl('apply', '-f', path.join(examples, 'ripley.yaml'));

    const before = await kubectl('get', 'characters');
    expect(before).toMatch(/^NAME\s+READY\s+REASON\s+REVISION\s+AGE$/m);
    expect(before).toMatch(/^ripley\s+<none>\s+<none>\s+<none>\s+\d+s$/m);

    // The status Lostrómos writes (see docs/reconcile.md).
    const status = {
      status: {
        conditions: [
          { type: 'Reconciled', status: 'True', reason: 'Applied', message: 'Applied 2 objects' },
          { type: 'Ready', status: 'False', reason: 'InProgress', message: 'Deployment ripley-deployment' },
        ],
        templateRevision: '3f9a1c2b7d4e',
      },
    };
    await kubectl(
      'patch',
      'character',
      'ripley',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify(status),
    );
    const after = await kubectl('get', 'characters');
    expect(after).toMatch(/^NAME\s+READY\s+REASON\s+REVISION\s+AGE$/m);
    expect(after).toMatch(/^ripley\s+False\s+InProgress\s+3f9a1c2b7d4e\s+\d+s$/m);

    // The website example too.
    const website = path.join(ROOT, 'templates', 'website', 'examples');
    await kubectl('apply', '-f', path.join(website, 'crd.yaml'));
    await kubectl('wait', '--for=condition=Established', 'crd/websites.web.example.io');
    await kubectl('apply', '-f', path.join(website, 'blog.yaml'));
    expect(await kubectl('get', 'websites')).toMatch(/^NAME\s+READY\s+REASON\s+REVISION\s+AGE$/m);
  });
});
