import fs from 'node:fs';
import { KubeConfig, loadYaml } from '@kubernetes/client-node';
import { Discovery } from './discovery.js';
import { KubeConfigError } from './errors.js';
import {
  checkKubeConfig,
  chooseAnother,
  describeOrigin,
  type KubeconfigExtras,
  type KubeconfigOrigin,
} from './kubeconfig-check.js';
import { RestClient, type RequestRecord } from './rest-client.js';

export interface KubeClientOptions {
  /** kubeconfig path; "" = KUBECONFIG, then ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
  /** Context name; "" = the kubeconfig's current context. */
  context?: string;
  /**
   * Only KUBECONFIG (which kubeconfig) and PATH (to check an exec credential plugin exists) are read from it
   * (default: no env, so client-node's own default lookup applies).
   */
  env?: Readonly<Record<string, string | undefined>>;
  qps?: number;
  burst?: number;
  onRequest?: (r: RequestRecord) => void;
}

export interface KubeClient {
  rest: RestClient;
  discovery: Discovery;
  /** The API server URL. */
  server: string;
  close(): void;
}

/** Loads a KubeConfig the way kubectl does, with errors that say what to fix. */
export function loadKubeConfig(opts: Pick<KubeClientOptions, 'kubeconfig' | 'context' | 'env'>): KubeConfig {
  return loadCheckedKubeConfig(opts).kc;
}

/**
 * The KubeConfig, checked (kubeconfig-check.ts) so that a bad file, context, server, certificate, token file or
 * exec plugin is one KubeConfigError naming the file, the field and the fix before any request is sent.
 */
function loadCheckedKubeConfig(opts: Pick<KubeClientOptions, 'kubeconfig' | 'context' | 'env'>): {
  kc: KubeConfig;
  origin: KubeconfigOrigin;
  extras: KubeconfigExtras;
} {
  const kc = new KubeConfig();
  const fromEnv = opts.kubeconfig ? undefined : opts.env?.KUBECONFIG?.split(':').find((p) => p !== '');
  const file = opts.kubeconfig || fromEnv;
  const origin: KubeconfigOrigin = opts.kubeconfig
    ? { file, via: 'option' }
    : fromEnv
      ? { file, via: 'KUBECONFIG' }
      : { via: 'default' };
  let raw: unknown;
  try {
    if (file) {
      if (!fs.existsSync(file)) {
        throw new KubeConfigError(
          origin.via === 'KUBECONFIG'
            ? `kubeconfig ${file} does not exist (named by the KUBECONFIG variable): ${chooseAnother(origin)}`
            : `kubeconfig ${file} does not exist: pass --kubeconfig FILE or set kubernetes.kubeconfig`,
        );
      }
      if (fs.statSync(file).isDirectory()) {
        throw new KubeConfigError(`kubeconfig ${file} is a folder, not a file: ${chooseAnother(origin)}`);
      }
      kc.loadFromFile(file);
      // The file as written, for what client-node does not read (users[].user.tokenFile).
      raw = loadYaml(fs.readFileSync(file, 'utf8'));
    } else {
      kc.loadFromDefault();
    }
  } catch (err) {
    if (err instanceof KubeConfigError) throw err;
    throw new KubeConfigError(`cannot load kubeconfig${file ? ` ${file}` : ''}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (opts.context) {
    if (!kc.getContexts().some((c) => c.name === opts.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new KubeConfigError(
        `kubeconfig context "${opts.context}" not found${known.length ? ` (known: ${known.join(', ')})` : ''}: fix kubernetes.context / --context`,
      );
    }
    kc.setCurrentContext(opts.context);
  }
  const extras = checkKubeConfig(kc, { origin, raw, envPath: opts.env?.PATH });
  return { kc, origin, extras };
}

/** A REST client (limiter, retries, metrics callback) and a discovery cache for the configured cluster. */
export function createKubeClient(opts: KubeClientOptions = {}): KubeClient {
  const { kc, origin, extras } = loadCheckedKubeConfig(opts);
  const cluster = kc.getCurrentCluster()!;
  const server = cluster.server;
  // client-node builds no agent for an http:// server without insecure-skip-tls-verify (the sim, kubectl
  // proxy): it throws after it has set the credentials, which over plain http is all we need.
  const plainHttp = server.startsWith('http://') && !cluster.skipTLSVerify && !cluster.proxyUrl;
  const rest = new RestClient({
    server,
    applyAuth: async (o) => {
      try {
        await kc.applyToHTTPSOptions(o);
      } catch (err) {
        if (!(plainHttp && /HTTP protocol is not allowed/.test((err as Error).message)))
          throw credentialsError(kc, origin, err);
      }
      // RestClient sets headers as a mapping (client-node adds Authorization to it).
      const headers = o.headers as Record<string, string | undefined> | undefined;
      if (extras.tokenFile && !headers?.Authorization) {
        // kubectl reads a tokenFile on each request (a projected token is rotated in place); client-node ignores it.
        let token: string;
        try {
          token = fs.readFileSync(extras.tokenFile, 'utf8').trim();
        } catch (err) {
          throw credentialsError(kc, origin, err);
        }
        o.headers = { ...headers, Authorization: `Bearer ${token}` };
      }
      // client-node also installs its own agent, which opens a new TLS connection per request (no keep-alive)
      // and, cached per cluster and user, would keep a rotated client certificate's predecessor. The
      // RestClient's keep-alive agents, built from the TLS material above, replace it — except for a proxy,
      // which only client-node's proxy agents speak.
      if (!cluster.proxyUrl) delete o.agent;
    },
    ...(opts.qps !== undefined ? { qps: opts.qps } : {}),
    ...(opts.burst !== undefined ? { burst: opts.burst } : {}),
    ...(opts.onRequest ? { onRequest: opts.onRequest } : {}),
  });
  return { rest, discovery: new Discovery(rest), server, close: () => rest.close() };
}

/**
 * A failure to get the credentials a request needs (a certificate or token file gone since the start, an exec
 * plugin that fails), naming the kubeconfig and its user. Not marked permanent: an exec plugin can fail for a
 * moment (its identity provider), so the caller's retry policy decides.
 */
function credentialsError(kc: KubeConfig, origin: KubeconfigOrigin, err: unknown): Error {
  const user = kc.getCurrentUser()?.name;
  return new Error(
    `cannot get the credentials of ${user ? `user "${user}" of ` : ''}${describeOrigin(origin)}: ${(err as Error).message}`,
    { cause: err },
  );
}

/** Feeds rest_client_requests_total{method,code} and rest_client_request_duration_seconds{verb}. */
export function restMetricsObserver(m: {
  restClientRequests: { inc(labels: { method: string; code: string }): void };
  restClientLatency: { observe(labels: { verb: string }, v: number): void };
}): (r: RequestRecord) => void {
  return (r) => {
    m.restClientRequests.inc({ method: r.method, code: r.code });
    m.restClientLatency.observe({ verb: r.verb }, r.seconds);
  };
}
