/**
 * The scalar config fields that env vars and flags can set, with their names. One table drives the flag
 * parser, the env reader and the generated reference in docs/configuration.md.
 */
export type FieldType = 'string' | 'boolean' | 'number' | 'list' | 'path';

export interface ConfigField {
  /** Path in the config object, e.g. ['redis', 'url']. */
  path: readonly string[];
  type: FieldType;
  /** Flags that set it (without `--`); none for secrets, which must not appear in `ps` output. */
  flags: readonly string[];
  /** Env vars that set it; the first is canonical (LOSTROMOS_ + path in SNAKE_CASE). */
  env: readonly string[];
  description: string;
}

function envName(path: readonly string[]): string {
  return `LOSTROMOS_${path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

function field(
  path: readonly string[],
  type: FieldType,
  flags: readonly string[],
  description: string,
  extraEnv: readonly string[] = [],
): ConfigField {
  return { path, type, flags, env: [envName(path), ...extraEnv], description };
}

export const CONFIG_FIELDS: readonly ConfigField[] = [
  field(['role'], 'string', ['role'], 'processes to run: all, watcher, worker or dashboard'),
  field(['redis', 'url'], 'string', ['redis', 'redis-url'], 'Redis URL (redis:// or rediss://)'),
  field(['redis', 'prefix'], 'string', ['redis-prefix'], 'key prefix of every queue'),
  field(['redis', 'tls'], 'boolean', ['redis-tls'], 'use TLS (default: true for rediss:// URLs)'),
  field(['redis', 'username'], 'string', ['redis-username'], 'Redis ACL user name'),
  field(['redis', 'passwordFile'], 'path', ['redis-password-file'], 'file holding the Redis password'),
  field(
    ['redis', 'sentinels'],
    'list',
    ['redis-sentinels'],
    'Redis Sentinel mode instead of redis.url: host:port of each Sentinel, comma-separated',
  ),
  field(
    ['redis', 'sentinelName'],
    'string',
    ['redis-sentinel-name'],
    'Sentinel mode: the master group name the Sentinels monitor, e.g. mymaster',
  ),
  field(
    ['redis', 'sentinelUsername'],
    'string',
    ['redis-sentinel-username'],
    'Sentinel mode: ACL user on the Sentinels',
  ),
  field(
    ['redis', 'sentinelPasswordFile'],
    'path',
    ['redis-sentinel-password-file'],
    'Sentinel mode: file holding the password of the Sentinels (redis.passwordFile is for the data nodes)',
  ),
  field(
    ['redis', 'sentinelTls'],
    'boolean',
    ['redis-sentinel-tls'],
    'Sentinel mode: use TLS to the Sentinels (default: redis.tls)',
  ),
  field(
    ['redis', 'db'],
    'number',
    ['redis-db'],
    'Sentinel mode: database number (default 0; with redis.url it is the URL path)',
  ),
  field(
    ['kubernetes', 'kubeconfig'],
    'path',
    ['kubeconfig', 'kube-config'],
    'kubeconfig file ("" = KUBECONFIG, ~/.kube/config, in-cluster)',
    ['LOSTROMOS_KUBECONFIG'],
  ),
  field(['kubernetes', 'context'], 'string', ['context'], 'kubeconfig context ("" = current)'),
  field(
    ['kubernetes', 'qps'],
    'number',
    ['kube-api-qps'],
    'Kubernetes API requests per second per process (client-side limiter; 0 = no limit)',
  ),
  field(
    ['kubernetes', 'burst'],
    'number',
    ['kube-api-burst'],
    'Kubernetes API requests allowed at once above qps (when qps > 0)',
  ),
  field(['leaderElection', 'namespace'], 'string', ['lease-namespace'], 'namespace of the Lease'),
  field(['leaderElection', 'leaseName'], 'string', ['lease-name'], 'name of the Lease'),
  field(
    ['leaderElection', 'identity'],
    'string',
    ['identity'],
    'holder identity (default: <hostname>-<pid>)',
  ),
  field(['leaderElection', 'leaseDurationSeconds'], 'number', ['lease-duration'], 'Lease duration'),
  field(['leaderElection', 'renewDeadlineSeconds'], 'number', ['lease-renew-deadline'], 'renew deadline'),
  field(['leaderElection', 'retryPeriodSeconds'], 'number', ['lease-retry-period'], 'retry period'),
  field(
    ['leaderElection', 'shards'],
    'number',
    ['leader-election-shards'],
    'resources are spread over this many shards, one Lease each (`<leaseName>-<i>` when > 1); each watcher replica leads the shards it is preferred for',
  ),
  field(
    ['server', 'address'],
    'string',
    ['server-address'],
    'host:port of /metrics /healthz /readyz /status',
  ),
  field(['server', 'metricsPath'], 'string', ['metrics-endpoint'], 'path of the Prometheus metrics'),
  field(['server', 'statusPath'], 'string', ['status-endpoint'], 'path of the status page'),
  field(['dashboard', 'address'], 'string', ['dashboard-address'], 'host:port of the dashboard'),
  field(
    ['dashboard', 'basePath'],
    'string',
    ['dashboard-base-path'],
    'URL path the dashboard is served under',
  ),
  field(['dashboard', 'readOnly'], 'boolean', ['dashboard-read-only'], 'hide retry/clean/promote actions'),
  field(['dashboard', 'auth', 'mode'], 'string', ['dashboard-auth'], 'basic or none'),
  field(['dashboard', 'auth', 'username'], 'string', ['dashboard-username'], 'basic-auth user', [
    'LOSTROMOS_DASHBOARD_USERNAME',
  ]),
  field(
    ['dashboard', 'auth', 'passwordFile'],
    'path',
    ['dashboard-password-file'],
    'file holding the basic-auth password',
    ['LOSTROMOS_DASHBOARD_PASSWORD_FILE'],
  ),
  field(['dashboard', 'auth', 'password'], 'string', [], 'basic-auth password (env only)', [
    'LOSTROMOS_DASHBOARD_PASSWORD',
  ]),
  field(['log', 'level'], 'string', ['log-level'], 'trace, debug, info, warn, error or fatal'),
  field(['log', 'format'], 'string', ['log-format'], 'json or pretty'),
  field(
    ['worker', 'resources'],
    'list',
    ['worker-resources'],
    'resource names this worker serves ([] = all)',
  ),
  field(['worker', 'shutdownGraceSeconds'], 'number', ['shutdown-grace'], 'time to finish running jobs'),
  field(['worker', 'lockDurationMs'], 'number', ['lock-duration-ms'], 'job lock duration'),
  field(
    ['helm', 'binary'],
    'path',
    ['helm-binary'],
    'helm executable ("" = helm on PATH, else .tools/helm/helm from npm run helm:install)',
  ),
  field(['helm', 'timeoutSeconds'], 'number', ['helm-timeout'], 'timeout of one `helm template`'),
  field(['helm', 'maxConcurrent'], 'number', ['helm-max-concurrent'], 'helm processes at once per worker'),
];

/**
 * The original tool's single-CRD flags (plus a few of ours): together they build a one-resource config
 * without a file. Each is also readable from env LOSTROMOS_<FLAG IN SNAKE_CASE>.
 */
export interface ResourceFlag {
  flag: string;
  key: string;
  type: 'string' | 'path';
  description: string;
}

export const RESOURCE_FLAGS: readonly ResourceFlag[] = [
  { flag: 'crd-name', key: 'name', type: 'string', description: 'CRD plural name, e.g. characters' },
  { flag: 'crd-group', key: 'group', type: 'string', description: 'CRD API group' },
  { flag: 'crd-version', key: 'version', type: 'string', description: 'CRD version, e.g. v1' },
  { flag: 'crd-plural', key: 'plural', type: 'string', description: 'plural (default: --crd-name)' },
  { flag: 'crd-kind', key: 'kind', type: 'string', description: 'kind (default: discovered)' },
  { flag: 'crd-namespace', key: 'namespace', type: 'string', description: 'watch one namespace only' },
  { flag: 'crd-filter', key: 'filterAnnotation', type: 'string', description: 'opt-in annotation key' },
  { flag: 'crd-label-selector', key: 'labelSelector', type: 'string', description: 'label selector' },
  { flag: 'templates', key: 'templates', type: 'path', description: 'template folder' },
  { flag: 'helm-chart', key: 'helm.chart', type: 'string', description: 'Helm chart instead of templates' },
  { flag: 'helm-prefix', key: 'helm.releasePrefix', type: 'string', description: 'release name prefix' },
];

export function resourceFlagEnv(flag: string): string {
  return `LOSTROMOS_${flag.replace(/-/g, '_').toUpperCase()}`;
}
