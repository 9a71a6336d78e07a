import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { SimRule } from '@lostromos/kube-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSubstrate, type Substrate } from '../support/substrate.js';
import { SUBSTRATES } from './sim-client.js';

const run = promisify(execFile);
const READER: SimRule[] = [
  { verbs: ['get', 'list', 'watch'], resources: ['configmaps'], namespaces: ['default'] },
];

/** A self-signed certificate for 127.0.0.1 that a kubeconfig trusts as its CA (the simulator's TLS). */
async function selfSigned(dir: string): Promise<{ key: Buffer; cert: Buffer }> {
  await run('openssl', [
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
  ]);
  return { key: await readFile(path.join(dir, 'key.pem')), cert: await readFile(path.join(dir, 'cert.pem')) };
}

describe.each(SUBSTRATES)('TLS with bearer tokens (%s)', (kind) => {
  let api: Substrate;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kube-sim-tls-'));
    // kubectl sends bearer tokens over TLS only: the simulator serves HTTPS here; the real server always does.
    const tls = kind === 'sim' ? await selfSigned(dir) : undefined;
    api = await startSubstrate({
      kind,
      identities: { reader: READER },
      sim: { workloads: { enabled: false }, tls },
    });
    await api.writeKubeconfig(path.join(dir, 'reader.yaml'), { token: api.token('reader') });
    await api.writeKubeconfig(path.join(dir, 'admin.yaml'), { token: api.adminToken });
  });
  afterAll(async () => {
    await api?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function kubectl(who: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        'kubectl',
        ['--kubeconfig', path.join(dir, `${who}.yaml`), ...args],
        { env: { ...process.env, HOME: dir }, timeout: 60_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it('serves https and a kubeconfig that trusts its certificate', () => {
    expect(api.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(api.kubeconfig()).toContain('certificate-authority-data:');
  });

  it('lets kubectl prove least privilege: allowed reads, 403 Forbidden writes, auth can-i from the token rules', async () => {
    expect((await kubectl('admin', ['create', 'configmap', 'tls-cm', '--from-literal=a=b'])).code).toBe(0);
    const get = await kubectl('reader', ['get', 'configmap', 'tls-cm', '-o', 'name']);
    expect(get.stdout).toBe('configmap/tls-cm\n');
    const denied = await kubectl('reader', ['delete', 'configmap', 'tls-cm']);
    expect(denied.code).toBe(1);
    // The user is the ServiceAccount on the real server, a hash of the token on the simulator.
    const user =
      kind === 'real' ? 'system:serviceaccount:lostromos-test-identities:reader' : 'sim:token:[0-9a-f]{8}';
    expect(denied.stderr).toMatch(
      new RegExp(
        `configmaps "tls-cm" is forbidden: User "${user}" cannot delete resource "configmaps" in API group "" in the namespace "default"`,
      ),
    );
    expect((await kubectl('reader', ['auth', 'can-i', 'list', 'configmaps'])).stdout.trim()).toBe('yes');
    const no = await kubectl('reader', ['auth', 'can-i', 'list', 'secrets']);
    expect(no.stdout.trim()).toMatch(/^no/);
  });

  it('works with @kubernetes/client-node over TLS', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(api.kubeconfig({ token: api.token('reader') }));
    const list = await kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: 'default' });
    expect(list.items.map((i) => i.metadata?.name)).toContain('tls-cm');
  });
});
