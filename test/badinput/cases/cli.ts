// The CLI: bad flags, missing files, bad --namespace, CRs of the wrong kind, a CRD given as --cr, empty standard
// input, broken configs and templates. Every row runs `lostromos <args>` in a workspace holding the files of
// CLI_WORKSPACE (fixtures/files.ts) and checks the exit code (0 ok, 1 runtime failure, 2 usage or config; diff:
// 3 error) and what stderr says. Rows run in-process through runCli (the same function main.js calls, with the
// same streams and exit code); `process: true` rows run the built binary, where the real process is the point.
import type { BadInput, Expectation } from '../corpus.ts';
import { CLI_WORKSPACE } from '../fixtures/files.ts';

export interface CliInput {
  args: string[];
  /** Standard input (`--cr -`); absent: none. */
  stdin?: string;
  env?: Record<string, string>;
  /** Run apps/cli/dist/main.js as a child process instead of runCli in-process. */
  process?: true;
}

export interface CliExpect extends Expectation {
  exit: number;
  /** Patterns standard output must match (rows that render). */
  stdout?: RegExp[];
  /** Number of YAML documents on standard output. */
  documents?: number;
}

export type CliRow = BadInput<CliInput, CliExpect>;

const USAGE = (cmd: string): RegExp => new RegExp(`run \`lostromos ${cmd} --help\` for its flags`);

const row = (id: string, title: string, input: CliInput, expect: CliExpect, finding?: string): CliRow => ({
  id,
  category: 'cli',
  title,
  input,
  expect,
  ...(finding ? { finding } : {}),
});

const render = (...args: string[]): string[] => ['render', '--config', 'c.yaml', ...args];
const probe = (...args: string[]): string[] => ['render', '--config', 'probes.yaml', ...args];

export const CLI_ROWS: CliRow[] = [
  // Commands and flags.
  row(
    'cli-no-command',
    'no command at all',
    { args: [] },
    { exit: 2, message: [/Usage: lostromos <command>/, /Run `lostromos <command> --help`/] },
  ),
  row(
    'cli-unknown-command',
    'a misspelt command',
    { args: ['rendr'] },
    {
      exit: 2,
      message: [
        /lostromos: unknown command "rendr" \(commands: version, validate, render/,
        /run `lostromos --help`/,
      ],
    },
  ),
  row(
    'cli-unknown-flag',
    'a misspelt flag',
    { args: ['render', '--tempaltes', 't', '--cr', 'cr.yaml'] },
    {
      exit: 2,
      message: [/lostromos render: unknown flag --tempaltes \(did you mean --templates\?\)/, USAGE('render')],
    },
  ),
  row(
    'cli-flag-missing-value',
    'a flag without its value',
    { args: render('--cr') },
    {
      exit: 2,
      message: [/lostromos render: --cr: missing value \(usage: --cr FILE\|-\)/, USAGE('render')],
    },
  ),
  row(
    'cli-flag-not-a-number',
    'a number flag given a word',
    { args: render('--cr', 'cr.yaml', '--helm-timeout', 'ten') },
    {
      exit: 2,
      message: [/lostromos render: --helm-timeout: expected a number, got "ten"/, USAGE('render')],
    },
  ),
  row(
    'cli-cr-required',
    'render without --cr',
    { args: ['render', '--templates', 't'] },
    {
      exit: 2,
      message: [
        /lostromos render: --cr FILE is required \(--cr - reads the CR from standard input\)/,
        USAGE('render'),
      ],
    },
  ),
  row(
    'cli-two-sources',
    'render with --templates and --chart',
    { args: ['render', '--templates', 't', '--chart', 't', '--cr', 'cr.yaml'] },
    {
      exit: 2,
      message: [/give exactly one of --config \(with --resource\), --templates DIR or --chart DIR\|TGZ/],
    },
  ),
  row(
    'cli-unexpected-argument',
    'a stray argument',
    { args: ['validate', '--config', 'c.yaml', 'extra'] },
    {
      exit: 2,
      message: [/lostromos validate: unexpected argument extra/, USAGE('validate')],
    },
  ),
  row(
    'cli-validate-no-config',
    'validate without --config',
    { args: ['validate'] },
    {
      exit: 2,
      message: [/lostromos validate: --config FILE is required/, USAGE('validate')],
    },
  ),
  row(
    'cli-start-no-config',
    'start without --config or single-CRD flags',
    { args: ['start', '--role', 'worker'] },
    {
      exit: 2,
      message: [
        /lostromos start: --config FILE is required \(or the single-CRD flags --crd-name/,
        USAGE('start'),
      ],
    },
  ),
  row(
    'cli-start-bad-role',
    'start --role boss',
    { args: ['start', '--config', 'c.yaml', '--role', 'boss'] },
    {
      exit: 2,
      message: [
        /lostromos start: config: role: must be one of "all", "watcher", "worker", "dashboard"; got the string "boss"/,
        /at flag --role/,
      ],
    },
  ),
  row(
    'cli-diff-no-config',
    'diff without --config',
    { args: ['diff'] },
    {
      exit: 2,
      message: [/lostromos diff: --config FILE is required/, USAGE('diff')],
    },
  ),
  row(
    'cli-diff-unknown-resource',
    'diff --resource that is not configured',
    { args: ['diff', '--config', 'c.yaml', '--resource', 'nope'] },
    {
      exit: 2,
      message: [/lostromos diff: --resource nope is not in the config: one of things/],
    },
  ),
  row(
    'cli-sim-extra-argument',
    'sim with a stray argument',
    { args: ['sim', 'extra'] },
    {
      exit: 2,
      message: [/lostromos sim: unexpected argument extra/, USAGE('sim')],
    },
  ),

  // Missing and wrong files.
  row(
    'cli-cr-missing',
    '--cr naming a file that does not exist',
    { args: render('--cr', 'missing.yaml') },
    {
      exit: 2,
      message: [/lostromos render: --cr missing\.yaml: no such file/, USAGE('render')],
    },
  ),
  row(
    'cli-cr-folder',
    '--cr naming a folder',
    { args: render('--cr', 't') },
    {
      exit: 2,
      message: [/lostromos render: --cr t: is a folder/],
    },
  ),
  row(
    'cli-config-missing',
    '--config naming a file that does not exist',
    { args: ['render', '--config', 'missing.yaml', '--cr', 'cr.yaml'] },
    {
      exit: 2,
      message: [/lostromos render: config: cannot read config file .*missing\.yaml: no such file/],
    },
  ),
  row(
    'cli-templates-missing',
    '--templates naming a folder that does not exist',
    { args: ['render', '--templates', 'nope', '--cr', 'cr.yaml'] },
    {
      exit: 1,
      message: [
        /lostromos render: cannot read template folder .*\/nope: no such folder/,
        /error code LZ_RENDER_TEMPLATE_DIR/,
      ],
    },
  ),
  row(
    'cli-values-missing',
    '--values naming a file that does not exist',
    { args: render('--cr', 'cr.yaml', '--values', 'missing.yaml') },
    {
      exit: 2,
      message: [/lostromos render: --values missing\.yaml: no such file/],
    },
  ),
  row(
    'cli-values-list',
    '--values holding a list instead of a mapping',
    { args: render('--cr', 'cr.yaml', '--values', 'list.yaml') },
    {
      exit: 2,
      message: [/lostromos render: --values list\.yaml: must be a YAML mapping \(key: value\)/],
    },
  ),
  row(
    'cli-values-bomb',
    '--values holding a YAML bomb: a usage error that says so in words',
    { args: render('--cr', 'cr.yaml', '--values', 'bomb.yaml') },
    {
      exit: 2,
      message: [
        /lostromos render: --values bomb\.yaml: the YAML aliases \(\*name\) expand into too many copies \(a "YAML bomb"; at most 100\)/,
        /write the repeated values out/,
        /\(line \d+\)/,
      ],
    },
  ),
  row(
    'cli-resource-unknown',
    '--resource that is not in the config',
    { args: render('--cr', 'cr.yaml', '--resource', 'nope') },
    {
      exit: 2,
      message: [/lostromos render: --resource nope: no such resource in c\.yaml \(known: things\)/],
    },
  ),

  // --namespace.
  row(
    'cli-namespace-space',
    "--namespace 'Bad NS'",
    { args: render('--cr', 'cr.yaml', '--namespace', 'Bad NS') },
    {
      exit: 2,
      message: [
        /lostromos render: --namespace: "Bad NS" is not a valid namespace name/,
        /at most 63 lowercase letters, digits and "-"/,
        /e\.g\. team-a/,
      ],
    },
  ),
  row(
    'cli-namespace-long',
    '--namespace of 64 characters',
    { args: render('--cr', 'cr.yaml', '--namespace', 'n'.repeat(64)) },
    {
      exit: 2,
      message: [/--namespace: "n{64}" is not a valid namespace name/, /at most 63/],
    },
  ),
  row(
    'cli-namespace-dash',
    '--namespace starting with "-"',
    { args: render('--cr', 'cr.yaml', '--namespace', '-team') },
    {
      exit: 2,
      message: [
        /--namespace: "-team" is not a valid namespace name/,
        /starting and ending with a letter or digit/,
      ],
    },
  ),
  row(
    'cli-cr-namespace',
    'a CR whose metadata.namespace is invalid',
    { args: render('--cr', 'bad-namespace-cr.yaml') },
    {
      exit: 2,
      message: [
        /--cr bad-namespace-cr\.yaml: document 1: metadata\.namespace "Team A" is not a valid namespace name/,
      ],
    },
  ),

  // CRs of the wrong kind.
  row(
    'cli-cr-other-group',
    'a CR of another group than the resource',
    { args: render('--cr', 'other.yaml') },
    {
      exit: 2,
      message: [
        /--cr other\.yaml: document 1 is an Other \(other\.example\.io\/v1\), but resource things renders things\.example\.io\/v1 Thing/,
        /give a Thing, or add a resource for other\.example\.io to c\.yaml/,
      ],
    },
  ),
  row(
    'cli-cr-other-kind',
    'a CR of the right group but another kind',
    { args: render('--cr', 'other-kind.yaml') },
    {
      exit: 2,
      message: [
        /document 1 is a Gadget \(things\.example\.io\/v1\), but resource things renders .* Thing: give a Thing/,
      ],
    },
  ),
  row(
    'cli-cr-is-crd',
    'the CRD given as --cr',
    { args: render('--cr', 'crd.yaml') },
    {
      exit: 2,
      message: [
        /--cr crd\.yaml: document 1 is the CustomResourceDefinition things\.things\.example\.io, not a custom resource/,
        /give a Thing of it \(apiVersion: things\.example\.io\/v1, kind: Thing\)/,
      ],
    },
  ),
  row(
    'cli-cr-builtin',
    'a built-in object (ConfigMap) given as --cr',
    { args: render('--cr', 'configmap.yaml') },
    {
      exit: 2,
      message: [
        /document 1 is a ConfigMap \(v1\), a built-in Kubernetes kind, not a custom resource/,
        /give a CR of the CRD the templates are for/,
      ],
    },
  ),
  row(
    'cli-cr-crd-in-list',
    'a kind: List with a CRD among the items',
    { args: render('--cr', 'list-with-crd.yaml') },
    {
      exit: 2,
      message: [/document 1 \(List\) item 2 is the CustomResourceDefinition/],
    },
  ),
  row(
    'cli-cr-templates-crd',
    "with --templates, a CR the folder's CRD does not define",
    { args: ['render', '--templates', 't', '--cr', 'other.yaml'] },
    {
      exit: 2,
      message: [
        /document 1 is an Other .*, but the templates in t are for Thing \(things\.example\.io\/v1\), per t\/examples\/crd\.yaml/,
        /give a Thing/,
      ],
    },
  ),
  row(
    'cli-cr-no-name',
    'a CR without metadata.name',
    { args: render('--cr', 'nameless-cr.yaml') },
    {
      exit: 2,
      message: [
        /--cr nameless-cr\.yaml: document 1 is not a custom resource \(needs apiVersion, kind and metadata\.name\)/,
      ],
    },
  ),
  row(
    'cli-cr-not-yaml',
    'a CR file that is not YAML',
    { args: render('--cr', 'not-yaml.yaml') },
    {
      exit: 2,
      message: [/--cr not-yaml\.yaml: not valid YAML/],
    },
  ),
  row(
    'cli-cr-empty',
    'an empty CR file',
    { args: render('--cr', 'empty.yaml') },
    {
      exit: 2,
      message: [/--cr empty\.yaml: no custom resource in the file/],
    },
  ),
  row(
    'cli-cr-yaml-bomb',
    'a CR file that is a YAML bomb: a usage error naming the file',
    { args: render('--cr', 'bomb-cr.yaml') },
    {
      exit: 2,
      message: [
        /lostromos render: --cr bomb-cr\.yaml: the YAML aliases \(\*name\) expand into too many copies \(a "YAML bomb"/,
        /write the repeated values out/,
        /\(line \d+\)/,
      ],
    },
  ),
  row(
    'cli-cr-self-alias',
    'a CR whose spec contains itself (&s … *s): a usage error naming the alias',
    { args: render('--cr', 'circular-cr.yaml') },
    {
      exit: 2,
      message: [
        /lostromos render: --cr circular-cr\.yaml: the alias \*s refers to a node that contains it \(a circular structure/,
        /write the value out instead \(line 7\)/,
      ],
    },
  ),

  row(
    'cli-cr-too-deep',
    'a CR file nested 3,000 levels deep: a usage error saying so, not "not valid YAML"',
    { args: render('--cr', 'deep-cr.yaml') },
    {
      exit: 2,
      message: [/lostromos render: --cr deep-cr\.yaml: nests mappings or lists too deeply to read/],
      absent: [/not valid YAML/],
    },
  ),

  // Standard input (the first row through the real process and its stdin).
  row(
    'cli-stdin-empty',
    '--cr - with empty standard input',
    { args: render('--cr', '-'), stdin: '', process: true },
    {
      exit: 2,
      message: [/--cr - \(standard input\): standard input is empty; pipe a CR in/, /or give a file/],
    },
  ),
  row(
    'cli-stdin-not-yaml',
    '--cr - with text that is not YAML',
    { args: render('--cr', '-'), stdin: 'spec: [unclosed\n' },
    {
      exit: 2,
      message: [/--cr - \(standard input\): not valid YAML/],
    },
  ),
  row(
    'cli-stdin-crd',
    '--cr - with the CRD on standard input',
    { args: render('--cr', '-'), stdin: CLI_WORKSPACE['crd.yaml'] },
    {
      exit: 2,
      message: [
        /--cr - \(standard input\): document 1 is the CustomResourceDefinition things\.things\.example\.io/,
      ],
    },
  ),

  // Configs and templates that are broken (the first row through the real process: a crash would exit 1).
  row(
    'cli-validate-bad-config',
    'validate a config missing a required field: exit 2 with the field and line',
    { args: ['validate', '--config', 'bad-config.yaml'] },
    {
      exit: 2,
      message: [
        /lostromos validate: config: resources\[0\]\.group: required \(the API group of the CRD, e\.g\. stable\.example\.io\)/,
        /at .*bad-config\.yaml:2/,
      ],
    },
  ),
  row(
    'cli-validate-config-bomb',
    'validate a config that is a YAML bomb: exit 2, not a crash',
    { args: ['validate', '--config', 'bomb-config.yaml'], process: true },
    {
      exit: 2,
      message: [
        /lostromos validate: config: the YAML aliases \(\*name\) expand into too many copies \(a "YAML bomb"/,
        /bomb-config\.yaml:\d+/,
      ],
    },
  ),
  row(
    'cli-validate-empty-resources',
    'validate `resources: []`: exit 2',
    { args: ['validate', '--config', 'empty-resources.yaml'] },
    {
      exit: 2,
      message: [/lostromos validate: config: resources: is an empty list: add at least one resource/],
    },
  ),
  row(
    'cli-validate-no-resources',
    'validate a config with no resources at all: exit 2, as start does',
    { args: ['validate', '--config', 'no-resources.yaml'] },
    {
      exit: 2,
      message: [
        /lostromos validate: no resources configured: add resources to the config file or pass --crd-name/,
      ],
      absent: [/valid, 0 resources/],
    },
  ),
  row(
    'cli-validate-label-selector',
    'validate an invalid labelSelector: exit 2 naming the field',
    { args: ['validate', '--config', 'bad-selector.yaml'] },
    {
      exit: 2,
      message: [
        /lostromos validate: config: resources\[0\]\.labelSelector: must be a Kubernetes label selector/,
        /bad-selector\.yaml:\d+/,
      ],
    },
  ),
  row(
    'cli-validate-broken-template',
    'validate a config whose templates do not compile: exit 1 naming file:line',
    { args: ['validate', '--config', 'broken.yaml'] },
    {
      exit: 1,
      message: [
        /lostromos validate: resource things: broken\/configmap\.yaml:6: `\{\{#if spec\.x\}\}` is never closed/,
        /error code LZ_RENDER_TEMPLATE_SYNTAX/,
        /1 of 1 resources failed/,
      ],
    },
  ),
  row(
    'cli-env-unknown',
    'an unknown LOSTROMOS_ variable: exit 2 with "did you mean"',
    { args: ['validate', '--config', 'c.yaml'], env: { LOSTROMOS_REDIS_ULR: 'redis://r:6379' } },
    {
      exit: 2,
      message: [/unknown environment variable LOSTROMOS_REDIS_ULR \(did you mean LOSTROMOS_REDIS_URL\?\)/],
    },
  ),

  // Rendering: failures exit 1 with file:line; what is printed is what would be applied.
  row(
    'cli-render-value-not-scalar',
    'render a CR whose value is a mapping: exit 1 with file:line and code',
    { args: probe('--cr', 'probe-mapping.yaml') },
    {
      exit: 1,
      message: [
        /lostromos render: probes\/configmap\.yaml:\d+: \{\{…\}\} produced a mapping/,
        /error code LZ_RENDER_VALUE_NOT_SCALAR/,
      ],
    },
  ),
  row(
    'cli-render-policy',
    'render a CR that moves an object to kube-system: exit 1, naming the allow field',
    { args: probe('--cr', 'probe-elsewhere.yaml') },
    {
      exit: 1,
      message: [
        /the operator would refuse to apply 1 object\(s\) \(allow policy of resource probes\)/,
        /kube-system/,
        /allow\.namespaces/,
      ],
    },
  ),
  row(
    'cli-render-injection-printed-safely',
    'render prints an injection attempt as one quoted scalar in one document',
    { args: probe('--cr', 'probe-injection.yaml') },
    {
      exit: 0,
      message: [],
      documents: 1,
      stdout: [/plain: "x\\n---\\napiVersion: v1\\nkind: Secret/],
    },
  ),
  row(
    'cli-render-yaml11-quoted',
    'render prints "yes" quoted, so kubectl (YAML 1.1) reads the same string',
    { args: probe('--cr', 'probe-yes.yaml') },
    {
      exit: 0,
      message: [],
      documents: 1,
      stdout: [/plain: "yes"/, /badinput\.example\.io\/plain: "yes"/],
    },
  ),
];
