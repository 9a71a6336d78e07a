import type { ConfigIssue } from './config-error.js';
import { formatPath } from './config-paths.js';
import type { Sources } from './config-sources.js';
import type { ParsedConfig } from './schema.js';

/** Rules the schema cannot express: unique names, one resource per CRD, templates XOR helm, lease timings. */
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
