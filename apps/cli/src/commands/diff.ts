import {
  CONFIG_FLAGS,
  formatFlagHelp,
  isConfigError,
  loadConfig,
  parseFlags,
  type FlagSpec,
  type ResourceConfig,
} from '@lostromos/config';
import { createKubeClient, KubeApiError, KubeClusterPorts, type KubeClient } from '@lostromos/kube';
import {
  buildDesiredObjects,
  describeRef,
  FIELD_MANAGER,
  refKey,
  refOf,
  statusOf,
  type KubeObject,
  type ObjectRef,
} from '@lostromos/reconcile';
import { describeRedis, TemplateStore } from '@lostromos/queue';
import {
  createResourceRenderer,
  createSnapshotRenderer,
  isRenderError,
  shortRevision,
  type ResourceRenderer,
  type TemplateSnapshot,
} from '@lostromos/render';
import YAML from 'yaml';
import { UsageError, type Command, type CommandContext } from '../command.js';
import { connectRedis } from '../connect-redis.js';
import { appliedFieldsOf, project } from '../diff/managed-projection.js';
import { findStoredRevision, revisionFlagProblem } from '../diff/stored-revision.js';
import { unifiedDiff } from '../diff/unified-diff.js';
import { toSafeYaml } from '../render/read-inputs.js';
import { splitApiVersion } from '@lostromos/model';

const DIFF_FLAGS: readonly FlagSpec[] = [
  {
    name: 'resource',
    type: 'string',
    metavar: 'NAME',
    description: 'resource of --config whose CRs to diff',
  },
  { name: 'name', type: 'string', metavar: 'NAME', description: 'one CR (with --namespace)' },
  {
    name: 'namespace',
    type: 'string',
    metavar: 'NS',
    description: 'CRs of this namespace (-n; default: every namespace the resource watches)',
  },
  {
    name: 'selector',
    type: 'string',
    metavar: 'SELECTOR',
    description: 'CRs matching this label selector (-l)',
  },
  {
    name: 'revision',
    type: 'string',
    metavar: 'PREFIX',
    description:
      'render with this stored revision, not the files on disk (6+ hex digits, as status.templateRevision)',
  },
];

/** kubectl's exit codes for diff: 0 no differences, 1 differences, >1 an error. */
export const DiffExit = { same: 0, differs: 1, usage: 2, failure: 3 } as const;

export const diffCommand: Command = {
  name: 'diff',
  summary: 'show what applying the templates on disk would change, per object, without changing anything',
  usage: `Usage:
  lostromos diff --config FILE --resource NAME [--name CR] [-n NS] [-l SELECTOR] [--revision PREFIX]
                 [--kubeconfig FILE] [--context NAME] [--redis URL]

Renders every selected CR of the resource with the templates (or chart) the config names, as they are on
disk now — or, with --revision, with that stored template revision (as a CR's status.templateRevision
names it: the files and values a worker stored in Redis when it loaded them) — server-side applies each
object with dryRun=All as the operator would (field manager "lostromos": admission, defaulting and
validation run, nothing is stored), and prints a unified diff per object like \`kubectl diff\`: objects
that would be created, changed, or pruned (no longer rendered). Only the fields Lostrómos manages are
compared; fields other managers own (status, defaults, others' labels) are not shown.

Exit codes (as kubectl diff): 0 no differences, 1 differences, 2 bad flags or config (also a --revision
that is not 6+ hex digits), 3 an error (a template that fails to render, an API request refused; with
--revision: Redis unreachable, or no stored revision or several start with PREFIX: the message lists them).

Examples:
  lostromos diff --config lostromos.yaml --resource characters                       # the files on disk
  lostromos diff --config lostromos.yaml --resource characters --revision 3f9a1c2b7d4e  # a stored revision

Flags:
${formatFlagHelp([...DIFF_FLAGS, ...CONFIG_FLAGS.filter((f) => ['config', 'kubeconfig', 'context', 'redis'].includes(f.name))])}`,
  async run(ctx: CommandContext): Promise<number> {
    try {
      return await runDiff(ctx);
    } catch (err) {
      // Exit 1 means "differences": an error must never end with it. Bad flags and config (UsageError,
      // ConfigError) exit 2 through runCli; so does a kubeconfig that cannot be used; anything else is 3.
      if (err instanceof UsageError || isConfigError(err)) throw err;
      const e = err instanceof Error ? err : new Error(String(err));
      ctx.stderr.write(`lostromos diff: ${e.message}\n`);
      const code = (err as { code?: unknown }).code;
      if (code === 'LZ_KUBE_CONFIG' || code === 'LZ_REDIS_CONFIG') return DiffExit.usage;
      if (isRenderError(err)) ctx.stderr.write(`  (error code ${err.code}; see docs/templates.md)\n`);
      return DiffExit.failure;
    }
  },
};

/** The diff itself; `run` turns its errors into diff's exit codes. */
async function runDiff(ctx: CommandContext): Promise<number> {
  const argv = ctx.argv.map((a) => ({ '-n': '--namespace', '-l': '--selector' })[a] ?? a);
  const own = new Set(DIFF_FLAGS.map((f) => f.name));
  const { flags, positionals } = parseFlags(argv, [...DIFF_FLAGS, ...CONFIG_FLAGS]);
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (flags.config === undefined && ctx.env.LOSTROMOS_CONFIG === undefined) {
    throw new UsageError('--config FILE is required (the resource and its templates come from it)');
  }
  const configArgv: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!.replace(/^--/, '').split('=')[0]!;
    if (own.has(name)) {
      if (!argv[i]!.includes('=')) i++;
      continue;
    }
    configArgv.push(argv[i]!);
  }
  const config = loadConfig({ argv: configArgv, env: ctx.env, cwd: ctx.cwd });
  const resourceName = flags.resource as string | undefined;
  const resource =
    config.resources.find((r) => r.name === resourceName) ??
    (resourceName === undefined && config.resources.length === 1 ? config.resources[0] : undefined);
  if (!resource) {
    throw new UsageError(
      resourceName === undefined
        ? `--resource NAME is required: one of ${config.resources.map((r) => r.name).join(', ')}`
        : `--resource ${resourceName} is not in the config: one of ${config.resources.map((r) => r.name).join(', ')}`,
    );
  }
  const revision = flags.revision as string | undefined;
  if (revision !== undefined) {
    const problem = revisionFlagProblem(revision, resource.name);
    if (problem) throw new UsageError(problem);
  }
  const name = flags.name as string | undefined;
  const namespace =
    (flags.namespace as string | undefined) ?? (name ? 'default' : resource.namespace || undefined);
  // Read before the cluster is: a wrong prefix is said at once, and Redis is not held while the diff runs.
  const snapshot = revision === undefined ? undefined : await storedRevision(config, resource, revision);
  const openRenderer = (): Promise<ResourceRenderer> =>
    snapshot
      ? createSnapshotRenderer(resource, snapshot, { helm: config.helm })
      : createResourceRenderer(resource, { helm: config.helm, watch: false });
  const kube = createKubeClient({
    kubeconfig: config.kubernetes.kubeconfig || undefined,
    context: config.kubernetes.context || undefined,
    env: ctx.env,
  });
  try {
    return await diffResource(ctx, kube, resource, openRenderer, {
      name,
      namespace,
      selector: (flags.selector as string | undefined) ?? (resource.labelSelector || undefined),
    });
  } finally {
    kube.close();
  }
}

/**
 * The stored template revision `prefix` names in the resource's history (the pin annotation's prefix rules);
 * throws, with what is stored and what to give, when there is none or several, or Redis cannot be reached.
 */
async function storedRevision(
  config: ReturnType<typeof loadConfig>,
  resource: ResourceConfig,
  prefix: string,
): Promise<TemplateSnapshot> {
  const redis = await connectRedis(config);
  try {
    const store = new TemplateStore({ connection: redis, prefix: config.redis.prefix });
    const found = findStoredRevision(prefix, await store.history(resource.name), {
      resource: resource.name,
      where: describeRedis(config.redis),
      prefix: config.redis.prefix,
    });
    if ('error' in found) throw new Error(found.error);
    const snapshot = await store.get(resource.name, found.revision);
    if (!snapshot) {
      throw new Error(
        `template revision ${shortRevision(found.revision)} of resource ${resource.name} was trimmed from the template store (or cannot be read) while this ran: run it again with a revision that \`lostromos rollout status --resource ${resource.name}\` lists`,
      );
    }
    return snapshot;
  } finally {
    redis.disconnect();
  }
}

interface Selection {
  name?: string;
  namespace?: string;
  selector?: string;
}

/** The fields of `obj` that Lostrómos would own, as YAML ('' for none). */
function managedYaml(obj: KubeObject | undefined, fields: ReturnType<typeof appliedFieldsOf>): string {
  if (!obj || !fields) return '';
  const doc = new YAML.Document(project(obj, fields), { sortMapEntries: true });
  return toSafeYaml(doc.toJS());
}

function label(ref: ObjectRef): string {
  const { group: g, version } = splitApiVersion(ref.apiVersion);
  const group = g === '' ? 'core' : g;
  return `${group}.${version}.${ref.kind}.${ref.namespace ? `${ref.namespace}.` : ''}${ref.name}`;
}

async function diffResource(
  ctx: CommandContext,
  kube: KubeClient,
  resource: ResourceConfig,
  openRenderer: () => Promise<ResourceRenderer>,
  sel: Selection,
): Promise<number> {
  const ports = new KubeClusterPorts({
    client: kube.rest,
    discovery: kube.discovery,
    fieldManager: FIELD_MANAGER,
  });
  const base = `/apis/${resource.group}/${resource.version}`;
  let crs: KubeObject[];
  try {
    if (sel.name) {
      const cr = await ports.getCr(
        { group: resource.group, plural: resource.plural, namespace: sel.namespace ?? '', name: sel.name },
        { apiVersion: `${resource.group}/${resource.version}` },
      );
      if (!cr) {
        ctx.stderr.write(
          `lostromos diff: ${resource.plural}.${resource.group} ${sel.namespace ?? ''}/${sel.name} not found\n`,
        );
        return DiffExit.failure;
      }
      crs = [cr];
    } else {
      const path = `${base}${sel.namespace ? `/namespaces/${sel.namespace}` : ''}/${resource.plural}`;
      const res = await kube.rest.request<{ items: KubeObject[] }>({
        method: 'GET',
        path,
        query: sel.selector ? { labelSelector: sel.selector } : {},
      });
      crs = res.body.items.map((cr) => ({ ...cr, apiVersion: `${resource.group}/${resource.version}` }));
    }
  } catch (err) {
    ctx.stderr.write(`lostromos diff: cannot read the CRs of ${resource.name}: ${(err as Error).message}\n`);
    return DiffExit.failure;
  }
  const renderer = await openRenderer();
  let differs = false;
  let failed = false;
  try {
    for (const cr of crs) {
      const crName = `${cr.metadata.namespace ? `${cr.metadata.namespace}/` : ''}${cr.metadata.name}`;
      if (resource.filterAnnotation && cr.metadata.annotations?.[resource.filterAnnotation] === undefined)
        continue;
      let desired: KubeObject[];
      try {
        const rendered = await renderer.render(cr);
        const scopes = new Map<string, boolean>();
        for (const o of rendered) {
          const k = `${o.apiVersion}/${o.kind}`;
          if (!scopes.has(k)) scopes.set(k, await ports.isNamespaced(o.apiVersion, o.kind).catch(() => true));
        }
        desired = buildDesiredObjects(rendered, {
          cr,
          resourceName: resource.name,
          isNamespaced: (apiVersion, kind) => scopes.get(`${apiVersion}/${kind}`),
        });
      } catch (err) {
        failed = true;
        ctx.stderr.write(`lostromos diff: ${resource.name} ${crName}: ${(err as Error).message}\n`);
        continue;
      }
      const wanted = new Set(desired.map((o) => refKey(refOf(o))));
      for (const obj of desired) {
        const ref = refOf(obj);
        try {
          const live = await ports.getObject(ref);
          const merged = await ports.apply(obj, { dryRun: true });
          const fields = appliedFieldsOf(merged, FIELD_MANAGER);
          const text = unifiedDiff(managedYaml(live, fields), managedYaml(merged, fields), {
            from: `live/${label(ref)}`,
            to: `merged/${label(ref)}`,
          });
          if (text) {
            differs = true;
            ctx.stdout.write(
              `# ${crName}: ${describeRef(ref)} would be ${live ? 'changed' : 'created'}\n${text}`,
            );
          }
        } catch (err) {
          failed = true;
          const why = err instanceof KubeApiError ? err.message : (err as Error).message;
          ctx.stderr.write(`lostromos diff: ${crName}: ${describeRef(ref)}: ${why}\n`);
        }
      }
      // Pruned: what the CR's inventory lists, that is still ours and no longer rendered.
      for (const ref of statusOf(cr).resources ?? []) {
        if (wanted.has(refKey(ref))) continue;
        const live = await ports.getObject(ref).catch(() => undefined);
        const owner = live?.metadata.labels?.['lostromos.io/owner-uid'];
        if (!live || (owner !== undefined && owner !== cr.metadata.uid)) continue;
        const fields = appliedFieldsOf(live, FIELD_MANAGER);
        const text = unifiedDiff(managedYaml(live, fields), '', {
          from: `live/${label(ref)}`,
          to: `merged/${label(ref)}`,
        });
        if (text) {
          differs = true;
          ctx.stdout.write(`# ${crName}: ${describeRef(ref)} would be pruned\n${text}`);
        }
      }
    }
  } finally {
    await renderer.close();
  }
  if (failed) return DiffExit.failure;
  return differs ? DiffExit.differs : DiffExit.same;
}
