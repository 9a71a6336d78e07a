import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseConfig } from '@lostromos/config';
import { objectPath } from './apply-manifests.js';
import { buildDevConfig } from './dev-config.js';
import { formatReadyLines } from './tour.js';
import { DevRedisError, REDIS_INSTALL_HINT, startDevRedis } from './local-redis.js';

const crds = [
  {
    group: 'stable.nicolerenee.io',
    version: 'v1',
    plural: 'characters',
    kind: 'Character',
    namespaced: true,
  },
  { group: 'toys.example.org', version: 'v1', plural: 'gadgets', kind: 'Gadget', namespaced: false },
];

describe('objectPath', () => {
  it('builds REST paths for CRDs, namespaces, namespaced and cluster-scoped custom resources', () => {
    const meta = (name: string, namespace?: string): { name: string; namespace?: string } =>
      namespace ? { name, namespace } : { name };
    expect(
      objectPath(
        { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: meta('a.b') },
        crds,
      ),
    ).toBe('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/a.b');
    expect(objectPath({ apiVersion: 'v1', kind: 'Namespace', metadata: meta('web') }, crds)).toBe(
      '/api/v1/namespaces/web',
    );
    expect(
      objectPath({ apiVersion: 'stable.nicolerenee.io/v1', kind: 'Character', metadata: meta('r') }, crds),
    ).toBe('/apis/stable.nicolerenee.io/v1/namespaces/default/characters/r');
    expect(
      objectPath({ apiVersion: 'toys.example.org/v1', kind: 'Gadget', metadata: meta('g', 'x') }, crds),
    ).toBe('/apis/toys.example.org/v1/gadgets/g');
    expect(() => objectPath({ apiVersion: 'x.io/v1', kind: 'Thing', metadata: meta('t') }, crds)).toThrow(
      'no CRD known for x.io/v1 Thing',
    );
  });
});

describe('buildDevConfig', () => {
  it('produces a config @lostromos/config accepts, with loopback dashboard and basic auth', () => {
    const cfg = buildDevConfig({
      redisUrl: 'redis://127.0.0.1:1234',
      kubeconfig: '/tmp/kc',
      dashboardAddress: '127.0.0.1:3000',
      resources: [
        {
          name: 'characters',
          group: 'stable.nicolerenee.io',
          version: 'v1',
          plural: 'characters',
          templates: '/t/characters',
        },
      ],
      logLevel: 'info',
      logFormat: 'pretty',
    });
    const parsed = parseConfig(YAML.stringify(cfg), { env: {}, cwd: '/' });
    expect(parsed.dashboard.auth.mode).toBe('basic');
    expect(parsed.dashboard.address).toBe('127.0.0.1:3000');
    expect(parsed.worker.shutdownGraceSeconds).toBeLessThanOrEqual(2);
    expect(parsed.resources[0]!.templates).toBe('/t/characters');
  });
});

describe('startDevRedis', () => {
  it('uses REDIS_URL as given and never stops it', async () => {
    const r = await startDevRedis({ redisUrl: 'redis://example:6380', port: 1 });
    expect(r).toMatchObject({ url: 'redis://example:6380', external: true });
    await r.stop();
  });

  it('explains how to install Redis when redis-server is not on PATH', async () => {
    const err = await startDevRedis({
      port: 1,
      binary: 'redis-server-that-does-not-exist',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DevRedisError);
    expect((err as Error).message).toContain('REDIS_URL is not set');
    expect((err as Error).message).toContain(REDIS_INSTALL_HINT);
  });
});

describe('formatReadyLines', () => {
  it('starts the lines scripts read with their key, and tours the first example set', () => {
    const lines = formatReadyLines({
      kubeconfig: '/tmp/x/kubeconfig',
      dashboardUrl: 'http://127.0.0.1:3000/',
      password: 'pw',
      roles: [
        { label: 'watcher', port: 1001 },
        { label: 'worker-1', port: 1002 },
      ],
      sets: [
        {
          name: 'characters',
          templatesDir: '/repo/templates/characters',
          crds: [],
          samples: [
            { apiVersion: 'stable.nicolerenee.io/v1', kind: 'Character', metadata: { name: 'ripley' } },
          ],
          crd: {
            group: 'stable.nicolerenee.io',
            version: 'v1',
            plural: 'characters',
            kind: 'Character',
            namespaced: true,
          },
        },
      ],
      cwd: '/repo',
    });
    expect(lines).toContain('dashboard: http://127.0.0.1:3000/');
    expect(lines).toContain('metrics: http://127.0.0.1:1001/metrics');
    expect(lines.filter((l) => /^(dashboard|metrics|kubeconfig): /.test(l))).toHaveLength(2);
    expect(lines.join('\n')).toContain(
      'kubectl --kubeconfig /tmp/x/kubeconfig -n default edit character ripley',
    );
    expect(lines).toContain('  edit templates/characters/*.yaml: every CR re-renders live');
  });
});
