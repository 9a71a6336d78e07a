import type { ExampleSet } from './example-sets.js';

/** One `resources[]` entry of the generated config (the shape of docs/configuration.md). */
export interface DevResource {
  name: string;
  group: string;
  version: string;
  plural: string;
  kind?: string;
  templates?: string;
  [field: string]: unknown;
}

export interface DevConfigInput {
  redisUrl: string;
  kubeconfig: string;
  dashboardAddress: string;
  resources: readonly DevResource[];
  logLevel: string;
  logFormat: 'json' | 'pretty';
}

/** Pure: a resource entry for an example set (its folder name is the resource name). */
export function resourceForExample(set: ExampleSet): DevResource {
  return {
    name: set.name,
    group: set.crd.group,
    version: set.crd.version,
    plural: set.crd.plural,
    kind: set.crd.kind,
    templates: set.templatesDir,
    // Short resync so the tour's "watch the objects change" is visible quickly.
    resyncSeconds: 120,
  };
}

/**
 * Pure: the config every dev child process loads. Short lease timings so a restart re-elects quickly,
 * a 2 s shutdown grace so Ctrl-C stops everything within a few seconds, basic auth on a loopback-only
 * dashboard (the password reaches the dashboard process through LOSTROMOS_DASHBOARD_PASSWORD, never a file).
 */
export function buildDevConfig(input: DevConfigInput): Record<string, unknown> {
  return {
    redis: { url: input.redisUrl, prefix: 'lostromos-dev' },
    kubernetes: { kubeconfig: input.kubeconfig },
    leaderElection: {
      namespace: 'default',
      leaseName: 'lostromos-dev-watcher',
      leaseDurationSeconds: 6,
      renewDeadlineSeconds: 4,
      retryPeriodSeconds: 1,
    },
    dashboard: {
      address: input.dashboardAddress,
      basePath: '/',
      // A local playground: allow retry/clean/promote in Bull Board.
      readOnly: false,
      auth: { mode: 'basic', username: 'admin' },
    },
    log: { level: input.logLevel, format: input.logFormat },
    worker: { shutdownGraceSeconds: 2, lockDurationMs: 30_000 },
    resources: input.resources,
  };
}
