/** The validated, defaulted and deep-frozen Lostrómos configuration. */
export interface LostromosConfig {
  /** Which processes `lostromos start` runs in this process. */
  role: Role;
  /**
   * One Redis at `url` (plain mode, the default) or the master of `sentinelName` found through `sentinels`
   * (Sentinel mode): exactly one of `url` and `sentinels` is set. `tls`, `username` and `passwordFile` are for
   * the data nodes in both modes; the `sentinel*` fields for the Sentinels themselves.
   */
  redis: RedisConfig;
  /**
   * kubeconfig "" = KUBECONFIG env, ~/.kube/config, in-cluster (client-node's default order); qps/burst = the
   * client-side request limiter of each process (token bucket: `burst` requests at once, refilled at `qps`/s);
   * qps 0 (the default) = no client-side limit: the API server's Priority and Fairness protects it (429 +
   * Retry-After, honoured by the client) and worker concurrency bounds the requests in flight.
   */
  kubernetes: { kubeconfig: string; context: string; qps: number; burst: number };
  leaderElection: {
    namespace: string;
    leaseName: string;
    identity: string;
    leaseDurationSeconds: number;
    renewDeadlineSeconds: number;
    retryPeriodSeconds: number;
    /** Resources are spread over this many shards, one Lease each, so several watchers lead at once. */
    shards: number;
  };
  server: { address: string; metricsPath: string; statusPath: string };
  dashboard: {
    address: string;
    basePath: string;
    readOnly: boolean;
    auth: { mode: 'basic' | 'none'; username: string; passwordFile?: string; password?: string };
  };
  log: { level: LogLevel; format: 'json' | 'pretty' };
  worker: { resources: string[]; shutdownGraceSeconds: number; lockDurationMs: number };
  helm: { binary: string; timeoutSeconds: number; maxConcurrent: number };
  resources: ResourceConfig[];
  /** Absolute path of the config file, or "" when built from flags/env only. */
  configFile: string;
}

export interface RedisConfig {
  /** Plain mode (absent in Sentinel mode). */
  url?: string;
  /** Sentinel mode (absent in plain mode): at least one. */
  sentinels?: Array<{ host: string; port: number }>;
  sentinelName?: string;
  sentinelUsername?: string;
  sentinelPasswordFile?: string;
  /** Sentinel mode: TLS to the Sentinels; defaults to `tls`. */
  sentinelTls?: boolean;
  /** Sentinel mode: database number (default 0); plain mode takes it from the URL path. */
  db?: number;
  prefix: string;
  tls: boolean;
  passwordFile?: string;
  username?: string;
}

export const ROLES = ['all', 'watcher', 'worker', 'dashboard'] as const;
export type Role = (typeof ROLES)[number];
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface HelmSourceConfig {
  /** Absolute path of a chart directory or .tgz, or a remote reference (`repo/name`, `oci://…`). */
  chart: string;
  version?: string;
  /** A fixed release name for every CR; default `<releasePrefix>-<cr name>`. */
  releaseName?: string;
  /** Default "lostromos" (the original tool's default). */
  releasePrefix?: string;
  values: Record<string, unknown>;
  /** Absolute paths of values files, merged in order before `values`. */
  valuesFrom?: string[];
  /**
   * Refuse CRs whose string values change the structure of the chart's output (a second render with inert
   * stand-ins, docs/helm-mode.md). Default true; false only for a chart that branches on such values.
   */
  checkValues?: boolean;
}

export interface ResourceConfig {
  name: string;
  group: string;
  version: string;
  plural: string;
  kind?: string;
  /** "" = all namespaces. */
  namespace: string;
  labelSelector: string;
  filterAnnotation: string;
  /** Absolute path, resolved relative to the config file. */
  templates?: string;
  helm?: HelmSourceConfig;
  values: Record<string, unknown>;
  resyncSeconds: number;
  concurrency: number;
  /** namespaces [] = only the CR's own namespace; kinds [] = any kind. */
  allow: { namespaces: string[]; clusterScoped: boolean; kinds: string[] };
  /** Staged rollout of template changes (docs/changing-templates.md); absent: every CR re-renders at once. */
  rollout?: RolloutConfig;
}

/** `resources[].rollout`: a new template revision reaches the CRs in waves. */
export interface RolloutConfig {
  /** CRs per wave: a number, or a percentage of the resource's CRs ("25%"). */
  batchSize: number | string;
  /** Seconds between a wave's CRs being Ready and the next wave. */
  pauseSeconds: number;
  /** More failed (or not-ready-in-time) CRs than this pause the rollout by itself. */
  maxFailures: number;
  /** Wait for each wave's CRs to be Ready (true) or only applied (false). */
  readiness: boolean;
  /** A CR not Ready with the new revision this long after its wave started counts as failed. */
  readinessTimeoutSeconds: number;
}
