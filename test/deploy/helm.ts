/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are untyped JSON */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import YAML from 'yaml';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CHART = path.join(ROOT, 'deploy/helm/lostromos');
export const ALL_FEATURES = path.join(CHART, 'ci/all-features-values.yaml');
export const EXTERNAL_REDIS = path.join(CHART, 'ci/external-redis-values.yaml');
export const SENTINEL_REDIS = path.join(CHART, 'ci/sentinel-redis-values.yaml');

let helmPath: string | undefined;

/** The real helm v4 binary (scripts/install-helm.mjs extracts it once into .tools/helm). */
export function helmBinary(): string {
  helmPath ??= execFileSync(process.execPath, [path.join(ROOT, 'scripts/install-helm.mjs')], {
    encoding: 'utf8',
  }).trim();
  return helmPath;
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function helm(args: readonly string[]): HelmResult {
  const r = spawnSync(helmBinary(), args, { encoding: 'utf8', cwd: ROOT, maxBuffer: 32 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: any;
}

/** `helm template` with the given flags, parsed; throws with helm's stderr when rendering fails. */
export function renderChart(flags: readonly string[] = [], release = 'lz'): K8sObject[] {
  const r = helm(['template', release, CHART, '--namespace', 'lostromos-system', ...flags]);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return YAML.parseAllDocuments(r.stdout, { uniqueKeys: true })
    .map((d) => {
      const [first] = d.errors;
      if (first) throw new Error(`helm template output is not valid YAML: ${first.message}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((d): d is K8sObject => d !== null);
}

export function byKind(objs: readonly K8sObject[], kind: string): K8sObject[] {
  return objs.filter((o) => o.kind === kind);
}

export function find(objs: readonly K8sObject[], kind: string, nameSuffix: string): K8sObject {
  const o = objs.find((x) => x.kind === kind && x.metadata.name.endsWith(nameSuffix));
  if (!o) throw new Error(`no ${kind} named *${nameSuffix}`);
  return o;
}
