import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { handleAdmin, type AdminControls } from './admin-endpoint.js';
import { ApiServer } from './api-server.js';
import { Authorizer } from './authorizer.js';
import { CrdController } from './crd-controller.js';
import { FaultInjector } from './fault-injector.js';
import { GarbageCollector } from './garbage-collector.js';
import { renderKubeconfig } from './kubeconfig.js';
import { ObjectApi } from './object-api.js';
import { ObjectStore } from './object-store.js';
import { RequestStats } from './request-stats.js';
import { ResourceRegistry } from './resource-registry.js';
import type { Faults, SimLogger, SimRule, SimStats, WorkloadMode, WorkloadRef } from './types.js';
import { WatchHub } from './watch-hub.js';
import { WorkloadSimulator } from './workload-simulator.js';

export interface KubeSimOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a random free port. */
  port?: number;
  /** Watch events retained for resuming watches; older resourceVersions get 410 Gone. Default 10000. */
  historyWindow?: number;
  /** Workload status simulation (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, Pods). Default on, 100 ms. */
  workloads?: { enabled?: boolean; delayMs?: number };
  /**
   * Bearer-token auth with per-token rules; without it every request has full access. kubectl only sends
   * tokens over TLS, so give `tls` too when kubectl must authenticate.
   */
  auth?: { tokens: Record<string, SimRule[]> };
  /** Serve HTTPS with this PEM key and certificate; the kubeconfig then trusts the certificate as its CA. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Interval of BOOKMARK events to watchers that allow them. Default 60000 ms. */
  bookmarkIntervalMs?: number;
  logger?: SimLogger;
}

export interface KubeSimFaults {
  set(f: Partial<Faults>): void;
  clear(): void;
  /** Ends every watch stream (abrupt: resets the connections instead). */
  dropWatches(opts?: { abrupt?: boolean }): void;
  /** Forgets watch history: watches and continue tokens from older resourceVersions get 410 Gone. */
  compact(): void;
  /** API requests wait (and watch events are held) until `resume()`. */
  pause(): void;
  resume(): void;
  get(): Faults;
}

export interface KubeSim {
  url: string;
  port: number;
  kubeconfig(opts?: { token?: string; namespace?: string }): string;
  writeKubeconfig(path: string, opts?: { token?: string; namespace?: string }): Promise<void>;
  faults: KubeSimFaults;
  stats(): SimStats;
  resetStats(): void;
  markUnready(ref: WorkloadRef, mode: WorkloadMode): void;
  stop(): Promise<void>;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Starts the in-memory API server; resolves once it listens. */
export async function startKubeSim(opts: KubeSimOptions = {}): Promise<KubeSim> {
  const host = opts.host ?? '127.0.0.1';
  const store = new ObjectStore(1);
  const hub = new WatchHub(opts.historyWindow ?? 10_000, store.resourceVersion);
  const registry = new ResourceRegistry();
  const api = new ObjectApi({ store, hub });
  const faults = new FaultInjector();
  const stats = new RequestStats();
  const auth = new Authorizer(opts.auth?.tokens);
  const logger = opts.logger;
  let url = '';

  const gc = new GarbageCollector({ store, registry, api, logger });
  const holder: { server?: ApiServer } = {};
  const crds = new CrdController({
    store,
    registry,
    api,
    logger,
    onResourceRemoved: (storageKey) => hub.dropAll((w) => w.storageKey === storageKey),
  });
  const workloadsEnabled = opts.workloads?.enabled ?? true;
  const workloads = new WorkloadSimulator({
    store,
    registry,
    api,
    delayMs: opts.workloads?.delayMs ?? 100,
    logger,
  });
  store.onEvent((e) => hub.publish(e));
  store.onEvent((e) => crds.onEvent(e));
  store.onEvent((e) => gc.onEvent(e));
  if (workloadsEnabled) store.onEvent((e) => workloads.onEvent(e));

  const nsInfo = registry.byStorageKey('namespaces')!;
  for (const name of SYSTEM_NAMESPACES)
    api.create({ info: nsInfo, version: 'v1', namespace: '' }, { metadata: { name } }, { manager: '' });

  const faultControls: KubeSimFaults = {
    set: (f) => faults.set(f),
    clear: () => {
      faults.clear();
      hub.resume();
    },
    dropWatches: (o) => holder.server?.watches.dropAll(o?.abrupt ?? false),
    compact: () => hub.compact(store.resourceVersion),
    pause: () => {
      faults.pause();
      hub.pause();
    },
    resume: () => {
      faults.resume();
      hub.resume();
    },
    get: () => faults.current,
  };
  const caData = opts.tls ? Buffer.from(opts.tls.cert).toString('base64') : undefined;
  const kubeconfig = (o: { token?: string; namespace?: string } = {}): string =>
    renderKubeconfig({
      server: url,
      token: o.token,
      namespace: o.namespace,
      certificateAuthorityData: caData,
    });
  const snapshot = (): SimStats =>
    stats.snapshot({
      watchesOpen: hub.open,
      objects: store.size,
      resourceVersion: String(store.resourceVersion),
    });
  const markUnready = (ref: WorkloadRef, mode: WorkloadMode): void => workloads.markUnready(ref, mode);
  const controls: AdminControls = {
    faults: faultControls,
    stats: snapshot,
    resetStats: () => stats.reset(),
    markUnready,
    kubeconfig,
  };

  const apiServer = new ApiServer({
    registry,
    api,
    hub,
    faults,
    auth,
    stats,
    logger,
    serverAddress: () => url.replace(/^https?:\/\//, ''),
    admin: (req, res, action, u) => handleAdmin(controls, req, res, action, u),
  });
  holder.server = apiServer;
  const serverOptions = { keepAliveTimeout: 30_000, requestTimeout: 0, headersTimeout: 60_000 };
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    apiServer.handle(req, res).catch((err: unknown) => {
      logger?.error?.({ err }, 'kube-sim: request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const httpServer: http.Server = opts.tls
    ? https.createServer({ ...serverOptions, key: opts.tls.key, cert: opts.tls.cert }, onRequest)
    : http.createServer(serverOptions, onRequest);
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port ?? 0, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;
  url = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const bookmarkTimer = setInterval(
    () => hub.bookmarkAll(store.resourceVersion),
    opts.bookmarkIntervalMs ?? 60_000,
  );
  bookmarkTimer.unref();
  logger?.info({ url }, 'kube-sim listening');

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    kubeconfig,
    writeKubeconfig: (path, o) => writeFile(path, kubeconfig(o), { mode: 0o600 }),
    faults: faultControls,
    stats: snapshot,
    resetStats: () => stats.reset(),
    markUnready,
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(bookmarkTimer);
        workloads.stop();
        gc.stop();
        crds.stop();
        faults.resume();
        apiServer.watches.dropAll(false);
        await new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeAllConnections();
        });
      })()),
  };
}
