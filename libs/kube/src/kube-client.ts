import fs from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { Discovery } from './discovery.js';
import { KubeConfigError } from './errors.js';
import { RestClient, type RequestRecord } from './rest-client.js';

export interface KubeClientOptions {
  /** kubeconfig path; "" = KUBECONFIG, then ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
  /** Context name; "" = the kubeconfig's current context. */
  context?: string;
  /** Only KUBECONFIG is read from it (default: no env, so client-node's own default lookup applies). */
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
  const kc = new KubeConfig();
  const file = opts.kubeconfig || opts.env?.KUBECONFIG?.split(':').find((p) => p !== '');
  try {
    if (file) {
      if (!fs.existsSync(file)) {
        throw new KubeConfigError(
          `kubeconfig ${file} does not exist: pass --kubeconfig FILE or set kubernetes.kubeconfig`,
        );
      }
      kc.loadFromFile(file);
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
  if (!kc.getCurrentCluster()?.server) {
    throw new KubeConfigError(
      'no Kubernetes API server configured: pass --kubeconfig FILE, set KUBECONFIG, or run inside a cluster',
    );
  }
  return kc;
}

/** A REST client (limiter, retries, metrics callback) and a discovery cache for the configured cluster. */
export function createKubeClient(opts: KubeClientOptions = {}): KubeClient {
  const kc = loadKubeConfig(opts);
  const cluster = kc.getCurrentCluster()!;
  const server = cluster.server;
  const rest = new RestClient({
    server,
    applyAuth: async (o) => {
      try {
        await kc.applyToHTTPSOptions(o);
      } catch (err) {
        // client-node refuses to build a TLS agent for http:// servers (the sim, kubectl proxy) but has already
        // set the credentials headers by then; over plain http that is all we need.
        if (!server.startsWith('http://')) throw err;
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
