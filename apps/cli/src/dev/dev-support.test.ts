import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseConfig } from '@lostromos/config';
import { objectPath } from './apply-manifests.js';
import { buildDevConfig } from './dev-config.js';
import { formatShortLogLine } from './short-log.js';
import { formatEndpointLines, formatSummaryLines, formatTourLines } from './tour.js';
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

describe('formatSummaryLines', () => {
  const input = {
    kubeconfig: '/tmp/x/kubeconfig',
    redis: 'redis://127.0.0.1:6000',
    examples: 'characters (1 sample CR)',
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
  };

  it('starts with the lines scripts read, each with its key, then the tour of the first example set', () => {
    const lines = formatSummaryLines(input);
    expect(lines.slice(0, 7)).toEqual([
      'kubeconfig: /tmp/x/kubeconfig',
      'redis: redis://127.0.0.1:6000',
      'examples: characters (1 sample CR)',
      'dashboard: http://127.0.0.1:3000/',
      'dashboard login: admin / pw',
      'metrics: http://127.0.0.1:1001/metrics',
      'roles: watcher :1001, worker-1 :1002 (/metrics /healthz /readyz /status on 127.0.0.1)',
    ]);
    expect(lines.join('\n')).toContain(
      'kubectl --kubeconfig /tmp/x/kubeconfig -n default edit character ripley',
    );
    expect(lines).toContain('  edit templates/characters/*.yaml: every CR re-renders live');
    expect(lines.at(-1)).toBe('Press Ctrl-C to stop everything.');
  });

  it('prints the endpoints and the tour without the lines already printed', () => {
    const early = [...formatEndpointLines(input), ...formatTourLines(input)];
    expect(early.filter((l) => /^(kubeconfig|redis|examples): /.test(l))).toEqual([]);
    expect(early[0]).toBe('dashboard: http://127.0.0.1:3000/');
    expect(early).toContain('Tour (in another terminal):');
  });
});

describe('formatShortLogLine', () => {
  const rec = (fields: Record<string, unknown>): string =>
    JSON.stringify({
      level: 'info',
      time: '2026-01-01T00:00:00.000Z',
      pid: 1,
      hostname: 'h',
      role: 'worker',
      component: 'worker',
      ...fields,
    });

  it('prints a record as one line: message and fields, without time, pid, host, role or component', () => {
    expect(
      formatShortLogLine(
        rec({
          msg: 'reconciled',
          resource: 'characters',
          namespace: 'default',
          jobId: '3',
          cr: 'stable.nicolerenee.io/characters/default/ripley',
          applied: 2,
          created: 0,
        }),
      ),
    ).toBe('reconciled cr=stable.nicolerenee.io/characters/default/ripley applied=2 created=0');
    expect(formatShortLogLine(rec({ msg: 'worker started', resources: ['a', 'b'] }))).toBe(
      'worker started resources=a,b',
    );
    expect(formatShortLogLine(rec({ msg: 'x', detail: 'two words', n: null, o: { a: 1 } }))).toBe(
      'x detail="two words" n=null o={"a":1}',
    );
  });

  it('names levels other than info and puts the error text last, on the same line, without its stack', () => {
    const line = formatShortLogLine(
      rec({
        level: 'warn',
        msg: 'reconcile failed permanently',
        cr: 'g/characters/default/ripley',
        error: {
          code: 'LZ_RENDER_TEMPLATE',
          message: 'configmap.yaml:9: unclosed {{\nfix: close it',
          retryable: false,
        },
      }),
    );
    expect(line).toBe(
      'WARN reconcile failed permanently cr=g/characters/default/ripley code=LZ_RENDER_TEMPLATE: configmap.yaml:9: unclosed {{ | fix: close it',
    );
    const err = formatShortLogLine(
      rec({
        level: 'error',
        msg: 'queue worker error',
        err: {
          type: 'Error',
          message: 'connect ECONNREFUSED',
          stack: 'Error: connect\n    at x',
          code: 'ECONNREFUSED',
        },
      }),
    );
    expect(err).toBe('ERROR queue worker error code=ECONNREFUSED: connect ECONNREFUSED');
    expect(formatShortLogLine(JSON.stringify({ level: 50, msg: 'numeric' }))).toBe('ERROR numeric');
  });

  it('passes anything that is not a JSON log record through unchanged', () => {
    for (const line of ['plain text', '{not json', '{"a":1}', '    at foo (file.js:1:2)', '[1,2]'])
      expect(formatShortLogLine(line)).toBe(line);
  });
});
