import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadConfig, parseConfig } from './load-config.js';

const RESOURCE = `
resources:
  - name: characters
    group: stable.example.io
    version: v1
    plural: characters
    templates: ./templates/characters
`;

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const base = { file: '/etc/lostromos/config.yaml', env: {}, hostname: 'host', pid: 7 };

describe('parseConfig defaults', () => {
  it('fills every default and resolves templates relative to the config file', () => {
    const c = parseConfig(RESOURCE, base);
    expect(c.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'lostromos', tls: false });
    expect(c.kubernetes).toEqual({ kubeconfig: '', context: '', qps: 0, burst: 200 });
    expect(c.leaderElection).toEqual({
      namespace: 'default',
      leaseName: 'lostromos-watcher',
      identity: 'host-7',
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
      shards: 1,
    });
    expect(c.server).toEqual({ address: '0.0.0.0:8080', metricsPath: '/metrics', statusPath: '/status' });
    expect(c.dashboard).toEqual({
      address: '0.0.0.0:3000',
      basePath: '/',
      readOnly: true,
      auth: { mode: 'basic', username: 'admin' },
    });
    expect(c.log).toEqual({ level: 'info', format: 'json' });
    expect(c.worker).toEqual({ resources: [], shutdownGraceSeconds: 30, lockDurationMs: 30000 });
    expect(c.helm).toEqual({ binary: '', timeoutSeconds: 30, maxConcurrent: 4 });
    expect(c.role).toBe('all');
    expect(c.configFile).toBe('/etc/lostromos/config.yaml');
    expect(c.resources[0]).toEqual({
      name: 'characters',
      group: 'stable.example.io',
      version: 'v1',
      plural: 'characters',
      namespace: '',
      labelSelector: '',
      filterAnnotation: '',
      templates: '/etc/lostromos/templates/characters',
      values: {},
      resyncSeconds: 600,
      concurrency: 8,
      allow: { namespaces: [], clusterScoped: false, kinds: [] },
    });
  });

  it('returns a deep-frozen object', () => {
    const c = parseConfig(RESOURCE, base);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.resources[0]!.allow.namespaces)).toBe(true);
    expect(() => {
      (c.redis as { url: string }).url = 'x';
    }).toThrow(TypeError);
  });

  it('accepts an empty file and no file at all', () => {
    expect(parseConfig('', { env: {} }).resources).toEqual([]);
    expect(parseConfig('# only a comment\n', { env: {} }).resources).toEqual([]);
  });

  it('turns on TLS for rediss:// URLs unless told otherwise', () => {
    expect(parseConfig('redis: { url: "rediss://r:6380" }', base).redis.tls).toBe(true);
    expect(parseConfig('redis: { url: "rediss://r:6380", tls: false }', base).redis.tls).toBe(false);
  });

  it('keeps remote chart references and resolves local charts and values files', () => {
    const c = parseConfig(
      `resources:
  - { name: a, group: a.example.io, version: v1, plural: as, helm: { chart: ./charts/a, valuesFrom: [vals.yaml] } }
  - { name: b, group: b.example.io, version: v1, plural: bs, helm: { chart: bitnami/nginx, version: 1.2.3, releasePrefix: web } }
  - { name: c, group: c.example.io, version: v1, plural: cs, helm: { chart: c-0.1.0.tgz } }`,
      base,
    );
    expect(c.resources[0]!.helm).toEqual({
      chart: '/etc/lostromos/charts/a',
      values: {},
      valuesFrom: ['/etc/lostromos/vals.yaml'],
      releasePrefix: 'lostromos',
    });
    expect(c.resources[1]!.helm).toMatchObject({
      chart: 'bitnami/nginx',
      version: '1.2.3',
      releasePrefix: 'web',
    });
    expect(c.resources[2]!.helm!.chart).toBe('/etc/lostromos/c-0.1.0.tgz');
  });
});

describe('parseConfig errors name the path and the fix', () => {
  it('reports a missing group with the documented hint and the line', () => {
    const err = errorOf(() =>
      parseConfig(
        `resources:\n  - name: a\n    group: a.example.io\n    version: v1\n    plural: as\n    templates: t\n  - name: b\n    version: v1\n    plural: bs\n    templates: t\n`,
        base,
      ),
    );
    expect(err.code).toBe('LZ_CONFIG_INVALID');
    expect(err.message).toBe(
      'config: resources[1].group: required (the API group of the CRD, e.g. stable.example.io)',
    );
    expect(err.issues[0]!.where).toBe('/etc/lostromos/config.yaml:7');
    expect(err.retryable).toBe(false);
  });

  it('rejects unknown keys with a did-you-mean and the line of the key', () => {
    const err = errorOf(() => parseConfig(`${RESOURCE}    resyncSecnds: 5\n`, base));
    expect(err.code).toBe('LZ_CONFIG_UNKNOWN_FIELD');
    expect(err.message).toBe(
      'config: resources[0].resyncSecnds: unknown field (did you mean resyncSeconds?)',
    );
    expect(err.issues[0]!.where).toBe('/etc/lostromos/config.yaml:8');
  });

  it('rejects unknown top-level keys and lists the valid ones when nothing is close', () => {
    const err = errorOf(() => parseConfig('zzzzzzzz: 1\n', base));
    expect(err.message).toMatch(
      /^config: zzzzzzzz: unknown field \(valid fields here: role, redis, kubernetes/,
    );
  });

  it.each([
    ['redis: { url: "http://x" }', 'redis.url: must be a redis:// or rediss:// URL'],
    ['redis: { prefix: "a b" }', 'redis.prefix: must be letters'],
    [
      'log: { level: loud }',
      'log.level: must be one of "trace", "debug", "info", "warn", "error", "fatal"; got the string "loud"',
    ],
    ['log: { format: xml }', 'log.format: must be one of "json", "pretty"'],
    ['role: boss', 'role: must be one of "all", "watcher", "worker", "dashboard"'],
    ['server: { address: "8080" }', 'server.address: must be host:port'],
    ['server: { address: "0.0.0.0:99999" }', 'server.address: port must be at most 65535'],
    ['server: { metricsPath: metrics }', 'server.metricsPath: must be a URL path starting with "/"'],
    ['dashboard: { readOnly: "yes" }', 'dashboard.readOnly: expected boolean, got the string "yes"'],
    ['dashboard: { auth: { mode: oauth } }', 'dashboard.auth.mode: must be one of "basic", "none"'],
    [
      'leaderElection: { leaseDurationSeconds: 1.5 }',
      'leaderElection.leaseDurationSeconds: must be a whole number',
    ],
    ['leaderElection: { namespace: "Kube_System" }', 'leaderElection.namespace: must be a DNS label'],
    [
      'leaderElection: { leaseDurationSeconds: 10, renewDeadlineSeconds: 10 }',
      'leaderElection.leaseDurationSeconds: must be greater than renewDeadlineSeconds (10)',
    ],
    [
      'leaderElection: { renewDeadlineSeconds: 2, retryPeriodSeconds: 2 }',
      'leaderElection.renewDeadlineSeconds: must be greater than retryPeriodSeconds (2)',
    ],
    ['worker: { lockDurationMs: 10 }', 'worker.lockDurationMs: must be at least 1000; got number 10'],
    ['worker: { resources: [nope] }', 'worker.resources[0]: "nope" is not a configured resource'],
    ['helm: { maxConcurrent: 0 }', 'helm.maxConcurrent: must be at least 1'],
    ['helm: { maxConcurrent: 100 }', 'helm.maxConcurrent: must be at most 64'],
    ['resources: {}', 'resources: expected array, got a mapping'],
    [
      'resources: [{ name: Bad_Name, group: a.example.io, version: v1, plural: as, templates: t }]',
      'resources[0].name: must be a DNS label',
    ],
    [
      'resources: [{ name: a, group: nodot, version: v1, plural: as, templates: t }]',
      'resources[0].group: must contain a dot',
    ],
    [
      'resources: [{ name: a, group: a.example.io, version: "1", plural: as, templates: t }]',
      'resources[0].version: must be a Kubernetes API version',
    ],
    [
      'resources: [{ name: a, group: a.example.io, version: v1, templates: t }]',
      'resources[0].plural: required (the plural resource name of the CRD',
    ],
    [
      'resources: [{ name: a, group: a.example.io, version: v1, plural: as, kind: character, templates: t }]',
      'resources[0].kind: must be a Kind in PascalCase',
    ],
    [
      'resources: [{ name: a, group: a.example.io, version: v1, plural: as, namespace: Prod, templates: t }]',
      'resources[0].namespace: must be a DNS label',
    ],
    [
      'resources: [{ name: a, group: a.example.io, version: v1, plural: as, filterAnnotation: "a b", templates: t }]',
      'resources[0].filterAnnotation: must be an annotation key',
    ],
    [
      'resources: [{ name: a, group: a.example.io, version: v1, plural: as, labelSelector: "a=b;c", templates: t }]',
      'resources[0].labelSelector: must be a Kubernetes label selector',
    ],
    [
      'resources: [{ name: a, group: a.example.io, version: v1, plural: as, concurrency: 0, templates: t }]',
      'resources[0].concurrency: must be at least 1',
    ],
    [
      'resources: [{ name: a, group: a.example.io, version: v1, plural: as, values: [1], templates: t }]',
      'resources[0].values: expected record, got a list',
    ],
    [
      'resources: [{ name: a, group: a.example.io, version: v1, plural: as, allow: { kinds: [deployment] }, templates: t }]',
      'resources[0].allow.kinds[0]: must be Kind or group/Kind',
    ],
    [
      'resources: [{ name: a, group: a.example.io, version: v1, plural: as }]',
      'resources[0]: set one of templates (a folder of Handlebars templates) or helm (a chart)',
    ],
    [
      'resources: [{ name: a, group: a.example.io, version: v1, plural: as, templates: t, helm: { chart: ./c } }]',
      'resources[0].helm: set templates or helm, not both',
    ],
    [
      'resources: [{ name: a, group: a.example.io, version: v1, plural: as, helm: {} }]',
      'resources[0].helm.chart: required (a chart directory, a .tgz, repo/name or oci://…)',
    ],
    [
      'resources: [{ name: a, group: a.example.io, version: v1, plural: as, helm: { chart: c, releaseName: "UP" } }]',
      'resources[0].helm.releaseName: must be a DNS label',
    ],
    [
      'resources: [{ name: a, group: a.example.io, version: v1, plural: as, templates: t }, { name: a, group: b.example.io, version: v1, plural: bs, templates: t }]',
      'resources[1].name: duplicate resource name "a"',
    ],
    [
      'resources: [{ name: a, group: a.example.io, version: v1, plural: as, templates: t }, { name: b, group: a.example.io, version: v1, plural: as, templates: t }]',
      'resources[1].plural: CRD as.a.example.io is already handled by resources[0]',
    ],
  ])('%s → %s', (yaml, expected) => {
    const err = errorOf(() => parseConfig(yaml, base));
    expect(err.issues.map((i) => `${i.path}: ${i.message}`).join('\n')).toContain(expected);
  });

  it('reports every problem, not only the first', () => {
    const err = errorOf(() => parseConfig('log: { level: loud, format: xml }\nredis: { url: nope }\n', base));
    expect(err.issues).toHaveLength(3);
    expect(err.details()).toContain('at /etc/lostromos/config.yaml:1');
  });

  it('rejects invalid YAML with its line', () => {
    const err = errorOf(() => parseConfig('redis:\n  url: [unclosed\n', base));
    expect(err.code).toBe('LZ_CONFIG_YAML');
    expect(err.message).toMatch(/^config: not valid YAML: /);
    expect(err.issues[0]!.where).toMatch(/^\/etc\/lostromos\/config\.yaml:\d+$/);
  });

  it('rejects duplicate keys', () => {
    expect(errorOf(() => parseConfig('log: {}\nlog: {}\n', base)).code).toBe('LZ_CONFIG_YAML');
  });

  it('rejects a file that is not a mapping', () => {
    expect(errorOf(() => parseConfig('- a\n- b\n', base)).message).toBe(
      'config: the config file must be a YAML mapping (key: value)',
    );
  });
});

describe('env and flags', () => {
  it('applies precedence flags > env > file > defaults', () => {
    const yaml = 'redis: { url: "redis://file:1", prefix: fromfile }\nlog: { level: warn }\n';
    const c = parseConfig(yaml, {
      ...base,
      env: { LOSTROMOS_REDIS_URL: 'redis://env:2', LOSTROMOS_LOG_LEVEL: 'debug' },
      argv: ['--redis', 'redis://flag:3'],
    });
    expect(c.redis.url).toBe('redis://flag:3');
    expect(c.log.level).toBe('debug');
    expect(c.redis.prefix).toBe('fromfile');
    expect(c.log.format).toBe('json');
  });

  it('reads typed env values and the documented aliases', () => {
    const c = parseConfig('', {
      env: {
        LOSTROMOS_DASHBOARD_PASSWORD: 's3cret',
        LOSTROMOS_DASHBOARD_READ_ONLY: 'false',
        LOSTROMOS_HELM_TIMEOUT_SECONDS: '12',
        LOSTROMOS_WORKER_SHUTDOWN_GRACE_SECONDS: '5',
        LOSTROMOS_KUBECONFIG: '~/kc',
        HOME: '/home/op',
      },
    });
    expect(c.dashboard.auth.password).toBe('s3cret');
    expect(c.dashboard.readOnly).toBe(false);
    expect(c.helm.timeoutSeconds).toBe(12);
    expect(c.worker.shutdownGraceSeconds).toBe(5);
    expect(c.kubernetes.kubeconfig).toBe('/home/op/kc');
  });

  it('sets the Kubernetes client limiter from env, flags or the file; 0 turns it off, a negative qps is rejected', () => {
    const fromEnv = parseConfig('', {
      ...base,
      env: { LOSTROMOS_KUBERNETES_QPS: '2.5', LOSTROMOS_KUBERNETES_BURST: '7' },
    });
    expect(fromEnv.kubernetes).toMatchObject({ qps: 2.5, burst: 7 });
    const fromFlags = parseConfig('kubernetes: { qps: 50, burst: 60 }\n', {
      ...base,
      argv: ['--kube-api-qps', '20', '--kube-api-burst=30'],
    });
    expect(fromFlags.kubernetes).toMatchObject({ qps: 20, burst: 30 });
    expect(parseConfig('kubernetes: { qps: 50, burst: 60 }\n', base).kubernetes).toMatchObject({
      qps: 50,
      burst: 60,
    });
    expect(parseConfig('kubernetes: { qps: 0 }\n', base).kubernetes).toMatchObject({ qps: 0 });
    expect(errorOf(() => parseConfig('kubernetes: { qps: -1 }\n', base)).message).toBe(
      'config: kubernetes.qps: must be 0 (no client-side limit) or greater; got number -1',
    );
    expect(errorOf(() => parseConfig('kubernetes: { burst: 1.5 }\n', base)).message).toBe(
      'config: kubernetes.burst: must be a whole number; got number 1.5',
    );
  });

  it('treats an empty variable as unset', () => {
    const c = parseConfig('redis: { url: "redis://file:1" }\n', {
      ...base,
      env: { LOSTROMOS_REDIS_URL: '', LOSTROMOS_NOPE: '' },
    });
    expect(c.redis.url).toBe('redis://file:1');
  });

  it('names the env var when its value is wrong', () => {
    const err = errorOf(() => parseConfig('', { env: { LOSTROMOS_HELM_MAX_CONCURRENT: 'many' } }));
    expect(err.code).toBe('LZ_CONFIG_ENV');
    expect(err.message).toBe('config: helm.maxConcurrent: expected a number, got "many"');
    expect(err.issues[0]!.where).toBe('env LOSTROMOS_HELM_MAX_CONCURRENT');
    const err2 = errorOf(() => parseConfig('', { env: { LOSTROMOS_REDIS_URL: 'nope' } }));
    expect(err2.issues[0]!.where).toBe('env LOSTROMOS_REDIS_URL');
  });

  it('rejects unknown LOSTROMOS_ variables with a hint but ignores Kubernetes service links', () => {
    const err = errorOf(() => parseConfig('', { env: { LOSTROMOS_REDIS_ULR: 'redis://x:1' } }));
    expect(err.message).toBe(
      'config: unknown environment variable LOSTROMOS_REDIS_ULR (did you mean LOSTROMOS_REDIS_URL?)',
    );
    expect(() =>
      parseConfig('', {
        env: {
          LOSTROMOS_SERVICE_HOST: '10.0.0.1',
          LOSTROMOS_PORT: 'tcp://10.0.0.1:80',
          LOSTROMOS_PORT_80_TCP_ADDR: '10.0.0.1',
        },
      }),
    ).not.toThrow();
  });

  it('builds one resource from the original tool’s single-CRD flags', () => {
    const c = parseConfig('', {
      env: {},
      cwd: '/work',
      argv: [
        '--crd-name',
        'characters',
        '--crd-group',
        'stable.nicolerenee.io',
        '--crd-version',
        'v1',
        '--crd-namespace',
        'team-a',
        '--crd-filter',
        'io.nicolerenee.lostromosApplied',
        '--templates',
        'tpl',
        '--kube-config',
        'kc',
        '--server-address',
        '127.0.0.1:9000',
        '--metrics-endpoint',
        '/m',
        '--status-endpoint',
        '/s',
      ],
    });
    expect(c.resources).toEqual([
      expect.objectContaining({
        name: 'characters',
        plural: 'characters',
        group: 'stable.nicolerenee.io',
        version: 'v1',
        namespace: 'team-a',
        filterAnnotation: 'io.nicolerenee.lostromosApplied',
        templates: '/work/tpl',
      }),
    ]);
    expect(c.kubernetes.kubeconfig).toBe('/work/kc');
    expect(c.server).toEqual({ address: '127.0.0.1:9000', metricsPath: '/m', statusPath: '/s' });
  });

  it('builds a helm resource from --helm-chart and reads LOSTROMOS_CRD_* env', () => {
    const c = parseConfig('', {
      cwd: '/work',
      env: { LOSTROMOS_CRD_NAME: 'crews', LOSTROMOS_CRD_GROUP: 'x.example.io', LOSTROMOS_CRD_VERSION: 'v1' },
      argv: ['--helm-chart', './chart', '--helm-prefix', 'crew'],
    });
    expect(c.resources[0]!.helm).toEqual({ chart: '/work/chart', values: {}, releasePrefix: 'crew' });
  });

  it('names the flag when a single-CRD flag value is invalid', () => {
    const err = errorOf(() =>
      parseConfig('', {
        env: {},
        argv: ['--crd-name', 'chars', '--crd-group', 'nodot', '--crd-version', 'v1', '--templates', 't'],
      }),
    );
    expect(err.message).toBe(
      'config: resources[0].group: must contain a dot (a CRD group is a domain, e.g. stable.example.io); got the string "nodot"',
    );
    expect(err.issues[0]!.where).toBe('flag --crd-group');
  });

  it('refuses single-CRD flags together with resources in the file', () => {
    const err = errorOf(() => parseConfig(RESOURCE, { ...base, argv: ['--crd-name', 'x'] }));
    expect(err.code).toBe('LZ_CONFIG_CONFLICT');
  });

  it('takes the resources list from LOSTROMOS_RESOURCES', () => {
    const c = parseConfig('', {
      env: {
        LOSTROMOS_RESOURCES:
          '[{"name":"a","group":"a.example.io","version":"v1","plural":"as","templates":"/t"}]',
      },
    });
    expect(c.resources[0]!.templates).toBe('/t');
    expect(errorOf(() => parseConfig('', { env: { LOSTROMOS_RESOURCES: '[' } })).code).toBe('LZ_CONFIG_ENV');
  });

  it('accepts command-specific flags declared as extraFlags and rejects others', () => {
    expect(() =>
      parseConfig('', {
        env: {},
        argv: ['--workers', '3'],
        extraFlags: [{ name: 'workers', type: 'number', description: '' }],
      }),
    ).not.toThrow();
    const err = errorOf(() => parseConfig('', { env: {}, argv: ['--wrokers', '3'] }));
    expect(err.code).toBe('LZ_CONFIG_FLAG');
  });
});

describe('loadConfig', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-config-'));

  it('reads --config, then LOSTROMOS_CONFIG', () => {
    const file = path.join(dir, 'c.yaml');
    fs.writeFileSync(file, RESOURCE);
    const viaFlag = loadConfig({ argv: ['--config', file], env: {} });
    expect(viaFlag.resources[0]!.templates).toBe(path.join(dir, 'templates/characters'));
    expect(viaFlag.configFile).toBe(file);
    expect(loadConfig({ env: { LOSTROMOS_CONFIG: file } }).configFile).toBe(file);
    expect(loadConfig({ configFile: 'c.yaml', cwd: dir, env: {} }).configFile).toBe(file);
  });

  it('reports a missing or unreadable file', () => {
    const err = errorOf(() => loadConfig({ configFile: path.join(dir, 'nope.yaml'), env: {} }));
    expect(err.code).toBe('LZ_CONFIG_FILE');
    expect(err.message).toBe(`config: cannot read config file ${path.join(dir, 'nope.yaml')}: no such file`);
    expect(errorOf(() => loadConfig({ configFile: dir, env: {} })).message).toContain('is a directory');
  });

  it('works with no file at all', () => {
    expect(loadConfig({ env: {} }).resources).toEqual([]);
  });
});
