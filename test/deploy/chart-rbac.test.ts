/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests and API answers are untyped JSON */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { startKubeSim, type KubeSim, type SimRule } from '@lostromos/kube-sim';
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
 * Least privilege that is also enough: the operator runs against a simulator that enforces exactly the
 * chart's generated RBAC (one bearer token per ServiceAccount), and must still reconcile, report status and
 * clean up, without a single 403. (The simulator does not model resourceNames, so the Lease rules are
 * checked for shape in chart.test.ts.)
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
  let sim: KubeSim;
  let redis: TestRedis;
  let dir: string;
  const roles: LostromosProcess[] = [];
  const kubeconfigs: Record<string, string> = {};

  // kubectl never sends a bearer token over plain HTTP, so the test's own requests go through fetch.
  const admin = async (p: string, init: RequestInit = {}): Promise<any> => {
    const res = await fetch(`${sim.url}${p}`, {
      ...init,
      headers: { authorization: 'Bearer admin-token', 'content-type': 'application/json', ...init.headers },
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
    applyManifest(obj, crds, { server: sim.url, token: 'admin-token' });
  const CR = '/apis/stable.nicolerenee.io/v1/namespaces/default/characters/ripley';

  beforeAll(async () => {
    sim = await startKubeSim({
      auth: {
        tokens: {
          'admin-token': [{ verbs: ['*'], resources: ['*'] }],
          'watcher-token': simRules(objs, 'watcher'),
          'worker-token': simRules(objs, 'worker'),
          'dashboard-token': simRules(objs, 'dashboard'),
        },
      },
    });
    redis = await startRedis();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-rbac-'));
    for (const who of ['watcher', 'worker', 'dashboard']) {
      const file = path.join(dir, `${who}.kubeconfig`);
      await sim.writeKubeconfig(file, { token: `${who}-token` });
      kubeconfigs[who] = file;
    }
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
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
    for (const role of ['watcher', 'worker', 'dashboard']) {
      const args = ['start', '--config', configFile, '--role', role, '--kubeconfig', kubeconfigs[role]!];
      args.push('--server-address', `127.0.0.1:${await freePort()}`);
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

  it('reconciles CRs of both example sets to Ready and cleans up on delete, with no request forbidden', async () => {
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
    const cm = await admin('/api/v1/namespaces/default/configmaps/ripley-configmap');
    expect(cm.data.from).toBe('Alien');
    expect((await admin(CR)).metadata.finalizers).toContain('lostromos.io/cleanup');

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
    expect(sim.stats().byStatusCode['403'] ?? 0).toBe(0);
    for (const r of roles) expect(r.output()).not.toMatch(/forbidden/i);
  });
});
