import fs from 'node:fs';
import path from 'node:path';
import { KubeConfigError } from './errors.js';
import {
  chooseAnother,
  describeOrigin,
  isRecord,
  type Kubeconfig,
  type KubeconfigCluster,
  type KubeconfigContext,
  type KubeconfigOrigin,
  type KubeconfigUser,
} from './kubeconfig.js';

/** Why `file` cannot be read as a credential or certificate, or undefined when it can. */
function unreadable(file: string): string | undefined {
  try {
    if (fs.statSync(file).isDirectory()) return 'is a folder, not a file';
    fs.accessSync(file, fs.constants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'cannot be read (permission denied)'
        : code;
  }
}

/** Why an exec plugin command cannot be started, or undefined when it can (or cannot be told without PATH). */
function notRunnable(command: string, envPath: string | undefined): string | undefined {
  const runnable = (file: string): boolean => {
    try {
      return fs.statSync(file).isFile() && (fs.accessSync(file, fs.constants.X_OK), true);
    } catch {
      return false;
    }
  };
  if (command.includes('/')) {
    const file = path.resolve(command);
    if (!fs.existsSync(file)) return 'does not exist';
    return runnable(file) ? undefined : 'is not an executable file (chmod +x it)';
  }
  if (envPath === undefined) return undefined;
  const found = envPath
    .split(path.delimiter)
    .filter((d) => d !== '')
    .some((d) => runnable(path.join(d, command)));
  return found ? undefined : 'is not on PATH';
}

/** The current context of a checked kubeconfig, with its cluster and user. */
export interface CheckedKubeconfig {
  context: KubeconfigContext;
  cluster: KubeconfigCluster;
  user: KubeconfigUser | undefined;
}

/**
 * Checks the context a kubeconfig will use (`contextName`, default its current-context), as far as it can be
 * checked without the API server, and throws a KubeConfigError that says what is wrong, where (file and field)
 * and how to fix it: a file that is no kubeconfig, no or an unknown current context, a context naming a cluster
 * or user the file does not have, a server that is not an http(s) URL, certificate and token files that cannot
 * be read, an exec credential plugin that cannot be started.
 */
export function checkKubeConfig(
  config: Kubeconfig,
  opts: { origin: KubeconfigOrigin; contextName?: string; envPath?: string },
): CheckedKubeconfig {
  const where = describeOrigin(opts.origin);
  // Typed so that a call narrows like a throw.
  const fail: (message: string) => never = (message) => {
    throw new KubeConfigError(`${where}${message}`);
  };
  const names = (list: ReadonlyArray<{ name: string }>): string =>
    list.length > 0 ? list.map((x) => x.name).join(', ') : 'none';
  const { contexts, clusters } = config;
  if (contexts.length === 0 && clusters.length === 0) {
    const raw = isRecord(config.raw) ? config.raw : {};
    const kind = typeof raw.kind === 'string' && raw.kind !== 'Config' ? raw.kind : undefined;
    const apiVersion = typeof raw.apiVersion === 'string' ? ` (${raw.apiVersion})` : '';
    fail(
      ` is not a kubeconfig: it has no clusters and no contexts${kind ? `; it is a ${kind}${apiVersion}` : ''}: ${chooseAnother(opts.origin)} to name a kubeconfig (kind: Config, as \`kubectl config view --raw\` prints)`,
    );
  }
  if (opts.contextName && !contexts.some((c) => c.name === opts.contextName)) {
    throw new KubeConfigError(
      `kubeconfig context "${opts.contextName}" not found${contexts.length ? ` (known: ${names(contexts)})` : ''}: fix kubernetes.context / --context`,
    );
  }
  const contextName = opts.contextName || config.currentContext;
  if (!contextName) {
    fail(
      ` has no current-context: pass --context NAME or set kubernetes.context (contexts: ${names(contexts)}), or run \`kubectl config use-context NAME\``,
    );
  }
  const context = contexts.find((c) => c.name === contextName);
  if (!context) {
    fail(
      `: current-context "${contextName}" is not one of its contexts (known: ${names(contexts)}): pass --context NAME or set kubernetes.context, or run \`kubectl config use-context NAME\``,
    );
  }
  const ctx = context;
  const cluster = clusters.find((c) => c.name === ctx.cluster);
  if (!cluster) {
    fail(
      `: context "${ctx.name}" names cluster "${ctx.cluster}", which is not in the file (clusters: ${names(clusters)}): fix contexts[name=${ctx.name}].context.cluster`,
    );
  }
  const c = cluster;
  const clusterField = `clusters[name=${c.name}].cluster`;
  if (!c.server) {
    fail(
      `: cluster "${c.name}" has no server: set ${clusterField}.server to the API server's URL (e.g. https://10.0.0.1:6443)`,
    );
  }
  let url: URL | undefined;
  try {
    url = new URL(c.server);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    fail(
      `: ${clusterField}.server ${JSON.stringify(c.server)} is not an http(s) URL: set it to the API server's URL (e.g. https://10.0.0.1:6443)`,
    );
  }
  const fileProblem = (field: string, file: string | undefined, alternative: string): void => {
    if (!file) return;
    const why = unreadable(file);
    if (why)
      fail(
        `: ${field} ${file}: ${why}: fix the path (a relative one is relative to the kubeconfig's folder) or use ${alternative}`,
      );
  };
  fileProblem(`${clusterField}.certificate-authority`, c.caFile, 'certificate-authority-data');
  if (!ctx.user) return { context: ctx, cluster: c, user: undefined };
  const user = config.users.find((u) => u.name === ctx.user);
  if (!user) {
    fail(
      `: context "${ctx.name}" names user "${ctx.user}", which is not in the file (users: ${names(config.users)}): fix contexts[name=${ctx.name}].context.user`,
    );
  }
  const u = user;
  const userField = `users[name=${u.name}].user`;
  fileProblem(`${userField}.client-certificate`, u.certFile, 'client-certificate-data');
  fileProblem(`${userField}.client-key`, u.keyFile, 'client-key-data');
  if (!u.token) fileProblem(`${userField}.tokenFile`, u.tokenFile, 'token');
  const exec = u.exec;
  if (exec && typeof exec.command === 'string') {
    const why = notRunnable(exec.command, opts.envPath);
    if (why)
      fail(
        `: user "${u.name}" gets its credentials from the exec plugin ${exec.command} (${userField}.exec.command), which ${why}: install it, or fix the command or its path`,
      );
  }
  return { context: ctx, cluster: c, user: u };
}
