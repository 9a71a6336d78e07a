import path from 'node:path';
import {
  CONFIG_FLAGS,
  formatFlagHelp,
  loadConfig,
  parseFlags,
  type FlagSpec,
  type LostromosConfig,
  type ResourceConfig,
} from '@lostromos/config';
import { buildDesiredObjects, findPolicyViolations } from '@lostromos/reconcile';
import {
  createHelmRenderer,
  loadTemplateSet,
  mergeValues,
  renderTemplateSet,
  type KubeObject,
} from '@lostromos/render';
import { ExitCode, UsageError, type Command, type CommandContext } from '../command.js';
import {
  readCustomResources,
  readStream,
  readValuesFile,
  toMultiDocYaml,
  withoutFlags,
} from '../render/read-inputs.js';

const RENDER_FLAGS: readonly FlagSpec[] = [
  {
    name: 'cr',
    type: 'string',
    metavar: 'FILE|-',
    description: 'custom resource(s) to render (YAML, one or more documents); - reads standard input',
  },
  {
    name: 'resource',
    type: 'string',
    metavar: 'NAME',
    description: 'resource of --config to use; label value otherwise',
  },
  {
    name: 'values',
    type: 'string',
    metavar: 'FILE',
    description: 'values (YAML mapping) merged over the configured ones',
  },
  {
    name: 'namespace',
    type: 'string',
    metavar: 'NS',
    description: 'namespace of CRs that have none (default "default", as kubectl apply)',
  },
  {
    name: 'chart',
    type: 'string',
    metavar: 'DIR|TGZ',
    description: 'render a Helm chart with the helm binary',
  },
];

const STANDALONE = ['templates', 'chart', 'cr', 'values', 'resource', 'namespace'];
const VALUED = new Set(STANDALONE);

export const RENDER_USAGE = `Usage:
  lostromos render --config FILE --resource NAME --cr FILE|- [--values FILE]
  lostromos render --templates DIR --cr FILE|- [--values FILE] [--resource NAME]
  lostromos render --chart DIR|TGZ --cr FILE|- [--values FILE] [--resource NAME]

Renders custom resources offline and prints the objects exactly as the operator would apply them
(namespace defaulted, Lostrómos labels, owner reference when the CR has a uid) as multi-document YAML.
--cr may hold several CRs (YAML documents, or a kind: List). --cr - reads them from standard input:
  kubectl get character ripley -o yaml | lostromos render --config c.yaml --resource characters --cr -
Without --config, the lostromos.io/resource label is --resource, else the template folder's (or
chart's) name.

With --config, objects the resource's allow policy forbids (other namespaces, cluster-scoped kinds,
kinds not in allow.kinds) fail the command as they would fail the reconcile; without a config they are
only noted on stderr (under the default policy).

Exit codes: 0 rendered, 1 the templates/chart failed (message names file:line) or the allow policy
refuses an object, 2 bad flags, CR or config.

Flags:
${formatFlagHelp([...RENDER_FLAGS, { name: 'templates', type: 'string', metavar: 'DIR', description: 'Handlebars template folder (no config needed)' }, { name: 'config', type: 'string', metavar: 'FILE', description: 'config file' }])}

Also accepted: every flag of \`lostromos start\` that changes the config (e.g. --helm-binary, --helm-timeout).`;

const DEFAULT_ALLOW: ResourceConfig['allow'] = { namespaces: [], clusterScoped: false, kinds: [] };

type RenderFn = (cr: KubeObject) => Promise<{ objects: KubeObject[]; notes: string[] }>;

interface Plan {
  resourceName: string;
  render: RenderFn;
  /** The configured allow policy; undefined without a config (then only reported, not enforced). */
  allow?: ResourceConfig['allow'];
}

async function planFromResource(
  resource: ResourceConfig,
  config: LostromosConfig,
  extraValues: Record<string, unknown> | undefined,
): Promise<Plan> {
  const extra = extraValues ?? {};
  if (resource.helm) {
    // --values is the highest config-side layer: over helm.values, still under the CR.
    const helm = { ...resource.helm, values: mergeValues(resource.helm.values, extra) };
    const renderer = await createHelmRenderer({ ...resource, helm }, { helm: config.helm });
    return {
      resourceName: resource.name,
      render: async (cr) => {
        const r = await renderer.renderDetailed(cr);
        return {
          objects: r.objects,
          notes: r.skippedHooks.map(
            (h) => `skipped Helm hook ${h} (hooks are not applied; see docs/helm-mode.md)`,
          ),
        };
      },
    };
  }
  if (!resource.templates) throw new UsageError(`resource ${resource.name} has neither templates nor helm`);
  const set = await loadTemplateSet(resource.templates);
  const values = mergeValues(resource.values, extra);
  return {
    resourceName: resource.name,
    render: (cr) => Promise.resolve({ objects: renderTemplateSet(set, { cr, values }), notes: [] }),
  };
}

export const renderCommand: Command = {
  name: 'render',
  summary: 'render custom resources offline and print the objects',
  usage: RENDER_USAGE,
  async run(ctx: CommandContext): Promise<number> {
    const { flags, positionals } = parseFlags(ctx.argv, [...CONFIG_FLAGS, ...RENDER_FLAGS]);
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    const crFile = flags.cr;
    if (typeof crFile !== 'string')
      throw new UsageError('--cr FILE is required (--cr - reads the CR from standard input)');
    const str = (name: string): string | undefined =>
      typeof flags[name] === 'string' ? flags[name] : undefined;
    const chart = str('chart');
    const templates = str('templates');
    const configFile = str('config');
    const resourceFlag = str('resource');
    const valuesFile = str('values');
    if ([chart, templates, configFile].filter((x) => x !== undefined).length !== 1) {
      throw new UsageError(
        'give exactly one of --config (with --resource), --templates DIR or --chart DIR|TGZ',
      );
    }
    const namespace = str('namespace') ?? 'default';
    // A CR file usually has no namespace; kubectl apply would put it in the current one.
    let stdinText: string | undefined;
    if (crFile === '-') {
      if (!ctx.stdin) throw new UsageError('--cr -: no standard input to read from; give a file');
      stdinText = await readStream(ctx.stdin);
    }
    const crs = readCustomResources(crFile, ctx.cwd, stdinText).map((cr) =>
      cr.metadata.namespace ? cr : { ...cr, metadata: { ...cr.metadata, namespace } },
    );
    const extraValues = valuesFile === undefined ? undefined : readValuesFile(valuesFile, ctx.cwd);

    let plan: Plan;
    if (configFile !== undefined) {
      const config = loadConfig({
        argv: withoutFlags(ctx.argv, ['cr', 'values', 'resource', 'namespace'], VALUED),
        env: ctx.env,
        cwd: ctx.cwd,
      });
      const names = config.resources.map((r) => r.name);
      const name = resourceFlag ?? (names.length === 1 ? names[0] : undefined);
      if (name === undefined)
        throw new UsageError(
          `--resource NAME is required: the config has ${names.length} resources (${names.join(', ')})`,
        );
      const resource = config.resources.find((r) => r.name === name);
      if (!resource)
        throw new UsageError(
          `--resource ${name}: no such resource in ${configFile} (known: ${names.join(', ') || 'none'})`,
        );
      plan = { ...(await planFromResource(resource, config, extraValues)), allow: resource.allow };
      const expected = `${resource.group}/${resource.version}`;
      for (const cr of crs) {
        if (cr.apiVersion !== expected) {
          ctx.stderr.write(
            `lostromos render: note: ${cr.kind} ${cr.metadata.name ?? ''} is ${cr.apiVersion}, but resource ${resource.name} watches ${expected}: the operator would never render it\n`,
          );
        }
      }
    } else {
      // Standalone: the config only contributes settings such as helm.binary (from env or flags).
      const config = loadConfig({
        argv: withoutFlags(ctx.argv, STANDALONE, VALUED),
        env: ctx.env,
        cwd: ctx.cwd,
      });
      const source = path.resolve(ctx.cwd, (chart ?? templates)!);
      const base = path
        .basename(source)
        .replace(/(-\d[^/]*)?\.(tgz|tar\.gz)$/, '')
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-');
      const resource: ResourceConfig = {
        name: resourceFlag ?? (base || 'render'),
        group: 'render.lostromos.io',
        version: 'v1',
        plural: 'render',
        namespace: '',
        labelSelector: '',
        filterAnnotation: '',
        values: {},
        resyncSeconds: 0,
        concurrency: 1,
        allow: { namespaces: [], clusterScoped: false, kinds: [] },
        ...(chart !== undefined ? { helm: { chart: source, values: {} } } : { templates: source }),
      };
      plan = await planFromResource(resource, config, extraValues);
    }

    const out: KubeObject[] = [];
    const violations: string[] = [];
    for (const cr of crs) {
      const { objects, notes } = await plan.render(cr);
      for (const n of notes) ctx.stderr.write(`lostromos render: note: ${n}\n`);
      const desired = buildDesiredObjects(objects, { cr, resourceName: plan.resourceName });
      // The operator refuses objects outside the resource's allow policy: say so here too.
      violations.push(
        ...findPolicyViolations(desired, {
          cr,
          resourceName: plan.resourceName,
          allow: plan.allow ?? DEFAULT_ALLOW,
        }),
      );
      out.push(...desired);
    }
    if (violations.length > 0 && plan.allow) {
      ctx.stderr.write(
        `lostromos render: the operator would refuse to apply ${violations.length} object(s) (allow policy of resource ${plan.resourceName}):\n${violations.map((v) => `  ${v}`).join('\n')}\n`,
      );
      return ExitCode.failure;
    }
    for (const v of violations)
      ctx.stderr.write(`lostromos render: note: with the default allow policy: ${v}\n`);
    ctx.stdout.write(toMultiDocYaml(out));
    return ExitCode.ok;
  },
};
