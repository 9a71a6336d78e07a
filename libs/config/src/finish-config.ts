import os from 'node:os';
import { resolvePath } from './config-paths.js';
import { DEFAULT_REDIS_URL, type ParsedConfig } from './schema.js';
import type { LostromosConfig, ResourceConfig } from './types.js';

/** A chart value that names a local folder or archive (else it is a remote reference for helm). */
export const LOCAL_CHART = /^(\.{1,2}\/|\/|~\/)|\.(tgz|tar\.gz)$|^\.{1,2}$/;

/** Defaults that depend on other fields, and every path made absolute. */
export function finish(
  cfg: ParsedConfig,
  ctx: {
    base: string;
    home: string | undefined;
    file: string | undefined;
    hostname: string | undefined;
    pid: number | undefined;
  },
): LostromosConfig {
  const abs = (p: string): string => resolvePath(p, ctx.base, ctx.home);
  const resources: ResourceConfig[] = cfg.resources.map((r) => {
    const out: ResourceConfig = {
      name: r.name,
      group: r.group,
      version: r.version,
      plural: r.plural,
      namespace: r.namespace,
      labelSelector: r.labelSelector,
      filterAnnotation: r.filterAnnotation,
      values: r.values,
      resyncSeconds: r.resyncSeconds,
      concurrency: r.concurrency,
      allow: r.allow,
    };
    if (r.kind !== undefined) out.kind = r.kind;
    if (r.rollout !== undefined) out.rollout = r.rollout;
    if (r.templates !== undefined) out.templates = abs(r.templates);
    if (r.helm !== undefined) {
      const h = r.helm;
      out.helm = {
        chart: LOCAL_CHART.test(h.chart) ? abs(h.chart) : h.chart,
        values: h.values,
        releasePrefix: h.releasePrefix ?? 'lostromos',
      };
      if (h.version !== undefined) out.helm.version = h.version;
      if (h.releaseName !== undefined) out.helm.releaseName = h.releaseName;
      if (h.valuesFrom !== undefined) out.helm.valuesFrom = h.valuesFrom.map(abs);
      if (h.checkValues !== undefined) out.helm.checkValues = h.checkValues;
    }
    return out;
  });
  const r = cfg.redis;
  let redis: LostromosConfig['redis'];
  if (r.sentinels !== undefined && r.sentinels.length > 0) {
    // Sentinel mode (cross-field rules made sure there is no url and there is a sentinelName).
    const tls = r.tls ?? false;
    redis = {
      sentinels: r.sentinels,
      sentinelName: r.sentinelName ?? '',
      sentinelTls: r.sentinelTls ?? tls,
      db: r.db ?? 0,
      prefix: r.prefix,
      tls,
    };
    if (r.sentinelUsername !== undefined) redis.sentinelUsername = r.sentinelUsername;
    if (r.sentinelPasswordFile !== undefined) redis.sentinelPasswordFile = abs(r.sentinelPasswordFile);
  } else {
    const url = r.url ?? DEFAULT_REDIS_URL;
    redis = { url, prefix: r.prefix, tls: r.tls ?? url.startsWith('rediss:') };
  }
  if (r.passwordFile !== undefined) redis.passwordFile = abs(r.passwordFile);
  if (r.username !== undefined) redis.username = r.username;
  const auth: LostromosConfig['dashboard']['auth'] = {
    mode: cfg.dashboard.auth.mode,
    username: cfg.dashboard.auth.username,
  };
  if (cfg.dashboard.auth.passwordFile !== undefined) auth.passwordFile = abs(cfg.dashboard.auth.passwordFile);
  if (cfg.dashboard.auth.password !== undefined) auth.password = cfg.dashboard.auth.password;
  return {
    role: cfg.role,
    redis,
    kubernetes: {
      kubeconfig: cfg.kubernetes.kubeconfig === '' ? '' : abs(cfg.kubernetes.kubeconfig),
      context: cfg.kubernetes.context,
      qps: cfg.kubernetes.qps,
      burst: cfg.kubernetes.burst,
    },
    leaderElection: {
      ...cfg.leaderElection,
      identity: cfg.leaderElection.identity || `${ctx.hostname ?? os.hostname()}-${ctx.pid ?? process.pid}`,
    },
    server: cfg.server,
    dashboard: { ...cfg.dashboard, auth },
    log: cfg.log,
    worker: cfg.worker,
    helm: {
      ...cfg.helm,
      binary:
        cfg.helm.binary === '' || !cfg.helm.binary.includes('/') ? cfg.helm.binary : abs(cfg.helm.binary),
    },
    resources,
    configFile: ctx.file ?? '',
  };
}
