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
import { engineFor, type KubeObject } from '@lostromos/render';
import { ExitCode, UsageError, type Command, type CommandContext } from '../command.js';
import { findTemplateCrds } from '../dev/example-sets.js';
import {
  groupOf,
  namespaceProblem,
  readCustomResources,
  readStream,
  readValuesFile,
  toMultiDocYaml,
  withoutFlags,
  type CrDocument,
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
    description:
      'resource of --config to use (default: the one the CRs belong to by group/kind); label value otherwise',
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
  lostromos render --config FILE [--resource NAME] --cr FILE|- [--values FILE]
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

Every --cr document must be a custom resource the templates are for: not a CRD or a built-in kind,
of the resource's group (and kind, when the config names it) with --config, and of a CRD found in
the template folder's sub-folders (e.g. examples/crd.yaml), when there is one.

Exit codes: 0 rendered, 1 the templates/chart failed (message names file:line) or the allow policy
refuses an object, 2 bad flags, CR or config (the CR of another kind, a CRD, a bad --namespace).

Flags:
${formatFlagHelp([...RENDER_FLAGS, { name: 'templates', type: 'string', metavar: 'DIR', description: 'Handlebars template folder (no config needed)' }, { name: 'config', type: 'string', metavar: 'FILE', description: 'config file' }])}

Also accepted: every flag of \`lostromos start\` that changes the config (e.g. --helm-binary, --helm-timeout).`;

const DEFAULT_ALLOW: ResourceConfig['allow'] = { namespaces: [], clusterScoped: false, kinds: [] };

const article = (word: string): string => (/^[AEIOU]/.test(word) ? 'an' : 'a');

/**
 * Refuses a CR the templates are not for: with a config, one of another API group than the resource's (or
 * another kind, when the config names it), pointing at the resource it belongs to when there is one; for a
 * template folder with a CRD in a sub-folder (examples/crd.yaml), one of a kind that CRD does not define.
 * A different version of the right group and kind is only noted: the operator reads the CR at its version.
 */
async function checkKinds(
  docs: readonly CrDocument[],
  opts: {
    resource?: ResourceConfig;
    config?: LostromosConfig;
    templatesDir?: string;
    cwd: string;
    note: (line: string) => void;
  },
): Promise<void> {
  const { resource, config } = opts;
  const crds = opts.templatesDir ? await findTemplateCrds(opts.templatesDir) : [];
  const rel = (p: string): string => {
    const r = path.relative(opts.cwd, p);
    return r && !r.startsWith('..') && !path.isAbsolute(r) ? r : p;
  };
  for (const { cr, where } of docs) {
    const group = groupOf(cr.apiVersion);
    const what = `${where} is ${article(cr.kind)} ${cr.kind} (${cr.apiVersion})`;
    if (resource && config) {
      const kind =
        resource.kind ??
        crds.find((c) => c.info.group === resource.group && c.info.plural === resource.plural)?.info.kind;
      if (group !== resource.group || (kind !== undefined && cr.kind !== kind)) {
        const other = config.resources.find(
          (r) => r !== resource && r.group === group && (r.kind === undefined || r.kind === cr.kind),
        );
        const wanted = kind ? `${article(kind)} ${kind}` : `a CR of ${resource.group}`;
        const fix = other
          ? `use --resource ${other.name} for it`
          : group === resource.group
            ? `give ${wanted}`
            : `give ${wanted}, or add a resource for ${group} to ${rel(config.configFile || 'the config')}`;
        throw new UsageError(
          `${what}, but resource ${resource.name} renders ${resource.group}/${resource.version} ${kind ?? resource.plural}: ${fix}`,
        );
      }
      if (cr.apiVersion !== `${resource.group}/${resource.version}`) {
        opts.note(
          `${cr.kind} ${cr.metadata.name} is ${cr.apiVersion}, but resource ${resource.name} reads ${resource.group}/${resource.version}: the operator renders the CR as the API server serves it at ${resource.version}`,
        );
      }
      continue;
    }
    if (crds.length > 0 && !crds.some((c) => c.info.group === group && c.info.kind === cr.kind)) {
      const [first] = crds;
      const kinds = [...new Set(crds.map((c) => `${c.info.kind} (${c.info.group}/${c.info.version})`))];
      throw new UsageError(
        `${what}, but the templates in ${rel(opts.templatesDir!)} are for ${kinds.join(' or ')}, per ${rel(first!.file)}: give ${article(first!.info.kind)} ${first!.info.kind}, or the templates of ${cr.kind}`,
      );
    }
  }
}

type RenderFn = (cr: KubeObject) => Promise<{ objects: KubeObject[]; notes: string[] }>;

interface Plan {
  resourceName: string;
  render: RenderFn;
  /** The configured allow policy; undefined without a config (then only reported, not enforced). */
  allow?: ResourceConfig['allow'];
}

/**
 * How the operator would render the resource's CRs: through the same engine registry as the workers (a
 * Handlebars folder or a chart, whichever the resource names), with `--values` layered over the configured
 * values and still under the CR's own.
 */
async function planFromResource(
  resource: ResourceConfig,
  config: LostromosConfig,
  extraValues: Record<string, unknown> | undefined,
): Promise<Plan> {
  const engine = engineFor(resource);
  const withValues = extraValues ? engine.withExtraValues(resource, extraValues) : resource;
  const loaded = await engine.load(withValues, { helm: config.helm });
  return { resourceName: resource.name, render: (cr) => loaded.renderWithNotes(cr) };
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
    const badNamespace = namespaceProblem(namespace);
    if (badNamespace) throw new UsageError(`--namespace: ${badNamespace}`);
    // A CR file usually has no namespace; kubectl apply would put it in the current one.
    let stdinText: string | undefined;
    if (crFile === '-') {
      if (!ctx.stdin) throw new UsageError('--cr -: no standard input to read from; give a file');
      stdinText = await readStream(ctx.stdin);
    }
    const crDocs = readCustomResources(crFile, ctx.cwd, stdinText).map(({ cr, where }) => ({
      where,
      cr: cr.metadata.namespace ? cr : { ...cr, metadata: { ...cr.metadata, namespace } },
    }));
    const crs = crDocs.map((d) => d.cr);
    const note = (line: string): void => void ctx.stderr.write(`lostromos render: note: ${line}\n`);
    const extraValues = valuesFile === undefined ? undefined : readValuesFile(valuesFile, ctx.cwd);

    let plan: Plan;
    if (configFile !== undefined) {
      const config = loadConfig({
        argv: withoutFlags(ctx.argv, ['cr', 'values', 'resource', 'namespace'], VALUED),
        env: ctx.env,
        cwd: ctx.cwd,
      });
      const names = config.resources.map((r) => r.name);
      // Without --resource: the only resource, else the one whose group (and kind, if named) every CR has.
      const matching = config.resources.filter((r) =>
        crs.every((cr) => groupOf(cr.apiVersion) === r.group && (r.kind === undefined || r.kind === cr.kind)),
      );
      const name =
        resourceFlag ??
        (names.length === 1 ? names[0] : matching.length === 1 ? matching[0]!.name : undefined);
      if (name === undefined)
        throw new UsageError(
          `--resource NAME is required: the config has ${names.length} resources (${names.join(', ')})${matching.length > 1 ? ` and the CRs fit ${matching.map((r) => r.name).join(' and ')}` : ''}`,
        );
      const resource = config.resources.find((r) => r.name === name);
      if (!resource)
        throw new UsageError(
          `--resource ${name}: no such resource in ${configFile} (known: ${names.join(', ') || 'none'})`,
        );
      await checkKinds(crDocs, {
        resource,
        config,
        ...(resource.templates ? { templatesDir: resource.templates } : {}),
        cwd: ctx.cwd,
        note,
      });
      plan = { ...(await planFromResource(resource, config, extraValues)), allow: resource.allow };
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
      // A chart's crds/ are CRDs it installs, not the kind it renders for: only template folders are checked.
      if (templates !== undefined) await checkKinds(crDocs, { templatesDir: source, cwd: ctx.cwd, note });
      plan = await planFromResource(resource, config, extraValues);
    }

    const out: KubeObject[] = [];
    const violations: string[] = [];
    for (const cr of crs) {
      const { objects, notes } = await plan.render(cr);
      for (const n of notes) note(n);
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
