/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests and API answers are untyped JSON */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { SimRule } from '@lostromos/kube-sim';
import {
  freePort,
  spawnLostromos,
  startRedis,
  waitFor,
  type LostromosProcess,
  type TestRedis,
} from '../support/index.js';
import { applyManifest } from '../../apps/cli/src/dev/apply-manifests.js';
import { crdInfo, parseManifests, type Manifest } from '../../apps/cli/src/dev/example-sets.js';
import { serviceAccountToken, startSubstrate, substrateKind, type Substrate } from '../support/substrate.ts';
import { ROOT, byKind, find, renderChart, type K8sObject } from './helm.js';
const NS = 'lostromos-system';

/** The chart's RBAC for one role as simulator rules: ClusterRoles anywhere, Roles in their namespace. */
function simRules(objs: K8sObject[], component: string): SimRule[] {
  const sa = `lz-lostromos-${component}`;
  const rules: SimRule[] = [];
  for (const b of [...byKind(objs, 'ClusterRoleBinding'), ...byKind(objs, 'RoleBinding')]) {
    if (!b.subjects.some((s: any) => s.name === sa)) continue;
    const role = objs.find((o) => o.kind === b.roleRef.kind && o.metadata.name === b.roleRef.name)!;
    for (const r of role.rules as any[]) {
      rules.push({
        verbs: r.verbs,
        resources: r.resources,
        apiGroups: r.apiGroups,
        ...(role.kind === 'Role' ? { namespaces: [role.metadata.namespace!] } : {}),
      });
    }
  }
  return rules;
}

/**
 * Least privilege that is also enough. On the real control plane the chart's own ServiceAccounts, Roles,
 * ClusterRoles and bindings are applied as rendered, each role runs with a token of its ServiceAccount, and
 * the API server's RBAC authorizer (resourceNames included) decides every request. On the simulator the same
 * rules become per-token rules (without resourceNames). The operator must reconcile, report status, repair
 * drift, prune and clean up, without a single 403.
 */
/** Both repository example sets; `renders` for website is the one docs/operations.md shows. */
function examplesValues(): string {
  const files = (set: string): Record<string, string> =>
    Object.fromEntries(
      fs
        .readdirSync(path.join(ROOT, 'templates', set))
        .filter((f) => /\.(ya?ml|hbs)$/.test(f))
        .map((f) => [f, fs.readFileSync(path.join(ROOT, 'templates', set, f), 'utf8')]),
    );
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'chart-values-')), 'values.yaml');
  fs.writeFileSync(
    file,
    YAML.stringify({
      resources: [
        {
          name: 'characters',
          group: 'stable.nicolerenee.io',
          version: 'v1',
          plural: 'characters',
          templateSet: 'characters',
          renders: [
            { apiGroup: '', resources: ['configmaps'] },
            { apiGroup: 'apps', resources: ['deployments'] },
          ],
        },
        {
          name: 'website',
          group: 'web.example.io',
          version: 'v1alpha1',
          plural: 'websites',
          templateSet: 'website',
          renders: [
            { apiGroup: '', resources: ['services'] },
            { apiGroup: 'apps', resources: ['deployments'] },
            { apiGroup: 'networking.k8s.io', resources: ['ingresses'] },
            { apiGroup: 'autoscaling', resources: ['horizontalpodautoscalers'] },
          ],
        },
      ],
      templateSets: { characters: { files: files('characters') }, website: { files: files('website') } },
    }),
  );
  return file;
}

describe('the chart RBAC is sufficient for every role', () => {
  const valuesFile = examplesValues();
  const objs = renderChart(['--namespace', NS, '-f', valuesFile]);
  let sim: Substrate;
  let redis: TestRedis;
  let dir: string;
  const roles: LostromosProcess[] = [];
  const kubeconfigs: Record<string, string> = {};
  const watcherPorts: number[] = [];

  // kubectl never sends a bearer token over plain HTTP, so the test's own requests go through fetch.
  const admin = async (p: string, init: RequestInit = {}): Promise<any> => {
    const res = await sim.fetch(`${sim.url}${p}`, {
      ...init,
      headers: {
        authorization: `Bearer ${sim.adminToken}`,
        'content-type': 'application/json',
        ...init.headers,
      },
    });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${p}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const manifest = (file: string): Manifest =>
    parseManifests(fs.readFileSync(path.join(ROOT, file), 'utf8'))![0]!;
  const crd = manifest('templates/characters/examples/crd.yaml');
  const websiteCrd = manifest('templates/website/examples/crd.yaml');
  const crds = [crdInfo(crd, 'crd.yaml'), crdInfo(websiteCrd, 'crd.yaml')];
  const apply = (obj: Manifest): Promise<void> =>
    applyManifest(obj, crds, {
      server: sim.url,
      token: sim.adminToken,
      fetchFn: (url, init) => sim.fetch(url instanceof Request ? url.url : url.toString(), init),
    });
  const CR = '/apis/stable.nicolerenee.io/v1/namespaces/default/characters/ripley';

  beforeAll(async () => {
    const real = substrateKind() === 'real';
    sim = await startSubstrate(
      real
        ? {}
        : {
            identities: {
              watcher: simRules(objs, 'watcher'),
              worker: simRules(objs, 'worker'),
              dashboard: simRules(objs, 'dashboard'),
            },
          },
    );
    redis = await startRedis();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-rbac-'));
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    if (real) {
      // The chart's RBAC exactly as rendered: the API server evaluates it.
      const rbacKinds = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
      const rbac = objs.filter((o) => rbacKinds.includes(o.kind));
      expect(rbac.length).toBeGreaterThan(6);
      const adminKubeconfig = path.join(dir, 'admin.kubeconfig');
      await sim.writeKubeconfig(adminKubeconfig);
      const rbacFile = path.join(dir, 'rbac.yaml');
      fs.writeFileSync(rbacFile, rbac.map((o) => YAML.stringify(o)).join('---\n'));
      // Asynchronously: the fault proxy in front of the API server runs in this process.
      await promisify(execFile)('kubectl', ['--kubeconfig', adminKubeconfig, 'apply', '-f', rbacFile]);
    }
    for (const who of ['watcher', 'worker', 'dashboard']) {
      const file = path.join(dir, `${who}.kubeconfig`);
      const token = real
        ? await serviceAccountToken(sim.controlPlane!, NS, `lz-lostromos-${who}`)
        : sim.token(who);
      await sim.writeKubeconfig(file, { token });
      kubeconfigs[who] = file;
    }
    await apply(crd);
    await apply(websiteCrd);
    await waitFor(() => admin('/apis/web.example.io/v1alpha1/websites').then(Boolean), {
      timeoutMs: 10_000,
      what: 'the website CRD to be served',
    });
    await waitFor(() => admin('/apis/stable.nicolerenee.io/v1/characters').then(Boolean), {
      timeoutMs: 10_000,
      what: 'the CRD to be served',
    });

    // The chart's own config, pointed at the test Redis and the repository's template folder.
    const cfg = YAML.parse(find(objs, 'ConfigMap', '-config').data['config.yaml'] as string);
    cfg.redis = { url: redis.url, prefix: 'rbac' };
    cfg.resources[0].templates = path.join(ROOT, 'templates/characters');
    cfg.resources[1].templates = path.join(ROOT, 'templates/website');
    cfg.dashboard.auth = { mode: 'basic', username: 'admin' };
    cfg.leaderElection.leaseDurationSeconds = 4;
    cfg.leaderElection.renewDeadlineSeconds = 3;
    cfg.leaderElection.retryPeriodSeconds = 1;
    cfg.worker.shutdownGraceSeconds = 2;
    const configFile = path.join(dir, 'config.yaml');
    fs.writeFileSync(configFile, YAML.stringify(cfg));
    // Two watchers, so the standby's takeover (Lease get/update under resourceNames) is exercised too.
    for (const role of ['watcher', 'watcher', 'worker', 'dashboard']) {
      const args = ['start', '--config', configFile, '--role', role, '--kubeconfig', kubeconfigs[role]!];
      const port = await freePort();
      if (role === 'watcher') watcherPorts.push(port);
      args.push('--server-address', `127.0.0.1:${port}`);
      if (role === 'dashboard') args.push('--dashboard-address', `127.0.0.1:${await freePort()}`);
      roles.push(spawnLostromos(args, { env: { LOSTROMOS_DASHBOARD_PASSWORD: 'rbac-test-password' } }));
    }
  });

  afterAll(async () => {
    await Promise.all(roles.map((r) => r.stop(5_000)));
    await sim?.stop();
    await redis?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.dirname(valuesFile), { recursive: true, force: true });
  });

  it('create, update, drift, prune, repeated failures, leader failover and delete, with no request forbidden', async () => {
    await apply(manifest('templates/characters/examples/ripley.yaml'));
    await apply(manifest('templates/website/examples/blog.yaml'));
    const BLOG = '/apis/web.example.io/v1alpha1/namespaces/default/websites/blog';
    await waitFor(
      async () => {
        const cr = await admin(BLOG);
        const conditions: any[] = cr?.status?.conditions ?? [];
        return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
      },
      { timeoutMs: 60_000, what: 'blog Ready' },
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}\n${roles
          .map((r) => r.output())
          .join('\n')
          .slice(-6000)}`,
      );
    });
    expect(
      await admin('/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/blog'),
    ).toBeDefined();
    expect(await admin('/apis/networking.k8s.io/v1/namespaces/default/ingresses/blog')).toBeDefined();
    const ready = async (): Promise<boolean> => {
      const cr = await admin(CR);
      const conditions: any[] = cr?.status?.conditions ?? [];
      return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
    };
    await waitFor(ready, { timeoutMs: 60_000, what: 'ripley Ready' }).catch((err: Error) => {
      throw new Error(
        `${err.message}\n${roles
          .map((r) => r.output())
          .join('\n')
          .slice(-6000)}`,
      );
    });
    const CM = '/api/v1/namespaces/default/configmaps/ripley-configmap';
    const cm = await admin(CM);
    expect(cm.data.from).toBe('Alien');
    expect((await admin(CR)).metadata.finalizers).toContain('lostromos.io/cleanup');
    const merge = (body: unknown): RequestInit => ({
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify(body),
    });

    // Update: the CR's new value reaches its ConfigMap.
    await admin(CR, merge({ spec: { From: 'Aliens' } }));
    await waitFor(async () => (await admin(CM))?.data?.from === 'Aliens', {
      timeoutMs: 30_000,
      what: 'update',
    });

    // Drift: an edited ConfigMap and a deleted Deployment are put back.
    await admin(CM, merge({ data: { from: 'tampered' } }));
    await waitFor(async () => (await admin(CM))?.data?.from === 'Aliens', {
      timeoutMs: 30_000,
      what: 'drift repair',
    });
    const DEPLOY = '/apis/apps/v1/namespaces/default/deployments/ripley-nginx';
    await admin(DEPLOY, { method: 'DELETE' });
    await waitFor(
      async () =>
        (await admin(DEPLOY))?.metadata?.deletionTimestamp === undefined &&
        (await admin(DEPLOY)) !== undefined,
      {
        timeoutMs: 30_000,
        what: 'the deleted Deployment re-created',
      },
    );

    // Prune: without a host and autoscaling the Ingress and the HPA are no longer rendered.
    await admin(BLOG, merge({ spec: { host: null, tls: null, paths: null, autoscaling: null } }));
    await waitFor(
      async () =>
        (await admin('/apis/networking.k8s.io/v1/namespaces/default/ingresses/blog')) === undefined &&
        (await admin('/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/blog')) === undefined,
      { timeoutMs: 30_000, what: 'the Ingress and HPA pruned' },
    );

    // Repeated failures: names the API server rejects (over 253 characters); the failure lands in the CR's
    // status and in an Event, again after each change.
    const longName = `x${'y'.repeat(245)}`;
    const LONG = `/apis/stable.nicolerenee.io/v1/namespaces/default/characters/${longName}`;
    await apply({
      ...manifest('templates/characters/examples/ripley.yaml'),
      metadata: { name: longName },
    });
    const failed = async (generation: number): Promise<boolean> => {
      const cr = await admin(LONG);
      const c = (cr?.status?.conditions ?? []).find((x: any) => x.type === 'Reconciled');
      return cr?.status?.observedGeneration >= generation && c?.status === 'False';
    };
    await waitFor(() => failed(1), { timeoutMs: 30_000, what: 'the failure reported on the CR' });
    for (const From of ['Earth', 'LV-426']) {
      const g = (await admin(LONG, merge({ spec: { From } }))).metadata.generation as number;
      await waitFor(() => failed(g), {
        timeoutMs: 30_000,
        what: `the failure reported again (generation ${g})`,
      });
    }
    const events = await admin(
      `/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=${longName}`,
    );
    expect(events.items.length).toBeGreaterThan(0);
    await admin(LONG, { method: 'DELETE' });

    // Leader failover: kill -9 the leading watcher; the standby takes the Lease and a new CR is reconciled.
    const leading = async (port: number): Promise<boolean> => {
      const st = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as any;
      return st?.watcher?.isLeader === true;
    };
    const leaderIndex = await waitFor(
      async () => {
        for (const [i, port] of watcherPorts.entries()) if (await leading(port)) return i + 1;
        return 0;
      },
      { timeoutMs: 20_000, what: 'a leader' },
    );
    await roles[leaderIndex - 1]!.kill();
    const standby = watcherPorts[leaderIndex === 1 ? 1 : 0]!;
    await waitFor(() => leading(standby), { timeoutMs: 30_000, what: 'the standby to lead' });
    await apply({
      ...manifest('templates/characters/examples/ripley.yaml'),
      metadata: { name: 'dallas' },
      spec: { Name: 'Dallas', From: 'Alien', By: 'Ridley Scott' },
    });
    await waitFor(
      async () =>
        (await admin('/api/v1/namespaces/default/configmaps/dallas-configmap'))?.data?.name === 'Dallas',
      { timeoutMs: 30_000, what: 'a CR reconciled under the new leader' },
    );

    await admin(CR, { method: 'DELETE' });
    await waitFor(
      async () => (await admin('/api/v1/namespaces/default/configmaps/ripley-configmap')) === undefined,
      {
        timeoutMs: 30_000,
        what: 'ripley-configmap to be deleted',
      },
    );
    await waitFor(async () => (await admin(CR)) === undefined, {
      timeoutMs: 30_000,
      what: 'the finalizer to be released',
    });
    const forbidden = roles.flatMap((r) =>
      r
        .output()
        .split('\n')
        .filter((l) => /forbidden/i.test(l)),
    );
    expect(forbidden).toEqual([]);
    expect(sim.stats().byStatusCode['403'] ?? 0).toBe(0);
  });
});
