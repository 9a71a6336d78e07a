// Kubeconfig settings: the file, its parts, and an API server that cannot be reached. Rows build the client as
// every command does (createKubeClient from @lostromos/kube) and make one request; `command` rows run the
// `lostromos` command (runCli, in-process) where its exit code is the point.
import type { BadInput } from '../corpus.ts';
import { kubeconfig } from '../fixtures/files.ts';

export interface KubeconfigInput {
  /** The kubeconfig text (`null`: the file does not exist). `{{server}}` is a local server answering 401. */
  kubeconfig: string | null;
  /** How the path is given: kubernetes.kubeconfig (default) or the KUBECONFIG variable. */
  via?: 'option' | 'KUBECONFIG';
  context?: string;
  /** Run this `lostromos` command (args after the command name get `--config c.yaml --kubeconfig kc`). */
  command?: 'diff' | 'start';
}

export type KubeconfigRow = BadInput<KubeconfigInput>;

const UNREACHABLE = 'https://127.0.0.1:1';

const row = (
  id: string,
  title: string,
  input: KubeconfigInput,
  expect: KubeconfigRow['expect'],
  finding?: string,
): KubeconfigRow => ({ id, category: 'kubeconfig', title, input, expect, ...(finding ? { finding } : {}) });

export const KUBECONFIG_ROWS: KubeconfigRow[] = [
  row(
    'kc-missing',
    'a kubeconfig file that does not exist',
    { kubeconfig: null },
    {
      code: 'LZ_KUBE_CONFIG',
      message: [
        /kubeconfig .*\/kubeconfig does not exist/,
        /pass --kubeconfig FILE or set kubernetes\.kubeconfig/,
      ],
    },
  ),
  row(
    'kc-env-missing',
    'KUBECONFIG naming a file that does not exist says it came from KUBECONFIG',
    { kubeconfig: null, via: 'KUBECONFIG' },
    {
      code: 'LZ_KUBE_CONFIG',
      message: [
        /kubeconfig .*\/kubeconfig does not exist \(named by the KUBECONFIG variable\)/,
        /fix or unset KUBECONFIG, or pass --kubeconfig FILE/,
      ],
      absent: [/set kubernetes\.kubeconfig/],
    },
  ),
  row(
    'kc-bad-yaml',
    'a kubeconfig that is not valid YAML',
    { kubeconfig: 'apiVersion: v1\nkind: Config\nclusters: [\n' },
    {
      code: 'LZ_KUBE_CONFIG',
      message: [/cannot load kubeconfig .*\/kubeconfig/, /\(\d+:\d+\)/],
    },
  ),
  row(
    'kc-empty',
    'an empty kubeconfig file',
    { kubeconfig: '' },
    {
      code: 'LZ_KUBE_CONFIG',
      message: [/cannot load kubeconfig .*\/kubeconfig/, /empty/],
    },
  ),
  row(
    'kc-not-a-kubeconfig',
    'a file that is YAML but not a kubeconfig (a CR) names the file and what is missing',
    { kubeconfig: 'apiVersion: stable.example.io/v1\nkind: Character\nmetadata: { name: ripley }\n' },
    {
      code: 'LZ_KUBE_CONFIG',
      message: [
        /kubeconfig .*\/kubeconfig is not a kubeconfig: it has no clusters and no contexts/,
        /it is a Character \(stable\.example\.io\/v1\)/,
        /fix --kubeconfig \/ kubernetes\.kubeconfig to name a kubeconfig \(kind: Config/,
      ],
    },
  ),
  row(
    'kc-context-without-cluster',
    'a context whose cluster is not in the file names the context and the missing cluster',
    { kubeconfig: kubeconfig(UNREACHABLE, { contextCluster: 'missing' }) },
    {
      code: 'LZ_KUBE_CONFIG',
      message: [
        /kubeconfig .*\/kubeconfig: context "c" names cluster "missing", which is not in the file \(clusters: c\)/,
        /fix contexts\[name=c\]\.context\.cluster/,
      ],
    },
  ),
  row(
    'kc-unknown-context',
    'a context that is not in the kubeconfig lists the known ones',
    { kubeconfig: kubeconfig(UNREACHABLE), context: 'prod' },
    {
      code: 'LZ_KUBE_CONFIG',
      message: [/kubeconfig context "prod" not found \(known: c\)/, /fix kubernetes\.context \/ --context/],
    },
  ),
  row(
    'kc-server-not-url',
    'a cluster server that is not a URL names the field and the file',
    { kubeconfig: kubeconfig('not a url') },
    {
      code: 'LZ_KUBE_CONFIG',
      message: [
        /kubeconfig .*\/kubeconfig: clusters\[name=c\]\.cluster\.server "not a url" is not an http\(s\) URL/,
        /set it to the API server's URL/,
      ],
    },
  ),
  row(
    'kc-ca-file-missing',
    'a certificate-authority file that does not exist names the field',
    {
      kubeconfig: kubeconfig(UNREACHABLE, {
        extraCluster: '\n      certificate-authority: /nonexistent/ca.crt',
      }),
    },
    {
      code: 'LZ_KUBE_CONFIG',
      message: [
        /kubeconfig .*\/kubeconfig: clusters\[name=c\]\.cluster\.certificate-authority \/nonexistent\/ca\.crt: no such file/,
        /fix the path .* or use certificate-authority-data/,
      ],
      absent: [/ENOENT/],
    },
  ),
  row(
    'kc-token-file-missing',
    'a user tokenFile that does not exist is reported, not silently dropped',
    { kubeconfig: kubeconfig('{{server}}', { user: '{ tokenFile: /nonexistent/token }' }) },
    {
      code: 'LZ_KUBE_CONFIG',
      message: [
        /kubeconfig .*\/kubeconfig: users\[name=u\]\.user\.tokenFile \/nonexistent\/token: no such file/,
        /fix the path .* or use token/,
      ],
      absent: [/Unauthorized/],
    },
  ),
  row(
    'kc-exec-plugin-missing',
    'an exec credential plugin that does not exist names the command and the kubeconfig user',
    {
      kubeconfig: kubeconfig('{{server}}', {
        user: '{ exec: { apiVersion: client.authentication.k8s.io/v1, command: /nonexistent/credential-helper, interactiveMode: Never } }',
      }),
    },
    {
      code: 'LZ_KUBE_CONFIG',
      message: [
        /kubeconfig .*\/kubeconfig: user "u" gets its credentials from the exec plugin \/nonexistent\/credential-helper/,
        /\(users\[name=u\]\.user\.exec\.command\), which does not exist: install it, or fix the command/,
      ],
      absent: [/Unauthorized|ENOENT/],
    },
  ),

  // The real commands.
  row(
    'kc-diff-unreachable',
    '`lostromos diff` with an API server that does not answer: exit 3, naming the server',
    { kubeconfig: kubeconfig(UNREACHABLE), command: 'diff' },
    {
      exit: 3,
      message: [
        /lostromos diff: cannot read the CRs of things/,
        /127\.0\.0\.1:1/,
        /ECONNREFUSED|connection failed/,
      ],
    },
  ),
  row(
    'kc-diff-missing',
    '`lostromos diff` with a missing kubeconfig: exit 2 (a config error), not 1 (which diff uses for "differences")',
    { kubeconfig: null, command: 'diff' },
    { exit: 2, message: [/lostromos diff: kubeconfig .*\/kubeconfig does not exist/, /--kubeconfig/] },
  ),
  row(
    'kc-start-missing',
    '`lostromos start` with a missing kubeconfig: exit 2 with the path',
    { kubeconfig: null, command: 'start' },
    {
      exit: 2,
      message: [/lostromos start: kubeconfig .*\/kubeconfig does not exist/, /--kubeconfig FILE/],
    },
  ),
];
