import os from 'node:os';
import { resolvePath } from './config-paths.js';
import type { ParsedConfig } from './schema.js';
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
  const redis: LostromosConfig['redis'] = {
    url: cfg.redis.url,
    prefix: cfg.redis.prefix,
    tls: cfg.redis.tls ?? cfg.redis.url.startsWith('rediss:'),
  };
  if (cfg.redis.passwordFile !== undefined) redis.passwordFile = abs(cfg.redis.passwordFile);
  if (cfg.redis.username !== undefined) redis.username = cfg.redis.username;
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
