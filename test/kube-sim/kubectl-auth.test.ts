import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startKubeSim, type KubeSim } from '@lostromos/kube-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let sim: KubeSim;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kube-sim-tls-'));
  // A self-signed certificate for 127.0.0.1 that the kubeconfig trusts as its CA.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  sim = await startKubeSim({
    workloads: { enabled: false },
    tls: { key: await readFile(path.join(dir, 'key.pem')), cert: await readFile(path.join(dir, 'cert.pem')) },
    auth: {
      tokens: {
        reader: [{ verbs: ['get', 'list', 'watch'], resources: ['configmaps'], namespaces: ['default'] }],
        admin: [{ verbs: ['*'], resources: ['*'] }],
      },
    },
  });
  for (const t of ['reader', 'admin']) await sim.writeKubeconfig(path.join(dir, `${t}.yaml`), { token: t });
});
afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

function kubectl(token: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--kubeconfig', path.join(dir, `${token}.yaml`), ...args],
      { env: { ...process.env, HOME: dir } },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('kube-sim over TLS with bearer tokens', () => {
  it('serves https and a kubeconfig that trusts its certificate', () => {
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.kubeconfig()).toContain('certificate-authority-data:');
  });

  it('lets kubectl prove least privilege: allowed reads, 403 Forbidden writes, auth can-i from the token rules', async () => {
    expect((await kubectl('admin', ['create', 'configmap', 'tls-cm', '--from-literal=a=b'])).code).toBe(0);
    const get = await kubectl('reader', ['get', 'configmap', 'tls-cm', '-o', 'name']);
    expect(get.stdout).toBe('configmap/tls-cm\n');
    const denied = await kubectl('reader', ['delete', 'configmap', 'tls-cm']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain(
      'configmaps "tls-cm" is forbidden: User "sim:token:3d094196" cannot delete resource "configmaps" in API group "" in the namespace "default"',
    );
    expect((await kubectl('reader', ['auth', 'can-i', 'list', 'configmaps'])).stdout.trim()).toBe('yes');
    const no = await kubectl('reader', ['auth', 'can-i', 'list', 'secrets']);
    expect(no.stdout.trim()).toMatch(/^no/);
  });

  it('works with @kubernetes/client-node over TLS', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig({ token: 'reader' }));
    const list = await kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: 'default' });
    expect(list.items.map((i) => i.metadata?.name)).toContain('tls-cm');
  });
});
