import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import { KubeConfigError } from './errors.js';

// The kubeconfig as kubectl reads it: the file(s), their clusters, users and contexts, relative paths made
// absolute against the file that names them, several KUBECONFIG files merged the way kubectl merges them, and the
// in-cluster service account when there is no file. Read here rather than through client-node's KubeConfig
// because loading client-node's module graph (its generated API comes with KubeConfig) costs every Lostrómos
// process ~85 MB of RSS and ~30 MB of heap for what is a few fields of YAML; client-node is still what speaks
// the credentials only it implements (exec plugins, auth providers, proxies: credentials.ts).

export interface KubeconfigCluster {
  name: string;
  /** The API server's URL as written (a trailing slash removed); '' when the file has none. */
  server: string;
  /** certificate-authority, absolute. */
  caFile?: string;
  /** certificate-authority-data (base64 PEM). */
  caData?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}

export interface KubeconfigUser {
  name: string;
  token?: string;
  /** tokenFile, absolute: read on each request (a projected token is rotated in place), as kubectl does. */
  tokenFile?: string;
  /** client-certificate / client-key, absolute; read on each request, so a rotated pair is used. */
  certFile?: string;
  certData?: string;
  keyFile?: string;
  keyData?: string;
  username?: string;
  password?: string;
  /** An exec credential plugin (client.authentication.k8s.io), as written. */
  exec?: Record<string, unknown>;
  /** A legacy auth provider (gcp, azure, oidc), as written. */
  authProvider?: Record<string, unknown>;
  /** as / as-uid / as-groups: the identity to impersonate. */
  impersonate?: { user?: string; uid?: string; groups: string[] };
}

export interface KubeconfigContext {
  name: string;
  cluster: string;
  user?: string;
  namespace?: string;
}

export interface Kubeconfig {
  clusters: KubeconfigCluster[];
  users: KubeconfigUser[];
  contexts: KubeconfigContext[];
  currentContext?: string;
  /** The first file as parsed YAML: what a file that is no kubeconfig is, for the message. */
  raw?: unknown;
}

/** Where a kubeconfig came from: what messages name, and what the user changes to fix it. */
export interface KubeconfigOrigin {
  /** The (first) file read; undefined for the in-cluster service account. */
  file?: string;
  /**
   * What chose it: --kubeconfig / kubernetes.kubeconfig, the KUBECONFIG variable, ~/.kube/config, or the
   * service account of the pod it runs in.
   */
  via: 'option' | 'KUBECONFIG' | 'default' | 'in-cluster';
}

/** The service account's files in a pod. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The named entries of one list (clusters, users, contexts), each as `{ name, body }`. */
function entries(
  raw: Record<string, unknown>,
  list: string,
  field: string,
): { name: string; body: Record<string, unknown> }[] {
  const v = raw[list];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`${list} is not a list`);
  return v.map((e: unknown, i) => {
    if (!isRecord(e) || typeof e.name !== 'string' || e.name === '')
      throw new Error(`${list}[${i}] has no name: give every entry of ${list} a name`);
    const body = e[field] ?? {};
    if (!isRecord(body)) throw new Error(`${list}[name=${e.name}].${field} is not a mapping`);
    return { name: e.name, body };
  });
}

/**
 * A kubeconfig file's text as the model, with relative file paths resolved against `dir` (the file's folder),
 * as kubectl resolves them. Throws a plain Error saying what is wrong in the text (the caller adds the file).
 */
export function parseKubeconfig(text: string, dir: string): Kubeconfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const at = err.linePos?.[0];
      throw new Error(
        `it is not valid YAML${at ? ` (${at.line}:${at.col})` : ''}: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
        { cause: err },
      );
    }
    throw err;
  }
  if (raw === null || raw === undefined) throw new Error('the file is empty');
  if (!isRecord(raw))
    throw new Error('it is not a YAML mapping (kind: Config, as `kubectl config view --raw` prints)');
  const abs = (f: unknown): string | undefined => {
    const s = str(f);
    return s === undefined ? undefined : path.isAbsolute(s) ? s : path.join(dir, s);
  };
  const clusters = entries(raw, 'clusters', 'cluster').map(({ name, body: c }): KubeconfigCluster => {
    const server = typeof c.server === 'string' ? c.server.replace(/\/$/, '') : '';
    return {
      name,
      server,
      ...optional('caFile', abs(c['certificate-authority'])),
      ...optional('caData', str(c['certificate-authority-data'])),
      insecureSkipTlsVerify: c['insecure-skip-tls-verify'] === true,
      ...optional('tlsServerName', str(c['tls-server-name'])),
      ...optional('proxyUrl', str(c['proxy-url'])),
    };
  });
  const users = entries(raw, 'users', 'user').map(({ name, body: u }): KubeconfigUser => {
    const groups = Array.isArray(u['as-groups']) ? u['as-groups'].filter((g) => typeof g === 'string') : [];
    const as = str(u.as);
    const asUid = str(u['as-uid']);
    return {
      name,
      ...optional('token', str(u.token)),
      ...optional('tokenFile', abs(u.tokenFile)),
      ...optional('certFile', abs(u['client-certificate'])),
      ...optional('certData', str(u['client-certificate-data'])),
      ...optional('keyFile', abs(u['client-key'])),
      ...optional('keyData', str(u['client-key-data'])),
      ...optional('username', str(u.username)),
      ...optional('password', str(u.password)),
      ...optional('exec', isRecord(u.exec) ? u.exec : undefined),
      ...optional('authProvider', isRecord(u['auth-provider']) ? u['auth-provider'] : undefined),
      ...(as || asUid || groups.length > 0
        ? { impersonate: { ...optional('user', as), ...optional('uid', asUid), groups } }
        : {}),
    };
  });
  const contexts = entries(raw, 'contexts', 'context').map(({ name, body: c }): KubeconfigContext => ({
    name,
    cluster: str(c.cluster) ?? '',
    ...optional('user', str(c.user)),
    ...optional('namespace', str(c.namespace)),
  }));
  return { clusters, users, contexts, ...optional('currentContext', str(raw['current-context'])), raw };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * Several kubeconfigs as one, the way kubectl merges the files of KUBECONFIG: the first file to name a cluster,
 * user or context wins it, and the first current-context set wins.
 */
export function mergeKubeconfigs(configs: readonly Kubeconfig[]): Kubeconfig {
  const first = <T extends { name: string }>(lists: T[][]): T[] => {
    const seen = new Set<string>();
    return lists.flat().filter((e) => !seen.has(e.name) && (seen.add(e.name), true));
  };
  const current = configs.find((c) => c.currentContext !== undefined)?.currentContext;
  return {
    clusters: first(configs.map((c) => c.clusters)),
    users: first(configs.map((c) => c.users)),
    contexts: first(configs.map((c) => c.contexts)),
    ...optional('currentContext', current),
    raw: configs[0]?.raw,
  };
}

/**
 * The in-cluster kubeconfig: the API server from KUBERNETES_SERVICE_HOST/PORT, the service account's CA and
 * token (read on each request: the kubelet rotates it in place) and namespace. Undefined when there is no
 * service account token (not in a pod, or automountServiceAccountToken: false).
 */
export function inClusterKubeconfig(
  env: Readonly<Record<string, string | undefined>>,
  dir: string = SERVICE_ACCOUNT_DIR,
): Kubeconfig | undefined {
  const token = path.join(dir, 'token');
  if (!fs.existsSync(token)) return undefined;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new KubeConfigError(
      `found the service account token ${token} but KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set, so the API server is unknown: run in a pod (the kubelet sets them) or pass --kubeconfig FILE`,
    );
  }
  let namespace: string | undefined;
  try {
    namespace = fs.readFileSync(path.join(dir, 'namespace'), 'utf8').trim() || undefined;
  } catch {
    namespace = undefined;
  }
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    clusters: [
      { name: 'in-cluster', server, caFile: path.join(dir, 'ca.crt'), insecureSkipTlsVerify: false },
    ],
    users: [{ name: 'service-account', tokenFile: token }],
    contexts: [
      {
        name: 'in-cluster',
        cluster: 'in-cluster',
        user: 'service-account',
        ...optional('namespace', namespace),
      },
    ],
    currentContext: 'in-cluster',
  };
}

export interface ReadKubeconfigOptions {
  /** A kubeconfig path: --kubeconfig / kubernetes.kubeconfig. */
  kubeconfig?: string;
  /** KUBECONFIG and, in a pod, KUBERNETES_SERVICE_HOST/PORT are read from it. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where ~/.kube/config is looked for (default the user's home). */
  home?: string;
  /** The service account's folder (default /var/run/secrets/kubernetes.io/serviceaccount). */
  serviceAccountDir?: string;
}

/** How to point Lostrómos at another kubeconfig, for the origin it has now. */
export function chooseAnother(origin: KubeconfigOrigin): string {
  if (origin.via === 'KUBECONFIG') return 'fix or unset KUBECONFIG, or pass --kubeconfig FILE';
  if (origin.via === 'option') return 'fix --kubeconfig / kubernetes.kubeconfig';
  return 'pass --kubeconfig FILE or set KUBECONFIG';
}

/** "kubeconfig /path" or the service account, to start a message with. */
export function describeOrigin(origin: KubeconfigOrigin): string {
  return origin.file
    ? `kubeconfig ${origin.file}`
    : `the in-cluster service account (${SERVICE_ACCOUNT_DIR})`;
}

function readFile(file: string, origin: KubeconfigOrigin): Kubeconfig {
  if (fs.statSync(file).isDirectory()) {
    throw new KubeConfigError(`kubeconfig ${file} is a folder, not a file: ${chooseAnother(origin)}`);
  }
  try {
    return parseKubeconfig(fs.readFileSync(file, 'utf8'), path.dirname(file));
  } catch (err) {
    throw new KubeConfigError(`cannot load kubeconfig ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The kubeconfig kubectl would use: the given file; else the files of KUBECONFIG, merged; else ~/.kube/config;
 * else, in a pod, its service account. Throws a KubeConfigError naming what was looked for and how to fix it.
 */
export function readKubeconfig(opts: ReadKubeconfigOptions = {}): {
  config: Kubeconfig;
  origin: KubeconfigOrigin;
} {
  const env = opts.env ?? {};
  if (opts.kubeconfig) {
    const origin: KubeconfigOrigin = { file: opts.kubeconfig, via: 'option' };
    if (!fs.existsSync(opts.kubeconfig)) {
      throw new KubeConfigError(
        `kubeconfig ${opts.kubeconfig} does not exist: pass --kubeconfig FILE or set kubernetes.kubeconfig`,
      );
    }
    return { config: readFile(opts.kubeconfig, origin), origin };
  }
  const listed = (env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p !== '');
  if (listed.length > 0) {
    // kubectl skips the files of the list that do not exist; one at least must.
    const files = listed.filter((f) => fs.existsSync(f));
    const origin: KubeconfigOrigin = { file: files[0] ?? listed[0]!, via: 'KUBECONFIG' };
    if (files.length === 0) {
      throw new KubeConfigError(
        `kubeconfig ${listed.join(', ')} does not exist (named by the KUBECONFIG variable): ${chooseAnother(origin)}`,
      );
    }
    return { config: mergeKubeconfigs(files.map((f) => readFile(f, origin))), origin };
  }
  const home = path.join(opts.home ?? os.homedir(), '.kube', 'config');
  if (fs.existsSync(home)) {
    const origin: KubeconfigOrigin = { file: home, via: 'default' };
    return { config: readFile(home, origin), origin };
  }
  const inCluster = inClusterKubeconfig(env, opts.serviceAccountDir);
  if (inCluster) return { config: inCluster, origin: { via: 'in-cluster' } };
  throw new KubeConfigError(
    `no kubeconfig: ${home} does not exist, KUBECONFIG is not set and this is not a pod with a service account token (${path.join(opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, 'token')}): pass --kubeconfig FILE, set KUBECONFIG or kubernetes.kubeconfig`,
  );
}
