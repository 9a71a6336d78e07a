import { credentialsFor } from './credentials.js';
import { Discovery } from './discovery.js';
import { checkKubeConfig, type CheckedKubeconfig } from './kubeconfig-check.js';
import { readKubeconfig, type KubeconfigOrigin } from './kubeconfig.js';
import { RestClient, type RequestRecord } from './rest-client.js';

export interface KubeClientOptions {
  /** kubeconfig path; "" = KUBECONFIG, then ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
  /** Context name; "" = the kubeconfig's current context. */
  context?: string;
  /**
   * KUBECONFIG (which kubeconfig), KUBERNETES_SERVICE_HOST/PORT (in a pod) and PATH (to check an exec
   * credential plugin exists) are read from it; nothing else (default: none of them).
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where ~/.kube/config is looked for (default the user's home). */
  home?: string;
  /** The service account's folder for the in-cluster config (default /var/run/secrets/kubernetes.io/serviceaccount). */
  serviceAccountDir?: string;
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

/**
 * The kubeconfig kubectl would use, checked (kubeconfig-check.ts) so that a bad file, context, server,
 * certificate, token file or exec plugin is one KubeConfigError naming the file, the field and the fix before
 * any request is sent.
 */
function loadKubeconfig(
  opts: Pick<KubeClientOptions, 'kubeconfig' | 'context' | 'env' | 'home' | 'serviceAccountDir'>,
): { checked: CheckedKubeconfig; origin: KubeconfigOrigin } {
  const { config, origin } = readKubeconfig({
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.home ? { home: opts.home } : {}),
    ...(opts.serviceAccountDir ? { serviceAccountDir: opts.serviceAccountDir } : {}),
  });
  const checked = checkKubeConfig(config, {
    origin,
    ...(opts.context ? { contextName: opts.context } : {}),
    ...(opts.env?.PATH !== undefined ? { envPath: opts.env.PATH } : {}),
  });
  return { checked, origin };
}

/** A REST client (limiter, retries, metrics callback) and a discovery cache for the configured cluster. */
export function createKubeClient(opts: KubeClientOptions = {}): KubeClient {
  const { checked, origin } = loadKubeconfig(opts);
  const server = checked.cluster.server;
  const rest = new RestClient({
    server,
    applyAuth: credentialsFor(checked, origin),
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
