import fs from 'node:fs';
import type https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { CheckedKubeconfig } from './kubeconfig-check.js';
import { describeOrigin, type KubeconfigOrigin, type KubeconfigUser } from './kubeconfig.js';

/** Puts a request's credentials and TLS settings on its options (what RestClient's `applyAuth` is). */
export type ApplyCredentials = (options: https.RequestOptions) => Promise<void>;

/**
 * Whether the credentials need client-node: an exec credential plugin or a legacy auth provider (their
 * protocols, caching and refresh are client-node's), or a proxy (only its proxy agents speak HTTP CONNECT and
 * SOCKS). Everything else — a CA, client certificates, a token or token file, basic auth, impersonation — is
 * a few fields put on the request, done here without loading client-node at all.
 */
export function needsClientNode(k: CheckedKubeconfig): boolean {
  return !!(k.user?.exec || k.user?.authProvider || k.cluster.proxyUrl);
}

/**
 * The credentials of a checked kubeconfig's current context, applied to each request. Files (CA, client
 * certificate and key, token file) are read on each request, so rotated ones are used; RestClient's keep-alive
 * agents compare the TLS material by content and rebuild their connections when it changed.
 */
export function credentialsFor(k: CheckedKubeconfig, origin: KubeconfigOrigin): ApplyCredentials {
  const fail = (err: unknown): Error => credentialsError(k, origin, err);
  if (needsClientNode(k)) return clientNodeCredentials(k, fail);
  const { cluster, user } = k;
  return (o) => {
    try {
      if (cluster.insecureSkipTlsVerify) o.rejectUnauthorized = false;
      if (cluster.tlsServerName) o.servername = cluster.tlsServerName;
      const ca = fileOrData(cluster.caFile, cluster.caData);
      if (ca) o.ca = ca;
      if (!user) return Promise.resolve();
      const cert = fileOrData(user.certFile, user.certData);
      if (cert) o.cert = cert;
      const key = fileOrData(user.keyFile, user.keyData);
      if (key) o.key = key;
      const headers: Record<string, string | string[]> = {};
      const token = bearerToken(user);
      if (token) headers.Authorization = `Bearer ${token}`;
      else if (user.username !== undefined) o.auth = `${user.username}:${user.password ?? ''}`;
      const imp = user.impersonate;
      if (imp?.user) headers['Impersonate-User'] = imp.user;
      if (imp?.uid) headers['Impersonate-Uid'] = imp.uid;
      if (imp && imp.groups.length > 0) headers['Impersonate-Group'] = imp.groups;
      // RestClient sets headers as a mapping.
      o.headers = { ...(o.headers as Record<string, string> | undefined), ...headers };
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(fail(err));
    }
  };
}

/** The user's bearer token: `token`, else the content of `tokenFile` (read now: it may have been rotated). */
function bearerToken(user: KubeconfigUser): string | undefined {
  return user.token ?? (user.tokenFile ? fs.readFileSync(user.tokenFile, 'utf8').trim() : undefined);
}

function fileOrData(file: string | undefined, data: string | undefined): Buffer | undefined {
  if (file) return fs.readFileSync(file);
  if (data) return Buffer.from(data, 'base64');
  return undefined;
}

/**
 * Credentials through client-node's KubeConfig, loaded on first use (a dynamic import: a process whose
 * kubeconfig needs none of this never loads it).
 */
function clientNodeCredentials(k: CheckedKubeconfig, fail: (err: unknown) => Error): ApplyCredentials {
  let kc: Promise<KubeConfig> | undefined;
  const load = async (): Promise<KubeConfig> => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const config = new KubeConfig();
    const { cluster, user, context } = k;
    config.loadFromOptions({
      clusters: [
        {
          name: cluster.name,
          server: cluster.server,
          caFile: cluster.caFile,
          caData: cluster.caData,
          skipTLSVerify: cluster.insecureSkipTlsVerify,
          tlsServerName: cluster.tlsServerName,
          proxyUrl: cluster.proxyUrl,
        },
      ],
      users: user
        ? [
            {
              name: user.name,
              token: user.token,
              certFile: user.certFile,
              certData: user.certData,
              keyFile: user.keyFile,
              keyData: user.keyData,
              username: user.username,
              password: user.password,
              exec: user.exec,
              authProvider: user.authProvider,
              impersonateUser: user.impersonate?.user,
            },
          ]
        : [],
      contexts: [{ name: context.name, cluster: cluster.name, user: user?.name ?? '' }],
      currentContext: context.name,
    });
    return config;
  };
  // client-node builds no agent for an http:// server without insecure-skip-tls-verify (the sim, kubectl
  // proxy): it throws after it has set the credentials, which over plain http is all we need.
  const plainHttp =
    k.cluster.server.startsWith('http://') && !k.cluster.insecureSkipTlsVerify && !k.cluster.proxyUrl;
  return async (o) => {
    try {
      kc ??= load();
      await (await kc).applyToHTTPSOptions(o);
    } catch (err) {
      if (!(plainHttp && /HTTP protocol is not allowed/.test((err as Error).message))) throw fail(err);
    }
    // client-node does not read users[].user.tokenFile: it is read on each request, as kubectl does.
    const headers = o.headers as Record<string, string | undefined> | undefined;
    if (k.user && !headers?.Authorization) {
      let token: string | undefined;
      try {
        token = bearerToken(k.user);
      } catch (err) {
        throw fail(err);
      }
      if (token) o.headers = { ...headers, Authorization: `Bearer ${token}` };
    }
    // client-node also installs its own agent, which opens a new TLS connection per request (no keep-alive)
    // and, cached per cluster and user, would keep a rotated client certificate's predecessor. The
    // RestClient's keep-alive agents, built from the TLS material above, replace it — except for a proxy,
    // which only client-node's proxy agents speak.
    if (!k.cluster.proxyUrl) delete o.agent;
  };
}

/**
 * A failure to get the credentials a request needs (a certificate or token file gone since the start, an exec
 * plugin that fails), naming the kubeconfig and its user. Not marked permanent: an exec plugin can fail for a
 * moment (its identity provider), so the caller's retry policy decides.
 */
function credentialsError(k: CheckedKubeconfig, origin: KubeconfigOrigin, err: unknown): Error {
  const user = k.user?.name;
  return new Error(
    `cannot get the credentials of ${user ? `user "${user}" of ` : ''}${describeOrigin(origin)}: ${(err as Error).message}`,
    { cause: err },
  );
}
