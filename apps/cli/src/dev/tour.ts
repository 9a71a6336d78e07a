import path from 'node:path';
import type { ExampleSet } from './example-sets.js';

export interface SummaryInput {
  kubeconfig: string;
  /** The `redis:` line's value, e.g. `redis://127.0.0.1:40123 (from REDIS_URL)`. */
  redis: string;
  /** The `examples:` line's value, e.g. `characters (3 sample CRs), website (2 sample CRs)`. */
  examples: string;
  dashboardUrl: string;
  password: string;
  /** Every role process with the port of its /metrics, /healthz, /readyz, /status; the watcher first. */
  roles: readonly { label: string; port: number }[];
  sets: readonly ExampleSet[];
  cwd: string;
}

/** Pure: the `examples:` line's value. */
export function describeExamples(sets: readonly ExampleSet[]): string {
  return (
    sets
      .map((s) => `${s.name} (${s.samples.length} sample CR${s.samples.length === 1 ? '' : 's'})`)
      .join(', ') || 'none'
  );
}

/** Pure: where things are: the `dashboard:`, `dashboard login:` and `metrics:` lines and every role's port. */
export function formatEndpointLines(input: SummaryInput): string[] {
  const watcher = input.roles.find((r) => r.label === 'watcher') ?? input.roles[0];
  return [
    `dashboard: ${input.dashboardUrl}`,
    `dashboard login: admin / ${input.password}`,
    ...(watcher ? [`metrics: http://127.0.0.1:${watcher.port}/metrics`] : []),
    `roles: ${input.roles.map((r) => `${r.label} :${r.port}`).join(', ')} (/metrics /healthz /readyz /status on 127.0.0.1)`,
  ];
}

/** Pure: the tour, as commands to paste into another terminal. */
export function formatTourLines(input: SummaryInput): string[] {
  const k = `kubectl --kubeconfig ${input.kubeconfig}`;
  const lines = ['Tour (in another terminal):', `  export KUBECONFIG=${input.kubeconfig}`];
  const first = input.sets[0];
  const sample = first?.samples[0];
  if (first) lines.push(`  ${k} get ${first.crd.plural} -A   # the sample CRs and their Ready condition`);
  lines.push(`  ${k} get configmaps,deployments -A -l app.kubernetes.io/managed-by=lostromos`);
  if (first && sample) {
    const ns = sample.metadata.namespace ?? 'default';
    const kind = first.crd.kind.toLowerCase();
    lines.push(
      `  ${k} -n ${ns} edit ${kind} ${sample.metadata.name}   # change the spec…`,
      `  ${k} get configmaps -A -w   # …and watch the objects follow`,
      `  ${k} -n ${ns} delete ${kind} ${sample.metadata.name}   # its objects go too`,
    );
  }
  if (first) {
    const rel = path.relative(input.cwd, first.templatesDir);
    const dir = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : first.templatesDir;
    lines.push(`  edit ${dir}/*.yaml: every CR re-renders live`);
  }
  return lines;
}

/**
 * Pure: what `lostromos dev` prints when everything runs (after its `ready:` line): every useful line, so
 * the last screen of the start-up holds all of them. Scripts read the `kubeconfig:`, `dashboard:` and
 * `metrics:` lines, so their format is fixed: `key: VALUE` at the start of the line.
 */
export function formatSummaryLines(input: SummaryInput): string[] {
  return [
    `kubeconfig: ${input.kubeconfig}`,
    `redis: ${input.redis}`,
    `examples: ${input.examples}`,
    ...formatEndpointLines(input),
    '',
    ...formatTourLines(input),
    'Press Ctrl-C to stop everything.',
  ];
}
