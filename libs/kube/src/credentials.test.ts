import fs from 'node:fs';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialsFor, needsClientNode } from './credentials.js';
import type { CheckedKubeconfig } from './kubeconfig-check.js';
import type { KubeconfigUser } from './kubeconfig.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-credentials-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const checked = (user: Omit<KubeconfigUser, 'name'> | undefined, cluster = {}): CheckedKubeconfig => ({
  context: { name: 'c', cluster: 'c', ...(user ? { user: 'u' } : {}) },
  cluster: { name: 'c', server: 'https://10.0.0.1:6443', insecureSkipTlsVerify: false, ...cluster },
  user: user ? { name: 'u', ...user } : undefined,
});

/** A buffer the credentials set, as text. */
const text = (b: unknown): string => (b as Buffer).toString();

async function applied(k: CheckedKubeconfig): Promise<https.RequestOptions> {
  const o: https.RequestOptions = { headers: { Accept: 'application/json' } };
  await credentialsFor(k, { file: '/kc', via: 'option' })(o);
  return o;
}

describe('credentialsFor (without client-node)', () => {
  it('puts the CA, client certificate and TLS settings on the request', async () => {
    fs.writeFileSync(path.join(dir, 'ca.crt'), 'CA');
    const o = await applied(
      checked(
        { certData: Buffer.from('CERT').toString('base64'), keyData: Buffer.from('KEY').toString('base64') },
        { caFile: path.join(dir, 'ca.crt'), insecureSkipTlsVerify: true, tlsServerName: 'api' },
      ),
    );
    expect([text(o.ca), text(o.cert), text(o.key), o.rejectUnauthorized, o.servername]).toEqual([
      'CA',
      'CERT',
      'KEY',
      false,
      'api',
    ]);
  });

  it('a token wins over basic auth; basic auth alone goes as user:password', async () => {
    expect((await applied(checked({ token: 't', username: 'a', password: 'b' }))).headers).toEqual({
      Accept: 'application/json',
      Authorization: 'Bearer t',
    });
    const basic = await applied(checked({ username: 'a', password: 'b' }));
    expect([basic.auth, (basic.headers as Record<string, string>).Authorization]).toEqual(['a:b', undefined]);
  });

  it('impersonation headers, and the CA even without a user', async () => {
    const o = await applied(
      checked({ token: 't', impersonate: { user: 'x', uid: '7', groups: ['g1', 'g2'] } }),
    );
    expect(o.headers).toMatchObject({
      'Impersonate-User': 'x',
      'Impersonate-Uid': '7',
      'Impersonate-Group': ['g1', 'g2'],
    });
    expect(
      String((await applied(checked(undefined, { caData: Buffer.from('CA').toString('base64') }))).ca),
    ).toBe('CA');
  });

  it('a file gone since the start fails the request, naming the user and the kubeconfig', async () => {
    await expect(applied(checked({ tokenFile: path.join(dir, 'gone') }))).rejects.toThrow(
      /^cannot get the credentials of user "u" of kubeconfig \/kc: ENOENT/,
    );
  });

  it('leaves exec plugins, auth providers and proxies to client-node', () => {
    expect(needsClientNode(checked({ token: 't' }))).toBe(false);
    expect(needsClientNode(checked({ exec: { command: 'x' } }))).toBe(true);
    expect(needsClientNode(checked({ authProvider: { name: 'oidc' } }))).toBe(true);
    expect(needsClientNode(checked({ token: 't' }, { proxyUrl: 'http://proxy:3128' }))).toBe(true);
  });
});
