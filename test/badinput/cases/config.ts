// Config: the file, LOSTROMOS_* variables and flags, through loadConfig exactly as every command reads them. A
// ConfigError is exit code 2 in every command (cli.test.ts proves it on the real binary); each row checks the
// first line names the field, the problem and the fix, and where the value came from (file:line, env, flag).
// `connect: true` rows go one step further, to the Redis connection `lostromos start` opens from the config.
import type { BadInput } from '../corpus.ts';
import { yamlBomb } from '../corpus.ts';

export interface ConfigInput {
  /** Text of lostromos.yaml; `null`: no such file; `{ dir: true }`: a folder where the file should be. */
  file: string | null | { dir: true };
  env?: Record<string, string>;
  argv?: string[];
  /** Other files next to the config (relative path → text). */
  files?: Record<string, string>;
  /** After loading, open the Redis connection as `lostromos start` does (password files are read there). */
  connect?: true;
}

export type ConfigRow = BadInput<ConfigInput>;

/** `lostromos.yaml:<line>`: where the offending value is. */
const line = (n: number): RegExp => new RegExp(`lostromos\\.yaml:${n}\\b`);

const RES = '  - { name: things, group: things.example.io, version: v1, plural: things, templates: ./t';
/** A config with one resource; `extra` goes inside its flow mapping. */
const res = (extra = ''): string => `resources:\n${RES}${extra ? `, ${extra}` : ''} }\n`;

const row = (
  id: string,
  title: string,
  input: ConfigInput,
  code: string,
  message: RegExp[],
  finding?: string,
): ConfigRow => ({
  id,
  category: 'config',
  title,
  input,
  expect: { exit: 2, code, message },
  ...(finding ? { finding } : {}),
});

const invalid = (id: string, title: string, file: string, message: RegExp[]): ConfigRow =>
  row(id, title, { file }, 'LZ_CONFIG_INVALID', message);

export const CONFIG_ROWS: ConfigRow[] = [
  // Unknown keys: never ignored, with a "did you mean".
  row(
    'cfg-unknown-top',
    'a misspelt top-level section',
    { file: 'redsi: { url: "redis://r:6379" }\n' + res() },
    'LZ_CONFIG_UNKNOWN_FIELD',
    [/config: redsi: unknown field/, /did you mean redis\?/, line(1)],
  ),
  row(
    'cfg-unknown-nested',
    'a misspelt field inside redis',
    { file: 'redis: { urll: "redis://r:6379" }\n' + res() },
    'LZ_CONFIG_UNKNOWN_FIELD',
    [/redis\.urll: unknown field/, /did you mean url\?/, line(1)],
  ),
  row(
    'cfg-unknown-resource-field',
    'a misspelt field of a resource',
    { file: `resources:\n${RES.replace('templates', 'templtes')} }\n` },
    'LZ_CONFIG_UNKNOWN_FIELD',
    [/resources\[0\]\.templtes: unknown field/, /did you mean templates\?/, line(2)],
  ),
  row(
    'cfg-unknown-no-hint',
    'a key unlike any field lists the valid ones',
    { file: 'frobnicate: 1\n' + res() },
    'LZ_CONFIG_UNKNOWN_FIELD',
    [/frobnicate: unknown field/, /valid fields here: role, redis, kubernetes/, line(1)],
  ),

  // Wrong types and values.
  invalid('cfg-role-number', 'role given as a number', 'role: 5\n' + res(), [
    /role: must be one of "all", "watcher", "worker", "dashboard"; got number 5/,
    line(1),
  ]),
  invalid('cfg-bool-string', 'a boolean given as the string "yes"', 'redis: { tls: "yes" }\n' + res(), [
    /redis\.tls: expected boolean, got the string "yes"/,
    line(1),
  ]),
  invalid(
    'cfg-list-string',
    'worker.resources given as one string',
    'worker: { resources: things }\n' + res(),
    [/worker\.resources: expected array, got the string "things"/, line(1)],
  ),
  invalid('cfg-resources-mapping', 'resources given as a mapping', 'resources: { name: things }\n', [
    /resources: expected array, got a mapping/,
    line(1),
  ]),
  invalid('cfg-resources-empty', 'resources: [] (a config that can do nothing)', 'resources: []\n', [
    /resources: is an empty list/,
    /add at least one resource/,
    line(1),
  ]),
  invalid(
    'cfg-required-group',
    'a resource without its group',
    'resources:\n  - { name: things, version: v1, plural: things, templates: ./t }\n',
    [/resources\[0\]\.group: required \(the API group of the CRD, e\.g\. stable\.example\.io\)/, line(2)],
  ),
  invalid(
    'cfg-group-no-dot',
    'a CRD group without a dot',
    'resources:\n  - { name: things, group: things, version: v1, plural: things, templates: ./t }\n',
    [/resources\[0\]\.group: must contain a dot/, /e\.g\. stable\.example\.io/],
  ),
  invalid(
    'cfg-version',
    'version "1" instead of v1',
    'resources:\n  - { name: things, group: things.example.io, version: "1", plural: things, templates: ./t }\n',
    [/resources\[0\]\.version: must be a Kubernetes API version, e\.g\. v1 or v1alpha1/],
  ),
  invalid('cfg-kind-lowercase', 'a kind in lower case', res('kind: thing'), [
    /resources\[0\]\.kind: must be a Kind in PascalCase, e\.g\. Character/,
  ]),
  invalid(
    'cfg-name-too-long',
    'a resource name of 64 characters',
    `resources:\n${RES.replace('name: things', `name: ${'n'.repeat(64)}`)} }\n`,
    [/resources\[0\]\.name: must be at most 63 characters/],
  ),
  invalid('cfg-namespace', 'a namespace with spaces and capitals', res('namespace: Team A'), [
    /resources\[0\]\.namespace: must be a DNS label/,
    /"Team A"/,
  ]),
  invalid(
    'cfg-filter-annotation',
    'a filterAnnotation that is not an annotation key',
    res('filterAnnotation: "not valid!"'),
    [/resources\[0\]\.filterAnnotation: must be an annotation key, e\.g\. example\.io\/managed/],
  ),
  invalid('cfg-allow-kinds', 'allow.kinds with a lower-case kind', res('allow: { kinds: [role] }'), [
    /resources\[0\]\.allow\.kinds\[0\]: must be Kind or group\/Kind/,
  ]),
  invalid(
    'cfg-allow-namespace',
    'allow.namespaces with an invalid namespace',
    res('allow: { namespaces: ["Kube System"] }'),
    [/resources\[0\]\.allow\.namespaces\[0\]/, /DNS label/],
  ),
  invalid(
    'cfg-helm-release-name',
    'a Helm release name that is not a DNS label',
    'resources:\n  - { name: things, group: things.example.io, version: v1, plural: things, helm: { chart: ./c, releaseName: Not_Valid } }\n',
    [/resources\[0\]\.helm\.releaseName: must be a DNS label \(a Helm release name\)/],
  ),
  invalid('cfg-address-no-port', 'server.address without a port', 'server: { address: "8080" }\n' + res(), [
    /server\.address: must be host:port, e\.g\. 0\.0\.0\.0:8080/,
    line(1),
  ]),
  invalid(
    'cfg-address-port-range',
    'server.address with port 70000',
    'server: { address: "0.0.0.0:70000" }\n' + res(),
    [/server\.address: port must be at most 65535/],
  ),
  invalid(
    'cfg-metrics-path',
    'a metrics path without the leading slash',
    'server: { metricsPath: metrics }\n' + res(),
    [/server\.metricsPath: must be a URL path starting with "\/", e\.g\. \/metrics/],
  ),
  invalid('cfg-log-level', 'log.level "loud"', 'log: { level: loud }\n' + res(), [
    /log\.level: must be one of "trace", "debug", "info", "warn", "error", "fatal"; got the string "loud"/,
  ]),
  invalid(
    'cfg-dashboard-auth-mode',
    'dashboard.auth.mode "ldap"',
    'dashboard: { auth: { mode: ldap } }\n' + res(),
    [/dashboard\.auth\.mode: must be one of "basic", "none"/],
  ),
  invalid('cfg-redis-prefix', 'a Redis prefix with a space', 'redis: { prefix: "my prefix" }\n' + res(), [
    /redis\.prefix: must be letters, digits, "_", "\." or "-"/,
  ]),
  invalid('cfg-nan', 'kubernetes.qps: .nan', 'kubernetes: { qps: .nan }\n' + res(), [
    /kubernetes\.qps: expected number, got \.nan \(not a number\)/,
    line(1),
  ]),
  invalid(
    'cfg-inf',
    'leaderElection.shards: 1e309 (a number too large)',
    'leaderElection: { shards: 1e309 }\n' + res(),
    [/leaderElection\.shards: .*infinity \(\.inf, or a number too large such as 1e309\)/],
  ),
  invalid('cfg-shards-range', '65 shards', 'leaderElection: { shards: 65 }\n' + res(), [
    /leaderElection\.shards: must be at most 64/,
  ]),

  // Durations (whole seconds).
  invalid('cfg-duration-unit', 'resyncSeconds: 10m (a duration with a unit)', res('resyncSeconds: 10m'), [
    /resources\[0\]\.resyncSeconds: expected number, got the string "10m"/,
    line(2),
  ]),
  invalid('cfg-duration-negative', 'resyncSeconds: -1', res('resyncSeconds: -1'), [
    /resources\[0\]\.resyncSeconds: must be at least 0; got number -1/,
  ]),
  invalid(
    'cfg-duration-fraction',
    'leaseDurationSeconds: 1.5',
    'leaderElection: { leaseDurationSeconds: 1.5 }\n' + res(),
    [/leaderElection\.leaseDurationSeconds: must be a whole number; got number 1\.5/],
  ),
  invalid(
    'cfg-lease-order',
    'a lease no longer than its renew deadline',
    'leaderElection: { leaseDurationSeconds: 10, renewDeadlineSeconds: 10 }\n' + res(),
    [
      /leaderElection\.leaseDurationSeconds: must be greater than renewDeadlineSeconds \(10\)/,
      /a standby could take over from a live leader/,
    ],
  ),
  invalid(
    'cfg-renew-order',
    'a renew deadline no longer than the retry period',
    'leaderElection: { renewDeadlineSeconds: 2, retryPeriodSeconds: 2 }\n' + res(),
    [/leaderElection\.renewDeadlineSeconds: must be greater than retryPeriodSeconds \(2\)/],
  ),
  invalid('cfg-lock-duration', 'worker.lockDurationMs: 10', 'worker: { lockDurationMs: 10 }\n' + res(), [
    /worker\.lockDurationMs: must be at least 1000; got number 10/,
  ]),
  invalid('cfg-concurrency-zero', 'concurrency: 0', res('concurrency: 0'), [
    /resources\[0\]\.concurrency: must be at least 1/,
  ]),
  invalid('cfg-concurrency-huge', 'concurrency: 1000', res('concurrency: 1000'), [
    /resources\[0\]\.concurrency: must be at most 256/,
  ]),

  // Label selectors: checked when the config loads, not at the first watch.
  invalid('cfg-selector-double-equals', 'labelSelector "team=a=b"', res('labelSelector: "team=a=b"'), [
    /resources\[0\]\.labelSelector: must be a Kubernetes label selector, e\.g\. team=a,tier!=db/,
    /"team=a=b" is not a requirement/,
    line(2),
  ]),
  invalid(
    'cfg-selector-paren',
    'labelSelector "env in (prod" (unbalanced)',
    res('labelSelector: "env in (prod"'),
    [/labelSelector/, /parentheses do not balance/],
  ),
  invalid('cfg-selector-bang', 'labelSelector "!" (no key)', res('labelSelector: "!"'), [
    /labelSelector/,
    /"!" is not a requirement/,
  ]),
  invalid('cfg-selector-bad-key', 'labelSelector "-team=a" (invalid key)', res('labelSelector: "-team=a"'), [
    /labelSelector/,
    /"-team" is not a valid label key/,
  ]),
  invalid(
    'cfg-selector-bad-value',
    'labelSelector "team=a b" (a space in the value)',
    res('labelSelector: "team=a b"'),
    [/labelSelector/, /"team=a b" is not a requirement/],
  ),
  invalid('cfg-selector-empty-set', 'labelSelector "env in ()"', res('labelSelector: "env in ()"'), [
    /labelSelector/,
    /is empty: list at least one value/,
  ]),
  invalid('cfg-selector-trailing-comma', 'labelSelector "team=a,"', res('labelSelector: "team=a,"'), [
    /labelSelector/,
    /empty requirement/,
  ]),
  row(
    'cfg-selector-flag',
    'an invalid --crd-label-selector names the flag',
    {
      file: null,
      argv: [
        '--crd-name',
        'things',
        '--crd-group',
        'things.example.io',
        '--crd-version',
        'v1',
        '--templates',
        './t',
        '--crd-label-selector',
        'a==b==c',
      ],
    },
    'LZ_CONFIG_INVALID',
    [/resources\[0\]\.labelSelector: must be a Kubernetes label selector/, /flag --crd-label-selector/],
  ),

  // Cross-field rules.
  invalid(
    'cfg-duplicate-name',
    'two resources with the same name',
    `resources:\n${RES} }\n${RES.replace('plural: things', 'plural: others')} }\n`,
    [/resources\[1\]\.name: duplicate resource name "things" \(also resources\[0\]\.name\)/, line(3)],
  ),
  invalid(
    'cfg-duplicate-crd',
    'two resources for the same CRD',
    `resources:\n${RES} }\n${RES.replace('name: things', 'name: again')} }\n`,
    [
      /resources\[1\]\.plural: CRD things\.things\.example\.io is already handled by resources\[0\]: one resource per CRD/,
    ],
  ),
  invalid('cfg-templates-and-helm', 'a resource with templates and helm', res('helm: { chart: ./c }'), [
    /resources\[0\]\.helm: set templates or helm, not both/,
  ]),
  invalid(
    'cfg-neither-source',
    'a resource with neither templates nor helm',
    'resources:\n  - { name: things, group: things.example.io, version: v1, plural: things }\n',
    [/resources\[0\]: set one of templates \(a folder of Handlebars templates\) or helm \(a chart\)/],
  ),
  invalid(
    'cfg-worker-unknown-resource',
    'worker.resources naming a resource that does not exist',
    'worker: { resources: [thngs] }\n' + res(),
    [/worker\.resources\[0\]: "thngs" is not a configured resource \(known: things\)/],
  ),
  row(
    'cfg-crd-flags-and-file',
    '--crd-* flags with resources in the file',
    { file: res(), argv: ['--crd-name', 'others'] },
    'LZ_CONFIG_CONFLICT',
    [
      /flag --crd-name builds a single resource, but the config file already lists resources: use one or the other/,
    ],
  ),

  // Redis URLs.
  invalid('cfg-redis-http', 'redis.url with http://', 'redis: { url: "http://cache:6379" }\n' + res(), [
    /redis\.url: must be a redis:\/\/ or rediss:\/\/ URL, e\.g\. redis:\/\/127\.0\.0\.1:6379/,
    line(1),
  ]),
  invalid('cfg-redis-no-scheme', 'redis.url without a scheme', 'redis: { url: "127.0.0.1:6379" }\n' + res(), [
    /redis\.url: must be a redis:\/\/ or rediss:\/\/ URL/,
  ]),
  invalid('cfg-redis-no-host', 'redis.url without a host', 'redis: { url: "redis://:6379" }\n' + res(), [
    /redis\.url: must be a redis:\/\/ or rediss:\/\/ URL/,
  ]),
  invalid('cfg-redis-port', 'redis.url with port 99999', 'redis: { url: "redis://cache:99999" }\n' + res(), [
    /redis\.url: the port 99999 is above 65535/,
  ]),
  invalid(
    'cfg-redis-db-path',
    'redis.url with a database path that is not a number',
    'redis: { url: "redis://cache:6379/jobs" }\n' + res(),
    [/redis\.url: the path of a Redis URL is the database number, e\.g\. redis:\/\/127\.0\.0\.1:6379\/0/],
  ),
  {
    ...invalid(
      'cfg-redis-password-hidden',
      'an invalid redis.url does not echo its password',
      'redis: { url: "redis://:s3cr3t-pw@cache:99999" }\n' + res(),
      [/redis\.url: the port 99999 is above 65535/, /:\*\*\*@cache/],
    ),
    expect: {
      exit: 2,
      code: 'LZ_CONFIG_INVALID',
      message: [/redis\.url/, /:\*\*\*@cache/],
      absent: [/s3cr3t/],
    },
  },

  // Redis Sentinel settings.
  invalid(
    'cfg-sentinel-and-url',
    'redis.url and redis.sentinels both set',
    'redis: { url: "redis://r:6379", sentinels: ["s-0:26379"], sentinelName: m }\n' + res(),
    [
      /redis\.url: redis\.url \(.*lostromos\.yaml:1\) and redis\.sentinels \(.*lostromos\.yaml:1\) are both set/,
      /keep redis\.url for one Redis, or redis\.sentinels with redis\.sentinelName for Redis Sentinel, not both/,
    ],
  ),
  invalid(
    'cfg-sentinel-no-name',
    'redis.sentinels without sentinelName',
    'redis: { sentinels: ["s-0:26379"] }\n' + res(),
    [
      /redis\.sentinelName: required with redis\.sentinels: the master group name the Sentinels monitor/,
      /e\.g\. mymaster/,
    ],
  ),
  invalid(
    'cfg-sentinel-name-alone',
    'redis.sentinelName without sentinels',
    'redis: { sentinelName: mymaster }\n' + res(),
    [
      /redis\.sentinelName: only used with Redis Sentinel: add redis\.sentinels \(host:port of each Sentinel\) or remove it/,
    ],
  ),
  invalid(
    'cfg-sentinel-db-alone',
    'redis.db with a plain redis.url',
    'redis: { url: "redis://r:6379", db: 2 }\n' + res(),
    [
      /redis\.db: only used with Redis Sentinel/,
      /put the database in the URL path, e\.g\. redis:\/\/host:6379\/2/,
    ],
  ),
  invalid(
    'cfg-sentinel-url-address',
    'a Sentinel given as a redis:// URL',
    'redis: { sentinels: ["redis://s-0:26379"], sentinelName: m }\n' + res(),
    [
      /redis\.sentinels\[0\]: must be "host:port" of a Redis Sentinel or \{host, port\}, e\.g\. sentinel-0\.sentinel:26379/,
    ],
  ),
  invalid(
    'cfg-sentinel-port-zero',
    'a Sentinel on port 0',
    'redis: { sentinels: [{ host: s-0, port: 0 }], sentinelName: m }\n' + res(),
    [/redis\.sentinels\[0\]: port must be a whole number from 1 to 65535/],
  ),
  invalid(
    'cfg-sentinel-unknown-field',
    'a Sentinel with an unknown field',
    'redis: { sentinels: [{ host: s-0, port: 26379, tls: true }], sentinelName: m }\n' + res(),
    [/redis\.sentinels\[0\]: unknown field tls \(a Sentinel is \{host, port\}\)/],
  ),

  // The file itself.
  row(
    'cfg-missing-file',
    'a config file that does not exist',
    { file: null, argv: ['--config', 'lostromos.yaml'] },
    'LZ_CONFIG_FILE',
    [/cannot read config file .*lostromos\.yaml: no such file/],
  ),
  row(
    'cfg-file-is-folder',
    'a folder given as the config file',
    { file: { dir: true }, argv: ['--config', 'lostromos.yaml'] },
    'LZ_CONFIG_FILE',
    [/cannot read config file .*lostromos\.yaml: is a directory, not a file/],
  ),
  row(
    'cfg-not-mapping',
    'a config file that is a list',
    { file: '- redis\n- resources\n' },
    'LZ_CONFIG_INVALID',
    [/the config file must be a YAML mapping \(key: value\)/, /lostromos\.yaml/],
  ),
  row(
    'cfg-yaml-syntax',
    'an unclosed flow mapping',
    { file: 'redis: { url: "redis://r:6379"\n' + res() },
    'LZ_CONFIG_YAML',
    [/not valid YAML/, /lostromos\.yaml:\d+/],
  ),
  row(
    'cfg-tabs',
    'a tab used for indentation',
    { file: 'redis:\n\turl: "redis://r:6379"\n' + res() },
    'LZ_CONFIG_YAML',
    [/not valid YAML: Tabs are not allowed as indentation/, line(2)],
  ),
  row(
    'cfg-duplicate-key',
    'the same key twice',
    { file: 'role: all\nrole: worker\n' + res() },
    'LZ_CONFIG_YAML',
    [/not valid YAML: Map keys must be unique/, line(2)],
  ),
  row(
    'cfg-yaml-bomb',
    'a YAML bomb (aliases expanding to 10,000 copies)',
    { file: `${res()}x-bomb:\n${yamlBomb('  ')}` },
    'LZ_CONFIG_YAML',
    [
      /YAML aliases \(\*name\) expand into too many copies \(a "YAML bomb"/,
      /write the repeated values out/,
      /lostromos\.yaml:\d+/,
    ],
  ),
  row(
    'cfg-self-alias',
    'an alias inside its own anchor (redis: &r { url: *r })',
    { file: 'redis: &r { url: *r }\n' + res() },
    'LZ_CONFIG_YAML',
    [/the alias \*r refers to a node that contains it/, /write the value out instead/, line(1)],
  ),
  row(
    'cfg-self-alias-values',
    'resource values that contain themselves',
    {
      file: 'resources:\n  - name: things\n    group: things.example.io\n    version: v1\n    plural: things\n    templates: ./t\n    values: &v\n      self: *v\n',
    },
    'LZ_CONFIG_YAML',
    [/the alias \*v refers to a node that contains it \(a circular structure/, line(8)],
  ),
  row(
    'cfg-deep-nesting',
    'a value nested 2,000 levels deep',
    { file: `${res()}x: ${'['.repeat(2000)}${']'.repeat(2000)}\n` },
    'LZ_CONFIG_YAML',
    [/nests mappings or lists too deeply to read/, /lostromos\.yaml/],
  ),

  // Environment variables and flags.
  row(
    'cfg-env-unknown',
    'a misspelt LOSTROMOS_ variable',
    { file: res(), env: { LOSTROMOS_REDIS_ULR: 'redis://r:6379' } },
    'LZ_CONFIG_ENV',
    [
      /unknown environment variable LOSTROMOS_REDIS_ULR \(did you mean LOSTROMOS_REDIS_URL\?\)/,
      /env LOSTROMOS_REDIS_ULR/,
    ],
  ),
  row(
    'cfg-env-number',
    'a number variable that is not a number',
    { file: res(), env: { LOSTROMOS_LEADER_ELECTION_SHARDS: 'two' } },
    'LZ_CONFIG_ENV',
    [/leaderElection\.shards: expected a number, got "two"/, /env LOSTROMOS_LEADER_ELECTION_SHARDS/],
  ),
  row(
    'cfg-env-boolean',
    'a boolean variable that is not a boolean',
    { file: res(), env: { LOSTROMOS_REDIS_TLS: 'maybe' } },
    'LZ_CONFIG_ENV',
    [/redis\.tls: expected true or false, got "maybe"/, /env LOSTROMOS_REDIS_TLS/],
  ),
  row(
    'cfg-env-invalid-value',
    'an env value the schema refuses names the variable',
    { file: res(), env: { LOSTROMOS_REDIS_URL: 'http://cache:6379' } },
    'LZ_CONFIG_INVALID',
    [/redis\.url: must be a redis:\/\/ or rediss:\/\/ URL/, /at env LOSTROMOS_REDIS_URL/],
  ),
  row(
    'cfg-env-resources-yaml',
    'LOSTROMOS_RESOURCES that is not YAML',
    { file: null, env: { LOSTROMOS_RESOURCES: '[{ name: things' } },
    'LZ_CONFIG_ENV',
    [/resources: not valid YAML/, /env LOSTROMOS_RESOURCES/],
  ),
  row(
    'cfg-env-resources-bomb',
    'LOSTROMOS_RESOURCES holding a YAML bomb',
    { file: null, env: { LOSTROMOS_RESOURCES: yamlBomb() } },
    'LZ_CONFIG_ENV',
    [/resources: the YAML aliases \(\*name\) expand into too many copies/, /env LOSTROMOS_RESOURCES/],
  ),
  row(
    'cfg-flag-unknown',
    'a misspelt flag',
    { file: res(), argv: ['--redis-ulr', 'redis://r:6379'] },
    'LZ_CONFIG_FLAG',
    [/unknown flag --redis-ulr \(did you mean --redis-url\?\)/],
  ),
  row(
    'cfg-flag-single-dash',
    'a flag with one dash',
    { file: res(), argv: ['-config', 'x'] },
    'LZ_CONFIG_FLAG',
    [/unknown flag -config \(flags are spelled --name\)/],
  ),
  row(
    'cfg-flag-missing-value',
    'a flag without its value',
    { file: res(), argv: ['--redis'] },
    'LZ_CONFIG_FLAG',
    [/--redis: missing value \(usage: --redis /],
  ),
  row(
    'cfg-flag-number',
    'a number flag given a word',
    { file: res(), argv: ['--helm-timeout', 'ten'] },
    'LZ_CONFIG_FLAG',
    [/--helm-timeout: expected a number, got "ten"/],
  ),
  row(
    'cfg-flag-invalid-value',
    'a flag value the schema refuses names the flag',
    { file: res(), argv: ['--role', 'boss'] },
    'LZ_CONFIG_INVALID',
    [/role: must be one of "all", "watcher", "worker", "dashboard"; got the string "boss"/, /at flag --role/],
  ),

  // Password files: read when Redis is connected (lostromos start turns these into exit 2, see redis.test.ts).
  row(
    'cfg-password-file-missing',
    'redis.passwordFile that does not exist',
    { file: 'redis: { passwordFile: ./secrets/redis-password }\n' + res(), connect: true },
    'LZ_REDIS_CONFIG',
    [
      /redis\.passwordFile: cannot read the password file .*secrets\/redis-password \(no such file\)/,
      /mount the Secret there or fix the path/,
    ],
  ),
  row(
    'cfg-password-file-folder',
    'redis.passwordFile that is a folder',
    { file: 'redis: { passwordFile: ./secrets }\n' + res(), files: { 'secrets/.keep': '' }, connect: true },
    'LZ_REDIS_CONFIG',
    [/redis\.passwordFile: cannot read the password file .*secrets \(is a directory, not a file\)/],
  ),
  row(
    'cfg-sentinel-password-file-missing',
    'redis.sentinelPasswordFile that does not exist',
    {
      file:
        'redis: { sentinels: ["127.0.0.1:1"], sentinelName: m, sentinelPasswordFile: ./sentinel-pw }\n' +
        res(),
      connect: true,
    },
    'LZ_REDIS_CONFIG',
    [/redis\.sentinelPasswordFile: cannot read the password file .*sentinel-pw \(no such file\)/],
  ),
  invalid(
    'cfg-password-file-empty',
    'redis.passwordFile: "" (empty)',
    'redis: { passwordFile: "" }\n' + res(),
    [/redis\.passwordFile: must not be empty/],
  ),
];
