import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inClusterKubeconfig, mergeKubeconfigs, parseKubeconfig, readKubeconfig } from './kubeconfig.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-kubeconfig-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const text = (o: { cluster?: string; user?: string; name?: string; current?: string } = {}): string =>
  [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{ name: ${o.name ?? 'c'}, cluster: { server: "https://10.0.0.1:6443/", ${o.cluster ?? ''} } }]`,
    `users: [{ name: ${o.name ?? 'u'}, user: ${o.user ?? '{}'} }]`,
    `contexts: [{ name: ${o.name ?? 'c'}, context: { cluster: ${o.name ?? 'c'}, user: ${o.name ?? 'u'}, namespace: team } }]`,
    ...(o.current ? [`current-context: ${o.current}`] : []),
    '',
  ].join('\n');

describe('parseKubeconfig', () => {
  it('reads clusters, users and contexts as kubectl does, relative files against the kubeconfig folder', () => {
    const k = parseKubeconfig(
      text({
        cluster: 'certificate-authority: ca.crt, insecure-skip-tls-verify: true, tls-server-name: api',
        user: '{ client-certificate: tls/u.crt, client-key: /abs/u.key, tokenFile: t, as: x, as-groups: [g] }',
        current: 'c',
      }),
      '/etc/kube',
    );
    expect(k.clusters).toEqual([
      {
        name: 'c',
        server: 'https://10.0.0.1:6443',
        caFile: '/etc/kube/ca.crt',
        insecureSkipTlsVerify: true,
        tlsServerName: 'api',
      },
    ]);
    expect(k.users).toEqual([
      {
        name: 'u',
        certFile: '/etc/kube/tls/u.crt',
        keyFile: '/abs/u.key',
        tokenFile: '/etc/kube/t',
        impersonate: { user: 'x', groups: ['g'] },
      },
    ]);
    expect(k.contexts).toEqual([{ name: 'c', cluster: 'c', user: 'u', namespace: 'team' }]);
    expect(k.currentContext).toBe('c');
  });

  it('says what is wrong with a text that is no kubeconfig', () => {
    expect(() => parseKubeconfig('', dir)).toThrow('the file is empty');
    expect(() => parseKubeconfig('clusters: [\n', dir)).toThrow(/^it is not valid YAML \(\d+:\d+\): /);
    expect(() => parseKubeconfig('- a\n', dir)).toThrow('it is not a YAML mapping');
    expect(() => parseKubeconfig('clusters: [{ cluster: {} }]\n', dir)).toThrow(
      'clusters[0] has no name: give every entry of clusters a name',
    );
    expect(() => parseKubeconfig('users: x\n', dir)).toThrow('users is not a list');
  });
});

describe('mergeKubeconfigs (KUBECONFIG with several files)', () => {
  it('keeps the first entry of each name and the first current-context', () => {
    const a = parseKubeconfig(text({ name: 'a', user: '{ token: first }' }), dir);
    const b = parseKubeconfig(text({ name: 'a', user: '{ token: second }', current: 'a' }), dir);
    const c = parseKubeconfig(text({ name: 'c', current: 'c' }), dir);
    const m = mergeKubeconfigs([a, b, c]);
    expect(m.users.map((u) => [u.name, u.token])).toEqual([
      ['a', 'first'],
      ['c', undefined],
    ]);
    expect(m.contexts.map((x) => x.name)).toEqual(['a', 'c']);
    expect(m.currentContext).toBe('a');
  });
});

describe('readKubeconfig', () => {
  const write = (name: string, body: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, body);
    return file;
  };

  it('merges the files KUBECONFIG lists, skipping those that do not exist', () => {
    const one = write('one', text({ name: 'one', current: 'one' }));
    const two = write('two', text({ name: 'two', current: 'two' }));
    const { config, origin } = readKubeconfig({
      env: { KUBECONFIG: [path.join(dir, 'gone'), one, two].join(path.delimiter) },
    });
    expect(origin).toEqual({ file: one, via: 'KUBECONFIG' });
    expect(config.contexts.map((c) => c.name)).toEqual(['one', 'two']);
    expect(config.currentContext).toBe('one');
  });

  it('falls back to ~/.kube/config, then to the service account of a pod', () => {
    const home = fs.mkdtempSync(path.join(dir, 'home-'));
    const sa = fs.mkdtempSync(path.join(dir, 'sa-'));
    const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' };
    expect(() => readKubeconfig({ env, home, serviceAccountDir: sa })).toThrow(
      /no kubeconfig: .*\.kube\/config does not exist, KUBECONFIG is not set and this is not a pod with a service account token .*: pass --kubeconfig FILE/,
    );
    fs.writeFileSync(path.join(sa, 'token'), 't');
    fs.writeFileSync(path.join(sa, 'namespace'), 'ops\n');
    expect(readKubeconfig({ env, home, serviceAccountDir: sa })).toEqual({
      config: inClusterKubeconfig(env, sa),
      origin: { via: 'in-cluster' },
    });
    expect(inClusterKubeconfig(env, sa)).toMatchObject({
      clusters: [{ server: 'https://[fd00::1]:443', caFile: path.join(sa, 'ca.crt') }],
      users: [{ tokenFile: path.join(sa, 'token') }],
      contexts: [{ namespace: 'ops' }],
    });
    fs.mkdirSync(path.join(home, '.kube'));
    fs.writeFileSync(path.join(home, '.kube', 'config'), text({ current: 'c' }));
    expect(readKubeconfig({ env, home, serviceAccountDir: sa }).origin).toEqual({
      file: path.join(home, '.kube', 'config'),
      via: 'default',
    });
  });

  it('names the service account token when the pod variables are missing', () => {
    const sa = fs.mkdtempSync(path.join(dir, 'sa-'));
    fs.writeFileSync(path.join(sa, 'token'), 't');
    expect(() => inClusterKubeconfig({}, sa)).toThrow(
      /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set/,
    );
  });
});
