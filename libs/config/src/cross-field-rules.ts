import type { ConfigIssue } from './config-error.js';
import { formatPath } from './config-paths.js';
import type { Sources } from './config-sources.js';
import type { ParsedConfig } from './schema.js';

/**
 * Rules the schema cannot express: unique names, one resource per CRD, templates XOR helm, lease timings,
 * exactly one Redis mode.
 */
export function crossFieldIssues(cfg: ParsedConfig, sources: Sources): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Map<string, number>();
  const crds = new Map<string, number>();
  cfg.resources.forEach((r, i) => {
    const at = (...p: (string | number)[]): { path: string; where: string | undefined } => ({
      path: formatPath(['resources', i, ...p]),
      where: sources.where(['resources', i, ...p]),
    });
    const prev = names.get(r.name);
    if (prev !== undefined) {
      issues.push({
        ...at('name'),
        message: `duplicate resource name "${r.name}" (also resources[${prev}].name): names must be unique`,
      });
    } else names.set(r.name, i);
    const crd = `${r.plural}.${r.group}`;
    const prevCrd = crds.get(crd);
    if (prevCrd !== undefined) {
      issues.push({
        ...at('plural'),
        message: `CRD ${crd} is already handled by resources[${prevCrd}]: one resource per CRD`,
      });
    } else crds.set(crd, i);
    if (r.templates === undefined && r.helm === undefined) {
      issues.push({
        ...at(),
        message: 'set one of templates (a folder of Handlebars templates) or helm (a chart)',
      });
    } else if (r.templates !== undefined && r.helm !== undefined) {
      issues.push({ ...at('helm'), message: 'set templates or helm, not both' });
    }
  });
  cfg.worker.resources.forEach((name, i) => {
    if (!names.has(name)) {
      const known = [...names.keys()];
      issues.push({
        path: `worker.resources[${i}]`,
        message: `"${name}" is not a configured resource${known.length ? ` (known: ${known.join(', ')})` : ''}`,
        where: sources.where(['worker', 'resources', i]),
      });
    }
  });
  issues.push(...redisModeIssues(cfg, sources));
  const le = cfg.leaderElection;
  if (le.leaseDurationSeconds <= le.renewDeadlineSeconds) {
    issues.push({
      path: 'leaderElection.leaseDurationSeconds',
      message: `must be greater than renewDeadlineSeconds (${le.renewDeadlineSeconds}), or a standby could take over from a live leader`,
      where: sources.where(['leaderElection', 'leaseDurationSeconds']),
    });
  }
  if (le.renewDeadlineSeconds <= le.retryPeriodSeconds) {
    issues.push({
      path: 'leaderElection.renewDeadlineSeconds',
      message: `must be greater than retryPeriodSeconds (${le.retryPeriodSeconds}), so the leader gets more than one renew attempt`,
      where: sources.where(['leaderElection', 'renewDeadlineSeconds']),
    });
  }
  return issues;
}

/** Fields that only mean something in Sentinel mode. */
const SENTINEL_ONLY = [
  'sentinelName',
  'sentinelUsername',
  'sentinelPasswordFile',
  'sentinelTls',
  'db',
] as const;

/** Exactly one Redis mode: `url` (one Redis) or `sentinels` + `sentinelName` (Redis Sentinel). */
function redisModeIssues(cfg: ParsedConfig, sources: Sources): ConfigIssue[] {
  const r = cfg.redis;
  const at = (field: string): string | undefined => sources.where(['redis', field]);
  const issues: ConfigIssue[] = [];
  if (r.sentinels !== undefined && r.sentinels.length > 0) {
    if (r.url !== undefined) {
      issues.push({
        path: 'redis.url',
        message:
          `redis.url (${at('url') ?? 'set'}) and redis.sentinels (${at('sentinels') ?? 'set'}) are both set: ` +
          'keep redis.url for one Redis, or redis.sentinels with redis.sentinelName for Redis Sentinel, not both',
        where: at('url'),
      });
    }
    if (r.sentinelName === undefined) {
      issues.push({
        path: 'redis.sentinelName',
        message:
          'required with redis.sentinels: the master group name the Sentinels monitor (`sentinel monitor <name> …`), e.g. mymaster',
        where: at('sentinels'),
      });
    }
    return issues;
  }
  for (const field of SENTINEL_ONLY) {
    if (r[field] === undefined) continue;
    issues.push({
      path: `redis.${field}`,
      message:
        'only used with Redis Sentinel: add redis.sentinels (host:port of each Sentinel) or remove it' +
        (field === 'db' ? '; with redis.url put the database in the URL path, e.g. redis://host:6379/2' : ''),
      where: at(field),
    });
  }
  return issues;
}
