// Starts and stops one real control plane on free loopback ports: etcd, kube-apiserver (TLS, RBAC, token
// authentication, service-account keys) and kube-controller-manager (garbage collector, namespace,
// service-account and workload controllers), plus a node agent that plays the kubelet for a fake node so
// Deployments, StatefulSets and Jobs get Pods that run and become ready.
//
// No process or folder outlives the control plane: children get SIGKILL from the kernel when this process
// dies (setpriv --pdeathsig), exit hooks kill them on a normal exit, and a start sweeps folders left by
// processes that were killed before they could clean up.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildControlPlane, type BuildOptions, type ControlPlaneBinaries } from './build.ts';
import { ControlPlaneError } from './errors.ts';
import { startNodeAgent, type NodeAgent } from './node-agent.ts';
import { generatePki, renderKubeconfig, type Pki } from './pki.ts';

export interface ControlPlaneOptions {
  /** Prebuilt binaries; default: build what is missing (cached). */
  binaries?: ControlPlaneBinaries;
  build?: BuildOptions;
  /** The API server's port on 127.0.0.1; default a free one. */
  port?: number;
  /** Seconds to wait for each component to become ready (default 90). */
  readyTimeoutSeconds?: number;
  /** Run kube-controller-manager (default true). */
  controllers?: boolean;
  /** Run the node agent (fake kubelet; default true, needs controllers). */
  nodeAgent?: boolean;
  /** Extra kube-apiserver flags, e.g. raised in-flight limits for benchmarks. */
  apiserverArgs?: string[];
  log?: (line: string) => void;
}

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  url: string;
  /** gitVersion reported by /version, e.g. v1.37.2. */
  version: string;
  etcdVersion: string;
  caPem: string;
  /** Serving key and certificate (SANs 127.0.0.1, ::1, localhost): a fault proxy may serve with them. */
  tls: { key: string; cert: string };
  adminToken: string;
  dir: string;
  /** A kubeconfig for `server` (default the API server) with the admin token or the given one. */
  kubeconfig(opts?: { token?: string; namespace?: string; server?: string }): string;
  writeKubeconfig(
    file: string,
    opts?: { token?: string; namespace?: string; server?: string },
  ): Promise<void>;
  /** An authenticated request to the API server as admin (JSON in, JSON out). */
  request<T = unknown>(
    method: string,
    apiPath: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; body: T }>;
  nodeAgent: NodeAgent | undefined;
  pids(): number[];
  /** The pid of each running component by name: etcd, kube-apiserver, kube-controller-manager. */
  componentPids(): Record<string, number>;
  stop(): Promise<void>;
}

const DIR_PREFIX = 'lostromos-cp-';
const OWNER_FILE = 'owner.pid';
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A folder without an owner this young is one a starting control plane has created but not yet claimed. */
const UNCLAIMED_GRACE_MS = 60_000;

function readOwner(dir: string): number | 'gone' | 'young' {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
    if (pid > 0) return pid;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    return Date.now() - fs.statSync(dir).mtimeMs < UNCLAIMED_GRACE_MS ? 'young' : 0;
  } catch {
    return 'gone';
  }
}

/** Removes folders of control planes whose owning process is gone (it was SIGKILLed before cleaning up). */
export function sweepStaleDirs(root = os.tmpdir()): string[] {
  const removed: string[] = [];
  for (const base of new Set([root, '/dev/shm'])) {
    let entries: string[];
    try {
      entries = fs.readdirSync(base).filter((e) => e.startsWith(DIR_PREFIX));
    } catch {
      continue;
    }
    for (const e of entries) {
      const dir = path.join(base, e);
      const owner = readOwner(dir);
      // Gone already (another process swept it), still being created (no owner written yet), or owned by a live
      // process: not ours to remove.
      if (owner === 'gone' || owner === 'young' || (owner > 0 && alive(owner))) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new ControlPlaneError(
          'CP_PORT_TAKEN',
          `port ${port} on 127.0.0.1 is taken (${err.code ?? err.message}): stop what listens there ` +
            `(\`ss -ltnp 'sport = :${port}'\` names it) or choose another port (omit --port for a free one)`,
        ),
      ),
    );
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

const hasSetpriv = ((): boolean => spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0)();

interface Component {
  name: string;
  proc: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

function startComponent(name: string, bin: string, args: string[], logDir: string): Component {
  const logFile = path.join(logDir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  // The kernel SIGKILLs the component when this process dies, even by SIGKILL: nothing is left behind.
  const [cmd, argv] = hasSetpriv ? ['setpriv', ['--pdeathsig', 'KILL', '--', bin, ...args]] : [bin, args];
  const proc = spawn(cmd, argv, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  live.add(proc);
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      resolve(code ?? (signal ? 128 : null));
    });
    proc.once('error', () => {
      live.delete(proc);
      resolve(127);
    });
  });
  return { name, proc, logFile, exited };
}

function tail(file: string, lines = 25): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitReady(
  c: Component,
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  hint: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void c.exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) {
      throw new ControlPlaneError(
        'CP_COMPONENT_EXITED',
        `${c.name} exited (code ${exitCode}) before ${what}. ${hint}\nLast lines of ${c.logFile}:\n${tail(c.logFile)}`,
      );
    }
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new ControlPlaneError(
        'CP_NOT_READY',
        `${c.name} was not ${what} within ${Math.round(timeoutMs / 1000)} s. ${hint}\nLast lines of ${c.logFile}:\n${tail(c.logFile)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https') ? https : http).get(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

export interface ApiRequesterOptions {
  /** Connections at once (default 16). */
  maxSockets?: number;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  userAgent?: string;
}

export interface ApiRequester {
  /** An authenticated request (JSON in, JSON out; a body that is not JSON comes back as text). */
  request: <T = unknown>(
    method: string,
    apiPath: string,
    body?: unknown,
    contentType?: string,
  ) => Promise<{ status: number; body: T }>;
  agent: https.Agent;
}

/** A keep-alive HTTPS client to the API server for one bearer token (the harness's and the bench's). */
export function apiRequester(
  url: string,
  token: string,
  ca: string,
  opts: ApiRequesterOptions = {},
): ApiRequester {
  const agent = new https.Agent({ ca, keepAlive: true, maxSockets: opts.maxSockets ?? 16 });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const request = <T>(
    method: string,
    apiPath: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; body: T }> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = https.request(
        `${url}${apiPath}`,
        {
          method,
          agent,
          timeout: timeoutMs,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(opts.userAgent ? { 'user-agent': opts.userAgent } : {}),
            ...(payload !== undefined
              ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              /* not JSON (e.g. /readyz "ok") */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T });
          });
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`${method} ${apiPath}: timeout`)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  return { request, agent };
}

async function killAll(components: Component[]): Promise<void> {
  // Reverse start order: controllers first, etcd last, each given a moment to exit cleanly.
  for (const c of [...components].reverse()) {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) continue;
    c.proc.kill('SIGTERM');
    const timer = setTimeout(() => c.proc.kill('SIGKILL'), 5000);
    await c.exited;
    clearTimeout(timer);
  }
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? ((): void => undefined);
  const timeoutMs = (opts.readyTimeoutSeconds ?? 90) * 1000;
  installExitHook();
  sweepStaleDirs();
  if (opts.port !== undefined) await assertPortFree(opts.port);
  const binaries = opts.binaries ?? (await buildControlPlane(opts.build));
  // etcd on tmpfs when there is one: fsync-free and fast, as envtest and kwok run it for tests.
  const shm = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), DIR_PREFIX));
  const dataDir = fs.mkdtempSync(path.join(shm, DIR_PREFIX));
  for (const d of [dir, dataDir]) fs.writeFileSync(path.join(d, OWNER_FILE), String(process.pid));
  const logDir = path.join(dir, 'logs');
  fs.mkdirSync(logDir);
  const components: Component[] = [];
  let agent: NodeAgent | undefined;
  let stopped: Promise<void> | undefined;
  const cleanup = async (): Promise<void> => {
    await agent?.stop();
    await killAll(components);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const pki: Pki = generatePki(path.join(dir, 'pki'));
    const etcdPort = await freePort();
    const etcdPeerPort = await freePort();
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = startComponent(
      'etcd',
      binaries.etcd,
      [
        '--name=default',
        `--data-dir=${path.join(dataDir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--unsafe-no-fsync=true',
        '--quota-backend-bytes=8589934592',
        '--auto-compaction-mode=periodic',
        '--auto-compaction-retention=5m',
        '--log-level=warn',
      ],
      logDir,
    );
    components.push(etcd);
    await waitReady(
      etcd,
      'healthy',
      timeoutMs,
      async () => (await httpGet(`${etcdUrl}/health`)).body.includes('"health":"true"'),
      `Is port ${etcdPort} or ${etcdPeerPort} taken, or ${shm} full?`,
    );
    log(`control-plane: etcd ${binaries.versions.etcd} healthy on ${etcdUrl}`);

    const port = opts.port ?? (await freePort());
    const url = `https://127.0.0.1:${port}`;
    const apiserver = startComponent(
      'kube-apiserver',
      binaries.kubeApiserver,
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${port}`,
        // A loopback advertise address is accepted only with the endpoint reconciler off (no HA masters here).
        '--advertise-address=127.0.0.1',
        '--endpoint-reconciler-type=none',
        `--cert-dir=${path.join(dir, 'pki')}`,
        `--tls-cert-file=${pki.serverCert}`,
        `--tls-private-key-file=${pki.serverKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--token-auth-file=${pki.tokenFile}`,
        '--authorization-mode=RBAC',
        '--service-cluster-ip-range=10.0.0.0/24',
        `--service-account-issuer=${url}`,
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        '--allow-privileged=true',
        '--profiling=false',
        '--v=0',
        ...(opts.apiserverArgs ?? []),
      ],
      logDir,
    );
    components.push(apiserver);
    const api = apiRequester(url, pki.adminToken, pki.caPem);
    await waitReady(
      apiserver,
      'ready (/readyz)',
      timeoutMs,
      async () => (await api.request('GET', '/readyz')).status === 200,
      `If the port was taken, run again (a free one is chosen each time) or pass another --port.`,
    );
    const version = (await api.request<{ gitVersion: string }>('GET', '/version')).body.gitVersion;
    log(`control-plane: kube-apiserver ${version} ready on ${url}`);

    const adminKubeconfig = path.join(dir, 'admin.kubeconfig');
    fs.writeFileSync(
      adminKubeconfig,
      renderKubeconfig({ server: url, caPem: pki.caPem, token: pki.adminToken }),
      {
        mode: 0o600,
      },
    );
    if (opts.controllers ?? true) {
      const kcm = startComponent(
        'kube-controller-manager',
        binaries.kubeControllerManager,
        [
          `--kubeconfig=${adminKubeconfig}`,
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          '--secure-port=0',
          // All default controllers, except the two that act on node heartbeats: the fake node never
          // sends them, and they would evict its pods.
          '--controllers=*,-node-lifecycle-controller,-pod-garbage-collector-controller',
          `--service-account-private-key-file=${pki.saKey}`,
          `--root-ca-file=${pki.caCert}`,
          '--use-service-account-credentials=false',
          '--kube-api-qps=1000',
          '--kube-api-burst=2000',
          '--concurrent-gc-syncs=40',
          '--v=0',
        ],
        logDir,
      );
      components.push(kcm);
      // The service-account controller creating `default` in `default` shows the controllers are running.
      await waitReady(
        kcm,
        'running controllers (ServiceAccount default/default created)',
        timeoutMs,
        async () =>
          (await api.request('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
        '',
      );
      log('control-plane: kube-controller-manager running');
      if (opts.nodeAgent ?? true) {
        agent = await startNodeAgent({
          url,
          token: pki.adminToken,
          caPem: pki.caPem,
          request: api.request,
          log,
        });
      }
    }
    const kubeconfig = (o: { token?: string; namespace?: string; server?: string } = {}): string =>
      renderKubeconfig({
        server: o.server ?? url,
        caPem: pki.caPem,
        token: o.token ?? pki.adminToken,
        namespace: o.namespace,
      });
    return {
      url,
      version,
      etcdVersion: binaries.versions.etcd,
      caPem: pki.caPem,
      tls: { key: fs.readFileSync(pki.serverKey, 'utf8'), cert: fs.readFileSync(pki.serverCert, 'utf8') },
      adminToken: pki.adminToken,
      dir,
      kubeconfig,
      writeKubeconfig: (file, o) => fs.promises.writeFile(file, kubeconfig(o), { mode: 0o600 }),
      request: (method, apiPath, body, contentType) => api.request(method, apiPath, body, contentType),
      nodeAgent: agent,
      pids: () => components.map((c) => c.proc.pid ?? 0).filter(Boolean),
      componentPids: () =>
        Object.fromEntries(components.filter((c) => c.proc.pid).map((c) => [c.name, c.proc.pid ?? 0])),
      stop: () =>
        (stopped ??= (async () => {
          await cleanup();
          api.agent.destroy();
        })()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
