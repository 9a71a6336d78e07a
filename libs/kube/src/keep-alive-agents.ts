import http from 'node:http';
import https from 'node:https';

/**
 * The TLS settings of a request that decide which connections it may share: what `applyAuth`
 * (client-node's KubeConfig.applyToHTTPSOptions) puts on the request options from the kubeconfig.
 */
export interface TlsMaterial {
  ca?: https.RequestOptions['ca'];
  cert?: https.RequestOptions['cert'];
  key?: https.RequestOptions['key'];
  pfx?: https.RequestOptions['pfx'];
  passphrase?: string;
  servername?: string;
  rejectUnauthorized?: boolean;
}

const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername', 'rejectUnauthorized'] as const;

/** The TLS material set on request options (undefined fields left out). */
export function tlsMaterialOf(options: https.RequestOptions): TlsMaterial {
  const out: TlsMaterial = {};
  for (const k of TLS_KEYS) if (options[k] !== undefined) (out as Record<string, unknown>)[k] = options[k];
  return out;
}

function canonical(value: unknown): string {
  if (value === undefined) return '';
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (Array.isArray(value)) return value.map(canonical).join('\u0000');
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  // pfx/key entries given as objects ({ buf, passphrase }): compared by their JSON.
  return JSON.stringify(value);
}

/** True when two sets of TLS material are the same by content (buffers re-read from files compare equal). */
export function sameTlsMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  return TLS_KEYS.every((k) => canonical(a[k]) === canonical(b[k]));
}

export interface KeepAliveAgentsOptions {
  /** Connections at once for ordinary requests (default 64); more wait for a free one. */
  maxSockets?: number;
  /** An idle pooled connection is closed after this long (default 90 s, client-go's IdleConnTimeout). */
  idleSocketMs?: number;
}

export type AgentUse = 'request' | 'stream';

/**
 * The keep-alive connection pools of one REST client: one agent for ordinary requests (bounded) and one for
 * streams (watches; unbounded, as each open watch holds its connection for minutes and must never starve the
 * requests), both carrying the TLS material of the kubeconfig. When that material changes (a rotated client
 * certificate, an exec plugin's new credentials), both agents are replaced: requests in flight and open
 * watches finish on their connections, which then close instead of going back to a pool.
 */
export class KeepAliveAgents {
  private readonly secure: boolean;
  private readonly opts: Required<KeepAliveAgentsOptions>;
  private material: TlsMaterial | undefined;
  private current: Record<AgentUse, http.Agent> | undefined;
  private readonly retired = new Set<http.Agent>();
  /** How many times the agents were built (1 + rotations); what tests and logs can observe. */
  generation = 0;

  constructor(protocol: string, opts: KeepAliveAgentsOptions = {}) {
    this.secure = protocol === 'https:';
    this.opts = { maxSockets: opts.maxSockets ?? 64, idleSocketMs: opts.idleSocketMs ?? 90_000 };
  }

  /** The agent for a request carrying `material` (ignored over plain http). */
  agentFor(use: AgentUse, material: TlsMaterial = {}): http.Agent {
    if (!this.current || (this.secure && !sameTlsMaterial(this.material ?? {}, material))) {
      if (this.current) for (const agent of Object.values(this.current)) this.retire(agent);
      this.material = material;
      this.current = { request: this.build('request', material), stream: this.build('stream', material) };
      this.generation += 1;
    }
    return this.current[use];
  }

  private build(use: AgentUse, material: TlsMaterial): http.Agent {
    const common = {
      keepAlive: true,
      // TCP keep-alive probes on idle connections, like client-go's dialer: NATs and load balancers keep them.
      keepAliveMsecs: 30_000,
      scheduling: 'lifo' as const,
    };
    const options =
      use === 'request'
        ? {
            ...common,
            maxSockets: this.opts.maxSockets,
            maxFreeSockets: this.opts.maxSockets,
            // The agent applies this to pooled (idle) connections; a request in flight has its own timeout.
            timeout: this.opts.idleSocketMs,
          }
        : { ...common, maxSockets: Infinity, maxFreeSockets: 16 };
    return this.secure ? new https.Agent({ ...options, ...material }) : new http.Agent(options);
  }

  /** Lets an agent's busy connections finish, closes its idle ones and keeps it from pooling any more. */
  private retire(agent: http.Agent): void {
    agent.keepSocketAlive = (): boolean => false;
    for (const sockets of Object.values(agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
    for (const old of this.retired) if (Object.keys(old.sockets).length === 0) this.retired.delete(old);
    if (Object.keys(agent.sockets).length > 0) this.retired.add(agent);
  }

  /** Closes every connection, busy ones (open watches) included. */
  destroy(): void {
    for (const agent of [...Object.values(this.current ?? {}), ...this.retired]) agent.destroy();
    this.retired.clear();
    this.current = undefined;
    this.material = undefined;
  }
}
