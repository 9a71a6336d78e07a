import path from 'node:path';
import type { ExampleSet } from './example-sets.js';

export interface ReadyLinesInput {
  kubeconfig: string;
  dashboardUrl: string;
  password: string;
  /** Every role process with the port of its /metrics, /healthz, /readyz; the first is the watcher. */
  roles: readonly { label: string; port: number }[];
  sets: readonly ExampleSet[];
  cwd: string;
}

/**
 * Pure: what `lostromos dev` prints once everything runs. Scripts read the `dashboard:` and `metrics:`
 * lines (and the `kubeconfig:` line printed earlier), so their format is fixed: `key: VALUE` at the start.
 */
export function formatReadyLines(input: ReadyLinesInput): string[] {
  const k = `kubectl --kubeconfig ${input.kubeconfig}`;
  const watcher = input.roles.find((r) => r.label === 'watcher') ?? input.roles[0];
  const lines = [
    `dashboard: ${input.dashboardUrl}`,
    `dashboard login: admin / ${input.password}`,
    ...(watcher ? [`metrics: http://127.0.0.1:${watcher.port}/metrics`] : []),
    ...input.roles.map((r) => `  ${r.label.padEnd(10)} http://127.0.0.1:${r.port}/readyz`),
    '',
    'Tour (in another terminal):',
    `  export KUBECONFIG=${input.kubeconfig}`,
  ];
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
    const dir = path.relative(input.cwd, first.templatesDir) || first.templatesDir;
    lines.push(`  edit ${dir}/*.yaml: every CR re-renders live`);
  }
  lines.push('Press Ctrl-C to stop everything.');
  return lines;
}
