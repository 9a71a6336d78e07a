import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createKubeClient, type KubeClient, type KubeObject } from '@lostromos/kube';
import {
  freePort,
  spawnLostromos,
  startRedis,
  waitFor,
  type LostromosProcess,
  type TestRedis,
} from '../support/index.js';
import { startSubstrate, type Substrate, type SubstrateKind } from '../support/substrate.ts';

const run = promisify(execFile);
export const FIXTURES = path.resolve(import.meta.dirname, 'fixtures');

export interface RoleHandle extends LostromosProcess {
  role: string;
  port: number;
  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
}

export interface Harness {
  dir: string;
  /** The editable copy of the fixture template folders (ships/, gadgets/). */
  templates: string;
  /** The API server under test: the real control plane (default) or the simulator. */
  api: Substrate;
  redis: TestRedis;
  kubeconfig: string;
  kube: KubeClient;
  configFile: string;
  kubectl(...args: string[]): Promise<string>;
  apply(yaml: string): Promise<void>;
  get(apiVersion: string, plural: string, namespace: string, name: string): Promise<KubeObject | undefined>;
  list(apiVersion: string, plural: string, namespace: string, labelSelector?: string): Promise<KubeObject[]>;
  /** Starts a role; `opts.configFile` gives it another config than `configFile` (e.g. other template paths). */
  start(
    role: 'watcher' | 'worker' | 'all',
    extra?: string[],
    opts?: { configFile?: string },
  ): Promise<RoleHandle>;
  roles: RoleHandle[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Extra YAML appended to the config file. */
  configExtra?: string;
  resyncSeconds?: number;
  lease?: { duration: number; renewDeadline: number; retryPeriod: number };
  /** leaderElection.shards (default 1). */
  shards?: number;
  prefix?: string;
  /** Default: TEST_SUBSTRATE (real unless set to sim). */
  substrate?: SubstrateKind;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lostromos-controller-'));
  // A private copy of the template folders, so a test can edit them.
  const templates = path.join(dir, 'templates');
  fs.cpSync(FIXTURES, templates, { recursive: true });
  const api = await startSubstrate({ kind: opts.substrate });
  const kubeconfig = path.join(dir, 'kubeconfig');
  await api.writeKubeconfig(kubeconfig);
  const redis = await startRedis();
  const kube = createKubeClient({ kubeconfig });
  // Config durations are whole seconds: 3/2/1 is the shortest valid lease (lease > renewDeadline > 1.2 × retry).
  const le = opts.lease ?? { duration: 3, renewDeadline: 2, retryPeriod: 1 };
  const configFile = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    configFile,
    `redis: { url: ${redis.url}, prefix: ${opts.prefix ?? 'itest'} }
kubernetes: { kubeconfig: ${kubeconfig} }
leaderElection: { namespace: default, leaseName: itest-watcher, leaseDurationSeconds: ${le.duration}, renewDeadlineSeconds: ${le.renewDeadline}, retryPeriodSeconds: ${le.retryPeriod}, shards: ${opts.shards ?? 1} }
worker: { lockDurationMs: 5000, shutdownGraceSeconds: 5 }
log: { level: debug }
resources:
  - name: ships
    group: fleet.example.io
    version: v1
    plural: ships
    templates: ${path.join(templates, 'ships')}
    resyncSeconds: ${opts.resyncSeconds ?? 600}
    concurrency: 4
  - name: gadgets
    group: toys.example.org
    version: v1alpha1
    plural: gadgets
    filterAnnotation: example.io/managed
    templates: ${path.join(templates, 'gadgets')}
    resyncSeconds: ${opts.resyncSeconds ?? 600}
    concurrency: 4
${opts.configExtra ?? ''}`,
  );
  const kubectl = async (...args: string[]): Promise<string> => {
    const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 });
    return stdout;
  };
  const apply = async (yaml: string): Promise<void> => {
    const f = path.join(dir, `apply-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(f, yaml);
    // A real API server serves a new CRD's kind a moment after the CRD is created (Established), and
    // kubectl's discovery cache lags behind it: retry "no matches for kind" for a few seconds.
    for (let attempt = 0; ; attempt++) {
      try {
        await kubectl('apply', '-f', f);
        return;
      } catch (err) {
        const msg = String((err as { stderr?: string }).stderr ?? err);
        if (
          attempt >= 40 ||
          !/no matches for kind|ensure CRDs are installed|the server could not find the requested resource/.test(
            msg,
          )
        )
          throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  const roles: RoleHandle[] = [];
  const start = async (
    role: 'watcher' | 'worker' | 'all',
    extra: string[] = [],
    startOpts: { configFile?: string } = {},
  ): Promise<RoleHandle> => {
    const port = await freePort();
    const p = spawnLostromos([
      'start',
      '--config',
      startOpts.configFile ?? configFile,
      '--role',
      role,
      '--server-address',
      `127.0.0.1:${port}`,
      ...extra,
    ]);
    const handle: RoleHandle = {
      ...p,
      role,
      port,
      logs: () =>
        p
          .output()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => {
            try {
              return JSON.parse(l) as Record<string, unknown>;
            } catch {
              return {};
            }
          }),
    };
    roles.push(handle);
    await waitFor(
      async () => {
        if (p.proc.exitCode !== null)
          throw new Error(`${role} exited ${p.proc.exitCode}: ${p.output().slice(-2000)}`);
        const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        return res?.ok;
      },
      { timeoutMs: 60_000, what: `${role} /healthz` },
    );
    return handle;
  };
  const get = async (
    apiVersion: string,
    plural: string,
    namespace: string,
    name: string,
  ): Promise<KubeObject | undefined> => {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    try {
      return (
        await kube.rest.request<KubeObject>({
          method: 'GET',
          path: `${base}/namespaces/${namespace}/${plural}/${name}`,
        })
      ).body;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      throw err;
    }
  };
  const list = async (
    apiVersion: string,
    plural: string,
    namespace: string,
    labelSelector?: string,
  ): Promise<KubeObject[]> => {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const res = await kube.rest.request<{ items: KubeObject[] }>({
      method: 'GET',
      path: `${base}/namespaces/${namespace}/${plural}`,
      query: { labelSelector },
    });
    return res.body.items;
  };
  const close = async (): Promise<void> => {
    await Promise.all(roles.map((r) => r.stop(8000)));
    kube.close();
    await redis.stop();
    await api.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return {
    dir,
    templates,
    api,
    redis,
    kubeconfig,
    kube,
    configFile,
    kubectl,
    apply,
    get,
    list,
    start,
    roles,
    close,
  };
}

export function ship(name: string, spec: Record<string, unknown>, namespace = 'default'): string {
  return JSON.stringify({
    apiVersion: 'fleet.example.io/v1',
    kind: 'Ship',
    metadata: { name, namespace },
    spec,
  });
}

export function gadget(name: string, size: number, annotated: boolean): string {
  return JSON.stringify({
    apiVersion: 'toys.example.org/v1alpha1',
    kind: 'Gadget',
    metadata: { name, namespace: 'default', annotations: annotated ? { 'example.io/managed': 'yes' } : {} },
    spec: { size },
  });
}

export function condition(
  obj: KubeObject | undefined,
  type: string,
): { status?: string; reason?: string; message?: string } | undefined {
  const conds = (
    obj?.status as
      { conditions?: Array<{ type: string; status?: string; reason?: string; message?: string }> } | undefined
  )?.conditions;
  return conds?.find((c) => c.type === type);
}
