import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClient } from './kube-client.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-kubeconfig-check-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function kubeconfig(
  name: string,
  o: { server?: string; user?: string; context?: string; current?: string } = {},
) {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `  - { name: c, cluster: { server: ${JSON.stringify(o.server ?? 'https://127.0.0.1:1')} } }`,
      'users:',
      `  - { name: u, user: ${o.user ?? '{ token: t }'} }`,
      'contexts:',
      `  - { name: c, context: ${o.context ?? '{ cluster: c, user: u }'} }`,
      ...(o.current === '' ? [] : [`current-context: ${o.current ?? 'c'}`]),
      '',
    ].join('\n'),
  );
  return file;
}

function errorOf(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected an error');
}

describe('kubeconfig checks', () => {
  it('names a missing current-context and the contexts to choose from', () => {
    const file = kubeconfig('no-current', { current: '' });
    expect(errorOf(() => createKubeClient({ kubeconfig: file }))).toMatchObject({
      code: 'LZ_KUBE_CONFIG',
      message: `kubeconfig ${file} has no current-context: pass --context NAME or set kubernetes.context (contexts: c), or run \`kubectl config use-context NAME\``,
    });
    const dangling = kubeconfig('dangling-current', { current: 'gone' });
    expect(errorOf(() => createKubeClient({ kubeconfig: dangling })).message).toContain(
      'current-context "gone" is not one of its contexts (known: c)',
    );
  });

  it('names a context whose user is not in the file', () => {
    const file = kubeconfig('no-user', { context: '{ cluster: c, user: nobody }' });
    expect(errorOf(() => createKubeClient({ kubeconfig: file })).message).toBe(
      `kubeconfig ${file}: context "c" names user "nobody", which is not in the file (users: u): fix contexts[name=c].context.user`,
    );
  });

  it('refuses a server that is not http(s), naming the field', () => {
    const file = kubeconfig('ftp', { server: 'ftp://example.com' });
    expect(errorOf(() => createKubeClient({ kubeconfig: file })).message).toContain(
      'clusters[name=c].cluster.server "ftp://example.com" is not an http(s) URL',
    );
  });

  it('finds an exec plugin given by name on PATH, and names one that is not there', () => {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'lz-helper'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'lz-not-executable'), 'x', { mode: 0o644 });
    const exec = (command: string): string =>
      `{ exec: { apiVersion: client.authentication.k8s.io/v1, command: ${command} } }`;
    const ok = kubeconfig('exec-ok', { user: exec('lz-helper') });
    createKubeClient({ kubeconfig: ok, env: { PATH: bin } }).close();
    const missing = kubeconfig('exec-missing', { user: exec('lz-nope') });
    expect(errorOf(() => createKubeClient({ kubeconfig: missing, env: { PATH: bin } })).message).toContain(
      'user "u" gets its credentials from the exec plugin lz-nope (users[name=u].user.exec.command), which is not on PATH',
    );
    const plain = kubeconfig('exec-plain', { user: exec(path.join(bin, 'lz-not-executable')) });
    expect(errorOf(() => createKubeClient({ kubeconfig: plain })).message).toContain(
      'is not an executable file (chmod +x it)',
    );
  });

  describe('a tokenFile (which client-node does not read)', () => {
    let server: http.Server;
    let url: string;
    const seen: (string | undefined)[] = [];
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        seen.push(req.headers.authorization);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('is read relative to the kubeconfig on every request, so a rotated token is used', async () => {
      fs.writeFileSync(path.join(dir, 'token'), 'first\n');
      const file = kubeconfig('token-file', { server: url, user: '{ tokenFile: token }' });
      const client = createKubeClient({ kubeconfig: file });
      try {
        await client.rest.request({ method: 'GET', path: '/version' });
        fs.writeFileSync(path.join(dir, 'token'), 'second\n');
        await client.rest.request({ method: 'GET', path: '/version' });
      } finally {
        client.close();
      }
      expect(seen).toEqual(['Bearer first', 'Bearer second']);
    });

    it('gone after the start: the request fails naming the user and the kubeconfig', async () => {
      fs.writeFileSync(path.join(dir, 'token2'), 'x\n');
      const file = kubeconfig('token-file-2', { server: url, user: '{ tokenFile: token2 }' });
      const client = createKubeClient({ kubeconfig: file });
      fs.rmSync(path.join(dir, 'token2'));
      try {
        await expect(client.rest.request({ method: 'GET', path: '/version' })).rejects.toThrow(
          `cannot get the credentials of user "u" of kubeconfig ${file}: ENOENT`,
        );
      } finally {
        client.close();
      }
    });
  });
});
