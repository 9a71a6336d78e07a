// Every way a kubeconfig gives credentials, proven on the real API server: who the server says we are
// (SelfSubjectReview) for a bearer token, client certificates (files relative to the kubeconfig, and inline
// data), impersonation, the in-cluster service account (its token re-read on each request, so a rotated token
// is used at once), and an exec credential plugin (spoken by client-node, which a process loads only then: a
// plain kubeconfig never loads it, the memory it would cost every process).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient, type KubeClient } from '@lostromos/kube';
import { startControlPlane, type ControlPlane } from './control-plane.ts';
import { runRecordingModules } from '../support/module-loads.ts';
import { createIdentity } from '../support/substrate.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/** Who the API server says the client is (SelfSubjectReview). */
async function review(client: KubeClient): Promise<{ username: string; groups: string[] }> {
  const r = await client.rest.request<{ status: { userInfo: { username: string; groups?: string[] } } }>({
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return { username: r.body.status.userInfo.username, groups: r.body.status.userInfo.groups ?? [] };
}

/** review() of a client made for one look, closed after it. */
async function whoAmI(client: KubeClient): Promise<{ username: string; groups: string[] }> {
  try {
    return await review(client);
  } finally {
    client.close();
  }
}

describe('kubeconfig credentials on the real API server', () => {
  let cp: ControlPlane;
  let dir: string;
  let port: string;

  /** A kubeconfig file in `dir` with this cluster and user body (YAML flow mappings). */
  const kubeconfig = (name: string, cluster: string, user: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{ name: c, cluster: { server: "${cp.url}", ${cluster} } }]`,
        `users: [{ name: u, user: ${user} }]`,
        'contexts: [{ name: c, context: { cluster: c, user: u } }]',
        'current-context: c',
        '',
      ].join('\n'),
    );
    return file;
  };

  beforeAll(async () => {
    cp = await startControlPlane({ controllers: false });
    port = new URL(cp.url).port;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-kc-credentials-'));
    fs.writeFileSync(path.join(dir, 'ca.crt'), cp.caPem);
    // A client certificate the API server trusts (its --client-ca-file is the control plane's CA).
    const pki = path.join(cp.dir, 'pki');
    const openssl = (...args: string[]): Promise<unknown> => run('openssl', args, { cwd: dir });
    await openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'client.key');
    await openssl(
      'req',
      '-new',
      '-key',
      'client.key',
      '-subj',
      '/O=lz-team/CN=lz-cert-user',
      '-out',
      'client.csr',
    );
    await openssl(
      'x509',
      '-req',
      '-in',
      'client.csr',
      '-CA',
      path.join(pki, 'ca.crt'),
      '-CAkey',
      path.join(pki, 'ca.key'),
      '-CAcreateserial',
      '-CAserial',
      path.join(dir, 'ca.srl'),
      '-days',
      '1',
      '-out',
      'client.crt',
    );
  });
  afterAll(async () => {
    await cp?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a bearer token, with the CA from a file named relative to the kubeconfig', async () => {
    const file = kubeconfig('token', 'certificate-authority: ca.crt', `{ token: ${cp.adminToken} }`);
    expect((await whoAmI(createKubeClient({ kubeconfig: file }))).username).toBe('admin');
  });

  it('a client certificate and key, from files and inline, with tls-server-name', async () => {
    const files = kubeconfig(
      'cert-files',
      'certificate-authority: ca.crt',
      '{ client-certificate: client.crt, client-key: client.key }',
    );
    expect(await whoAmI(createKubeClient({ kubeconfig: files }))).toMatchObject({
      username: 'lz-cert-user',
      groups: expect.arrayContaining(['lz-team']) as unknown,
    });
    const b64 = (f: string): string => fs.readFileSync(path.join(dir, f)).toString('base64');
    const inline = kubeconfig(
      'cert-data',
      // The server is dialled by IP; the name its certificate is checked against is another of its SANs.
      `certificate-authority-data: ${b64('ca.crt')}, tls-server-name: kubernetes.default.svc`,
      `{ client-certificate-data: ${b64('client.crt')}, client-key-data: ${b64('client.key')} }`,
    );
    expect((await whoAmI(createKubeClient({ kubeconfig: inline }))).username).toBe('lz-cert-user');
    const wrongName = kubeconfig(
      'cert-wrong-name',
      `certificate-authority-data: ${b64('ca.crt')}, tls-server-name: not-the-server.example`,
      `{ token: ${cp.adminToken} }`,
    );
    await expect(whoAmI(createKubeClient({ kubeconfig: wrongName }))).rejects.toThrow(
      /not-the-server\.example/,
    );
  });

  it('impersonation (as, as-groups), which the API server authorises for the admin', async () => {
    const file = kubeconfig(
      'impersonate',
      'certificate-authority: ca.crt',
      `{ token: ${cp.adminToken}, as: someone-else, as-groups: [lz-a, lz-b] }`,
    );
    expect(await whoAmI(createKubeClient({ kubeconfig: file }))).toMatchObject({
      username: 'someone-else',
      groups: expect.arrayContaining(['lz-a', 'lz-b']) as unknown,
    });
  });

  it('in a pod: the service account, its token re-read on each request', async () => {
    const sa = path.join(dir, 'serviceaccount');
    fs.mkdirSync(sa);
    fs.writeFileSync(path.join(sa, 'ca.crt'), cp.caPem);
    fs.writeFileSync(path.join(sa, 'namespace'), 'lostromos-system\n');
    fs.writeFileSync(path.join(sa, 'token'), await createIdentity(cp, 'lz-pod-one', []));
    const home = fs.mkdtempSync(path.join(dir, 'home-')); // no ~/.kube/config there
    const client = createKubeClient({
      env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port },
      home,
      serviceAccountDir: sa,
    });
    try {
      expect((await review(client)).username).toMatch(/^system:serviceaccount:.*:lz-pod-one$/);
      // The kubelet rotates the projected token in place.
      fs.writeFileSync(path.join(sa, 'token'), await createIdentity(cp, 'lz-pod-two', []));
      expect((await review(client)).username).toMatch(/^system:serviceaccount:.*:lz-pod-two$/);
    } finally {
      client.close();
    }
  });

  /** A kubeconfig whose user gets the admin token from an exec credential plugin (a shell script). */
  const execKubeconfig = (): string => {
    const plugin = path.join(dir, 'credential-plugin');
    const credential = {
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: cp.adminToken },
    };
    fs.writeFileSync(plugin, `#!/bin/sh\necho '${JSON.stringify(credential)}'\n`, { mode: 0o755 });
    return kubeconfig(
      'exec',
      'certificate-authority: ca.crt',
      `{ exec: { apiVersion: client.authentication.k8s.io/v1, command: ${plugin}, interactiveMode: Never } }`,
    );
  };

  it('an exec credential plugin, through client-node', async () => {
    expect((await whoAmI(createKubeClient({ kubeconfig: execKubeconfig() }))).username).toBe('admin');
  });

  it('loads client-node only for a kubeconfig that needs it (an exec plugin), not for a token', async () => {
    // A child process whose module loads are recorded.
    const probe = async (kc: string): Promise<{ username: string; loaded: boolean }> => {
      const script = `
        const { createKubeClient } = await import('@lostromos/kube');
        const client = createKubeClient({ kubeconfig: ${JSON.stringify(kc)} });
        const r = await client.rest.request({ method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
        client.close();
        console.log(r.body.status.userInfo.username);`;
      const { stdout, loaded } = await runRecordingModules(['--input-type=module', '-e', script], {
        cwd: ROOT,
      });
      return { username: stdout.trim(), loaded: loaded.some((u) => u.includes('/@kubernetes/client-node/')) };
    };
    const token = kubeconfig('probe-token', 'certificate-authority: ca.crt', `{ token: ${cp.adminToken} }`);
    expect(await probe(token)).toEqual({ username: 'admin', loaded: false });
    expect(await probe(execKubeconfig())).toEqual({ username: 'admin', loaded: true });
  });
});
