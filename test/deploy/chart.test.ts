/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- rendered manifests are untyped JSON */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseConfig } from '@lostromos/config';
import { createOperatorMetrics, registerQueueMetrics } from '@lostromos/observability';
import { RolloutMetrics } from '@lostromos/watcher';
import { loadTemplateSet, renderTemplateSet } from '@lostromos/render';
import {
  ALL_FEATURES,
  CHART,
  EXTERNAL_REDIS,
  ROOT,
  SENTINEL_REDIS,
  byKind,
  find,
  helm,
  renderChart,
  type K8sObject,
} from './helm.js';

const VARIANTS: Record<string, string[]> = {
  defaults: [],
  'every optional feature': ['-f', ALL_FEATURES],
  'external Redis, HPA, namespaced RBAC': ['-f', EXTERNAL_REDIS],
  'external Redis Sentinel, NetworkPolicies': ['-f', SENTINEL_REDIS],
};

function podSpecs(objs: K8sObject[]): { owner: string; spec: any }[] {
  return objs
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((o) => ({ owner: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec }));
}

function rbacRules(objs: K8sObject[]): any[] {
  return objs.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole').flatMap((o) => o.rules ?? []);
}

function configOf(objs: K8sObject[]): Record<string, any> {
  const cm = find(objs, 'ConfigMap', '-config');
  return YAML.parse(cm.data['config.yaml'] as string) as Record<string, any>;
}

describe('deploy/helm/lostromos passes helm lint', () => {
  for (const [name, flags] of Object.entries(VARIANTS)) {
    it(`lints cleanly (--strict) with ${name}`, () => {
      const r = helm(['lint', CHART, '--strict', ...flags]);
      expect(r.stderr + r.stdout).toContain('0 chart(s) failed');
      expect(r.status).toBe(0);
    });
  }
});

describe.each(Object.entries(VARIANTS))('helm template with %s', (_name, flags) => {
  const objs = renderChart(flags);

  it('renders YAML without duplicate keys, every object namespaced in the release namespace', () => {
    expect(objs.length).toBeGreaterThan(10);
    for (const o of objs) {
      if (o.kind.startsWith('Cluster')) continue;
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBeTruthy();
    }
  });

  it('runs every container with probes, requests/limits and a locked-down security context', () => {
    for (const { owner, spec } of podSpecs(objs)) {
      expect(spec.enableServiceLinks, owner).toBe(false);
      const psc = spec.securityContext ?? {};
      expect(psc.runAsNonRoot, owner).toBe(true);
      expect(psc.seccompProfile?.type, owner).toBe('RuntimeDefault');
      for (const c of spec.containers) {
        const where = `${owner} ${c.name}`;
        expect(c.livenessProbe, where).toBeTruthy();
        expect(c.readinessProbe, where).toBeTruthy();
        expect(c.resources?.requests?.cpu && c.resources?.requests?.memory, where).toBeTruthy();
        expect(c.resources?.limits?.memory, where).toBeTruthy();
        expect(c.securityContext.allowPrivilegeEscalation, where).toBe(false);
        expect(c.securityContext.readOnlyRootFilesystem, where).toBe(true);
        expect(c.securityContext.runAsNonRoot, where).toBe(true);
        expect(c.securityContext.capabilities.drop, where).toEqual(['ALL']);
      }
    }
  });

  it('probes the operator on /healthz (liveness, startup) and /readyz (readiness) of the metrics port', () => {
    const deps = byKind(objs, 'Deployment');
    expect(deps.map((d) => d.metadata.name)).toEqual(
      expect.arrayContaining(['lz-lostromos-dashboard', 'lz-lostromos-watcher', 'lz-lostromos-worker']),
    );
    for (const d of deps) {
      const c = d.spec.template.spec.containers[0];
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
      expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
      expect(c.ports.find((p: any) => p.name === 'metrics').containerPort).toBe(8080);
      const component = d.metadata.labels!['app.kubernetes.io/component']!;
      const role = component.startsWith('worker') ? 'worker' : component;
      expect(c.args.slice(0, 5)).toEqual([
        'start',
        '--config',
        '/etc/lostromos/config/config.yaml',
        '--role',
        role,
      ]);
      expect(d.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('runs a standby watcher and never lets a drain take the last watcher or more than one worker', () => {
    expect(find(objs, 'Deployment', '-watcher').spec.replicas).toBe(2);
    expect(find(objs, 'Deployment', '-watcher').spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(find(objs, 'PodDisruptionBudget', '-watcher').spec.minAvailable).toBe(1);
    expect(find(objs, 'PodDisruptionBudget', '-worker').spec.maxUnavailable).toBe(1);
    for (const pdb of byKind(objs, 'PodDisruptionBudget')) {
      const role = pdb.metadata.name.replace('lz-lostromos-', '');
      expect(pdb.spec.selector.matchLabels['app.kubernetes.io/component']).toBe(role);
    }
  });

  it("runs the watcher with a small V8 young generation, unless extraEnv sets NODE_OPTIONS (each container's one wins)", () => {
    const nodeOptions = (owner: string): string[] =>
      (find(objs, 'Deployment', owner).spec.template.spec.containers[0].env as any[])
        .filter((e) => e.name === 'NODE_OPTIONS')
        .map((e) => e.value as string);
    const user = (YAML.parse(fs.readFileSync(ALL_FEATURES, 'utf8')) as { extraEnv: any[] }).extraEnv.find(
      (e) => e.name === 'NODE_OPTIONS',
    ).value as string;
    const fromExtraEnv = flags.includes(ALL_FEATURES);
    expect(nodeOptions('-watcher')).toEqual([fromExtraEnv ? user : '--max-semi-space-size=4']);
    expect(nodeOptions('-worker')).toEqual(fromExtraEnv ? [user] : []);
  });

  it('grants RBAC without a single wildcard', () => {
    const rules = rbacRules(objs);
    expect(rules.length).toBeGreaterThan(5);
    for (const r of rules) {
      for (const field of ['verbs', 'resources', 'apiGroups', 'resourceNames']) {
        expect(r[field] ?? [], JSON.stringify(r)).not.toContain('*');
      }
    }
  });

  it('lets only the watcher create and renew its one Lease, in the release namespace', () => {
    const leaseRoles = byKind(objs, 'Role').filter((r) =>
      r.rules.some((x: any) => x.resources.includes('leases')),
    );
    expect(leaseRoles.map((r) => r.metadata.name).sort()).toEqual([
      'lz-lostromos-dashboard-lease',
      'lz-lostromos-watcher-lease',
    ]);
    for (const role of leaseRoles) expect(role.metadata.namespace).toBe('lostromos-system');
    const watcher = leaseRoles.find((r) => r.metadata.name === 'lz-lostromos-watcher-lease')!;
    const named = watcher.rules.find((x: any) => x.resourceNames);
    expect(named.resourceNames).toEqual([configOf(objs).leaderElection.leaseName]);
    expect(named.verbs.sort()).toEqual(['get', 'patch', 'update']);
    const dashboard = leaseRoles.find((r) => r.metadata.name === 'lz-lostromos-dashboard-lease')!;
    expect(dashboard.rules.flatMap((x: any) => x.verbs)).toEqual(['get']);
    const binding = byKind(objs, 'RoleBinding').find((b) => b.roleRef.name === watcher.metadata.name)!;
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'lz-lostromos-watcher', namespace: 'lostromos-system' },
    ]);
  });

  it('with sharded leadership, lets the watchers renew exactly the shard Leases and configures the shards', () => {
    const sharded = renderChart(['--set', 'config.leaderElection.shards=3']);
    const cfg = configOf(sharded);
    expect(cfg.leaderElection.shards).toBe(3);
    const watcher = byKind(sharded, 'Role').find((r) => r.metadata.name === 'lz-lostromos-watcher-lease')!;
    const named = watcher.rules.find((x: any) => x.resourceNames);
    const lease = cfg.leaderElection.leaseName;
    expect(named.resourceNames).toEqual([`${lease}-0`, `${lease}-1`, `${lease}-2`]);
    const refused = helm(['template', 'lz', CHART, '--set', 'config.leaderElection.shards=0']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/shards/);
  });

  it('writes an operator config that @lostromos/config accepts, pointing at the mounted templates', () => {
    const cm = find(objs, 'ConfigMap', '-config');
    const cfg = parseConfig(cm.data['config.yaml'] as string, { env: {}, cwd: '/' });
    expect(cfg.server.address).toBe('0.0.0.0:8080');
    expect(cfg.leaderElection.namespace).toBe('lostromos-system');
    expect(cfg.kubernetes.kubeconfig).toBe('');
    expect(cfg.kubernetes.qps).toBe(0); // no client-side limit by default
    expect(Number.isInteger(cfg.kubernetes.burst) && cfg.kubernetes.burst >= 1).toBe(true);
    const watcher = find(objs, 'Deployment', '-watcher').spec.template.spec;
    const mounts = watcher.containers[0].volumeMounts.map((m: any) => m.mountPath);
    for (const r of cfg.resources) {
      if (r.templates) expect(mounts).toContain(r.templates);
    }
  });

  it("passes a resource's staged rollout settings to the operator config", () => {
    const flags = [
      '--set-json',
      'resources[0]={"name":"characters","group":"stable.nicolerenee.io","version":"v1","plural":"characters","templateSet":"characters","renders":[{"apiGroup":"","resources":["configmaps"]}],"rollout":{"batchSize":"10%","maxFailures":1}}',
    ];
    const cm = find(renderChart(flags), 'ConfigMap', '-config');
    const cfg = parseConfig(cm.data['config.yaml'] as string, { env: {}, cwd: '/' });
    expect(cfg.resources[0]!.rollout).toEqual({
      batchSize: '10%',
      pauseSeconds: 0,
      maxFailures: 1,
      readiness: true,
      readinessTimeoutSeconds: 600,
    });
    const refused = helm([
      'template',
      'lz',
      CHART,
      ...flags.slice(0, 1),
      flags[1]!.replace('"maxFailures":1', '"maxFailure":1'),
    ]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/maxFailure/);
  });

  it('gives each role its own ServiceAccount', () => {
    for (const d of byKind(objs, 'Deployment')) {
      const role = d.metadata.name.replace('lz-lostromos-', '').replace(/^worker-.*/, 'worker');
      expect(d.spec.template.spec.serviceAccountName).toBe(`lz-lostromos-${role}`);
    }
    expect(byKind(objs, 'ServiceAccount')).toHaveLength(3);
  });
});

describe('Kubernetes client limiter (config.kubernetes.qps / burst)', () => {
  const kubernetesOf = (flags: string[]) =>
    parseConfig(find(renderChart(flags), 'ConfigMap', '-config').data['config.yaml'] as string, {
      env: {},
      cwd: '/',
    }).kubernetes;

  it('writes the defaults, 100 requests/s with bursts of 200, into the operator config', () => {
    expect(kubernetesOf([])).toMatchObject({ qps: 0, burst: 200 });
  });

  it('passes values from a values file (fractional qps included) to the operator config', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-qps-'));
    try {
      const file = path.join(dir, 'values.yaml');
      fs.writeFileSync(file, 'config:\n  kubernetes:\n    qps: 2.5\n    burst: 7\n');
      expect(kubernetesOf(['-f', file])).toMatchObject({ qps: 2.5, burst: 7 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes --set-json values, and large ones unmangled', () => {
    expect(kubernetesOf(['--set-json', 'config.kubernetes={"qps":1500,"burst":3000000}'])).toMatchObject({
      qps: 1500,
      burst: 3000000,
    });
  });
});

describe('RBAC generated from the configured resources', () => {
  const objs = renderChart(['-f', ALL_FEATURES]);
  const role = (name: string): any[] => find(objs, 'ClusterRole', `-${name}`).rules;
  const verbsFor = (rules: any[], group: string, resource: string): string[] =>
    rules
      .filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource))
      .flatMap((r) => r.verbs)
      .sort();

  it('lets workers reconcile the CRs, their status and finalizers, and nothing more on them', () => {
    const w = role('worker');
    expect(verbsFor(w, 'stable.nicolerenee.io', 'characters')).toEqual([
      'get',
      'list',
      'patch',
      'update',
      'watch',
    ]);
    expect(verbsFor(w, 'stable.nicolerenee.io', 'characters/status')).toEqual(['get', 'patch', 'update']);
    expect(verbsFor(w, 'stable.nicolerenee.io', 'characters/finalizers')).toEqual(['update']);
    expect(verbsFor(w, 'example.lostromos.io', 'websites/status')).toEqual(['get', 'patch', 'update']);
    expect(verbsFor(w, 'stable.nicolerenee.io', 'characters')).not.toContain('delete');
  });

  it('lets workers manage exactly the kinds listed in renders, plus Events', () => {
    const w = role('worker');
    const all = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
    expect(verbsFor(w, '', 'configmaps')).toEqual(all);
    expect(verbsFor(w, '', 'services')).toEqual(all);
    expect(verbsFor(w, 'apps', 'deployments')).toEqual(all);
    expect(verbsFor(w, 'networking.k8s.io', 'ingresses')).toEqual(all);
    expect(verbsFor(w, '', 'events')).toEqual(['create', 'get', 'patch']);
    expect(verbsFor(w, '', 'secrets')).toEqual([]);
    const resources = w.flatMap((r) => r.resources).sort();
    expect(resources).toEqual(
      [
        'characters',
        'characters/finalizers',
        'characters/status',
        'configmaps',
        'deployments',
        'events',
        'ingresses',
        'services',
        'websites',
        'websites/finalizers',
        'websites/status',
      ].sort(),
    );
  });

  it('gives the watcher read-only access to CRs and rendered kinds (drift), and the dashboard only the CRs', () => {
    const w = role('watcher');
    for (const r of w.filter((x) => !x.resources.includes('events'))) {
      expect(r.verbs.sort()).toEqual(['get', 'list', 'watch']);
    }
    expect(verbsFor(w, 'apps', 'deployments')).toEqual(['get', 'list', 'watch']);
    const d = role('dashboard');
    expect(d.flatMap((r) => r.resources).sort()).toEqual(['characters', 'websites']);
    expect(d.flatMap((r) => r.verbs).every((v) => ['get', 'list', 'watch'].includes(v))).toBe(true);
  });

  it('uses namespaced Roles in each listed namespace when rbac.scope=namespace', () => {
    const ns = renderChart(['-f', EXTERNAL_REDIS]);
    expect(byKind(ns, 'ClusterRole')).toHaveLength(0);
    expect(byKind(ns, 'ClusterRoleBinding')).toHaveLength(0);
    const workerRoles = byKind(ns, 'Role').filter((r) => r.metadata.name === 'lz-lostromos-worker');
    expect(workerRoles.map((r) => r.metadata.namespace).sort()).toEqual(['default', 'web']);
  });
});

describe('optional features', () => {
  it('defaults: bundled Redis with persistence and noeviction, generated passwords, no optional kinds', () => {
    const objs = renderChart();
    const kinds = new Set(objs.map((o) => o.kind));
    for (const k of [
      'HorizontalPodAutoscaler',
      'ScaledObject',
      'Ingress',
      'NetworkPolicy',
      'ServiceMonitor',
    ]) {
      expect(kinds.has(k), k).toBe(false);
    }
    const redis = find(objs, 'StatefulSet', '-redis');
    const args = redis.spec.template.spec.containers[0].args as string[];
    expect(args[args.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
    expect(args).toContain('--requirepass');
    expect(redis.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('2Gi');
    const cfg = configOf(objs);
    expect(cfg.redis.url).toBe('redis://lz-lostromos-redis:6379');
    expect(cfg.redis.passwordFile).toBe('/etc/lostromos/redis/password');
    const dash = find(objs, 'Secret', '-dashboard');
    expect(Buffer.from(dash.data.password as string, 'base64').toString()).toMatch(/^[A-Za-z0-9]{32}$/);
    // Only the dashboard pod mounts the dashboard password.
    for (const d of byKind(objs, 'Deployment')) {
      const vols = d.spec.template.spec.volumes.map((v: any) => v.name);
      expect(vols.includes('dashboard-password'), d.metadata.name).toBe(
        d.metadata.name.endsWith('-dashboard'),
      );
    }
  });

  it('every feature on: KEDA instead of a fixed worker count, Ingress, NetworkPolicies, ServiceMonitor, alerts', () => {
    const objs = renderChart(['-f', ALL_FEATURES]);
    const worker = find(objs, 'Deployment', '-worker');
    expect(worker.spec.replicas).toBeUndefined();
    const so = find(objs, 'ScaledObject', '-worker');
    expect(so.spec.scaleTargetRef.name).toBe(worker.metadata.name);
    expect(so.spec.triggers[0].metadata.query).toContain('workqueue_depth');
    expect(find(objs, 'Ingress', '-dashboard').spec.rules[0].host).toBe('lostromos.example.com');
    expect(find(objs, 'PodDisruptionBudget', '-dashboard').spec.minAvailable).toBe(1);
    const sm = find(objs, 'ServiceMonitor', 'lz-lostromos');
    const metricsSvc = find(objs, 'Service', '-metrics');
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels))
      expect(metricsSvc.metadata.labels?.[k]).toBe(v);
    const rules = find(objs, 'PrometheusRule', 'lz-lostromos').spec.groups[0].rules.map((r: any) => r.alert);
    expect(rules).toEqual(expect.arrayContaining(['LostromosNoLeader', 'LostromosReconcileErrors']));
    const nps = byKind(objs, 'NetworkPolicy').map((n) => n.metadata.name);
    expect(nps.sort()).toEqual(['lz-lostromos-dashboard', 'lz-lostromos-operator', 'lz-lostromos-redis']);
    const redisNp = find(objs, 'NetworkPolicy', '-redis');
    expect(redisNp.spec.ingress[0].from[0].podSelector.matchLabels['app.kubernetes.io/name']).toBe(
      'lostromos',
    );
  });

  it('ships the Grafana dashboard of deploy/grafana as a sidecar ConfigMap, byte for byte', () => {
    const source = fs.readFileSync(path.join(ROOT, 'deploy/grafana/lostromos-dashboard.json'), 'utf8');
    const copy = fs.readFileSync(path.join(CHART, 'files/lostromos-dashboard.json'), 'utf8');
    expect(copy, 'run: cp deploy/grafana/lostromos-dashboard.json deploy/helm/lostromos/files/').toBe(source);
    const cm = find(renderChart(['-f', ALL_FEATURES]), 'ConfigMap', '-grafana-dashboard');
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    expect(JSON.parse(cm.data['lostromos-dashboard.json'] as string).uid).toBe('lostromos-operator');
    expect(renderChart().some((o) => o.metadata.name.endsWith('-grafana-dashboard'))).toBe(false);
  });

  it('alerts and KEDA query only metrics a Lostrómos process exports', () => {
    const m = createOperatorMetrics({ collectDefault: false });
    registerQueueMetrics(m.registry, { queues: [] });
    new RolloutMetrics(m.registry); // the leading watcher's lostromos_rollout_*
    const known = new Set(m.registry.getMetricsAsArray().map((x) => x.name));
    const objs = renderChart(['-f', ALL_FEATURES]);
    const exprs: string[] = find(objs, 'PrometheusRule', 'lz-lostromos')
      .spec.groups.flatMap((g: any) => g.rules)
      .map((r: any) => r.expr as string);
    exprs.push(find(objs, 'ScaledObject', '-worker').spec.triggers[0].metadata.query as string);
    for (const expr of exprs) {
      const names = [...expr.replace(/"[^"]*"/g, '""').matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{)/g)].map(
        (x) => x[1]!,
      );
      expect(names.length, expr).toBeGreaterThan(0);
      for (const n of names) expect(known.has(n), `${n} in ${expr}`).toBe(true);
    }
  });

  it('worker pools: dedicated Deployments and PDBs consuming only their queues', () => {
    const objs = renderChart(['-f', ALL_FEATURES]);
    const main = find(objs, 'Deployment', '-worker').spec.template.spec.containers[0].args;
    expect(main.slice(-2)).toEqual(['--worker-resources', 'characters']);
    const pool = find(objs, 'Deployment', '-worker-web');
    expect(pool.spec.replicas).toBe(2);
    expect(pool.spec.template.spec.containers[0].args.slice(-4)).toEqual([
      '--role',
      'worker',
      '--worker-resources',
      'websites',
    ]);
    expect(pool.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('worker-web');
    expect(find(objs, 'PodDisruptionBudget', '-worker-web').spec.selector.matchLabels).toEqual(
      pool.spec.selector.matchLabels,
    );
    // The main worker's selector must not match the pool's pods (and vice versa).
    expect(find(objs, 'Deployment', '-worker').spec.selector.matchLabels['app.kubernetes.io/component']).toBe(
      'worker',
    );
  });

  it('refuses worker queues that name no resource', () => {
    const r = helm(['template', 'lz', CHART, '--set-json', 'worker.pools=[{"name":"x","queues":["nope"]}]']);
    expect(r.stderr).toContain('"nope" is not the name of any resources[] entry');
  });

  it('external Redis: TLS, ACL user and a password file from the Secret, no bundled StatefulSet', () => {
    const objs = renderChart(['-f', EXTERNAL_REDIS]);
    expect(byKind(objs, 'StatefulSet')).toHaveLength(0);
    const cfg = configOf(objs);
    expect(cfg.redis).toMatchObject({
      url: 'rediss://redis.example.com:6380/0',
      tls: true,
      username: 'lostromos',
      passwordFile: '/etc/lostromos/redis/password',
    });
    const vol = find(objs, 'Deployment', '-worker').spec.template.spec.volumes.find(
      (v: any) => v.name === 'redis-password',
    );
    expect(vol.secret.secretName).toBe('lostromos-redis');
    expect(find(objs, 'HorizontalPodAutoscaler', '-worker').spec.maxReplicas).toBe(8);
    expect(byKind(objs, 'Secret')).toHaveLength(0);
  });

  it('external Redis URL from a Secret reaches the pods as LOSTROMOS_REDIS_URL', () => {
    const objs = renderChart([
      '--set',
      'redis.enabled=false',
      '--set',
      'redis.external.existingSecret=redis-conn',
    ]);
    const env = find(objs, 'Deployment', '-watcher').spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'LOSTROMOS_REDIS_URL').valueFrom.secretKeyRef).toEqual({
      name: 'redis-conn',
      key: 'url',
    });
  });
});

describe('external Redis Sentinel (redis.external.sentinel)', () => {
  const secretVolume = (objs: K8sObject[], deployment: string, name: string) =>
    find(objs, 'Deployment', deployment).spec.template.spec.volumes.find((v: any) => v.name === name);

  it('writes Sentinel mode into the operator config: endpoints, master name, db, both password files, no URL', () => {
    const objs = renderChart(['-f', SENTINEL_REDIS]);
    expect(byKind(objs, 'StatefulSet')).toHaveLength(0);
    const raw = configOf(objs);
    expect(raw.redis).toEqual({
      prefix: 'lostromos',
      sentinels: [
        'redis-node-0.redis-headless.redis.svc.cluster.local:26379',
        'redis-node-1.redis-headless.redis.svc.cluster.local:26379',
        'redis-node-2.redis-headless.redis.svc.cluster.local',
      ],
      sentinelName: 'mymaster',
      db: 1,
      passwordFile: '/etc/lostromos/redis/password',
      sentinelPasswordFile: '/etc/lostromos/redis-sentinel/password',
    });
    // What the operator makes of it.
    const cm = find(objs, 'ConfigMap', '-config');
    const cfg = parseConfig(cm.data['config.yaml'] as string, { env: {}, cwd: '/' });
    expect(cfg.redis.url).toBeUndefined();
    expect(cfg.redis.sentinels).toEqual([
      { host: 'redis-node-0.redis-headless.redis.svc.cluster.local', port: 26379 },
      { host: 'redis-node-1.redis-headless.redis.svc.cluster.local', port: 26379 },
      { host: 'redis-node-2.redis-headless.redis.svc.cluster.local', port: 26379 },
    ]);
    expect(cfg.redis).toMatchObject({ sentinelName: 'mymaster', db: 1, tls: false, sentinelTls: false });
  });

  it('mounts the data-node and the Sentinel passwords from their Secrets in every role, never as env', () => {
    const objs = renderChart(['-f', SENTINEL_REDIS]);
    for (const d of ['-watcher', '-worker', '-dashboard']) {
      expect(secretVolume(objs, d, 'redis-password').secret).toMatchObject({
        secretName: 'redis-ha',
        items: [{ key: 'redis-password', path: 'password' }],
      });
      expect(secretVolume(objs, d, 'redis-sentinel-password').secret).toMatchObject({
        secretName: 'redis-ha',
        items: [{ key: 'sentinel-password', path: 'password' }],
      });
      const c = find(objs, 'Deployment', d).spec.template.spec.containers[0];
      expect(c.volumeMounts).toContainEqual({
        name: 'redis-sentinel-password',
        mountPath: '/etc/lostromos/redis-sentinel',
        readOnly: true,
      });
      expect((c.env as any[]).some((e) => String(e.name).startsWith('LOSTROMOS_REDIS'))).toBe(false);
    }
  });

  it('lets the operator pods reach the Sentinel ports through the NetworkPolicy', () => {
    const np = find(renderChart(['-f', SENTINEL_REDIS]), 'NetworkPolicy', '-operator');
    const ports = np.spec.egress.flatMap((r: any) => (r.ports ?? []).map((p: any) => p.port));
    expect(ports).toEqual(expect.arrayContaining([6379, 26379]));
    const custom = find(
      renderChart([
        '-f',
        SENTINEL_REDIS,
        '--set-json',
        'redis.external.sentinel.endpoints=["a:5000","b:5000","[fd00::1]:5001"]',
      ]),
      'NetworkPolicy',
      '-operator',
    );
    const customPorts = custom.spec.egress.flatMap((r: any) => (r.ports ?? []).map((p: any) => p.port));
    expect(customPorts).toEqual(expect.arrayContaining([5000, 5001]));
    expect(customPorts).not.toContain(26379);
  });

  it('minimal values: no Sentinel password, TLS and ACL user passed through; tls null follows redis tls', () => {
    const objs = renderChart([
      '--set',
      'redis.enabled=false',
      '--set-json',
      'redis.external.sentinel={"endpoints":["s:26379"],"masterName":"m"}',
    ]);
    expect(configOf(objs).redis).toEqual({
      prefix: 'lostromos',
      sentinels: ['s:26379'],
      sentinelName: 'm',
      db: 0,
    });
    expect(secretVolume(objs, '-worker', 'redis-sentinel-password')).toBeUndefined();
    const tls = configOf(
      renderChart([
        '--set',
        'redis.enabled=false',
        '--set',
        'redis.external.tls=true',
        '--set',
        'redis.external.username=app',
        '--set-json',
        'redis.external.sentinel={"endpoints":["s:26379"],"masterName":"m","tls":false,"username":"watch"}',
      ]),
    );
    expect(tls.redis).toMatchObject({
      tls: true,
      username: 'app',
      sentinelTls: false,
      sentinelUsername: 'watch',
    });
    const cfg = parseConfig(YAML.stringify(tls), { env: {}, cwd: '/' });
    expect(cfg.redis).toMatchObject({ tls: true, sentinelTls: false, sentinelUsername: 'watch' });
  });

  it('NOTES.txt names the Sentinel master and the Sentinels', () => {
    const r = helm(['install', 'lostromos', CHART, '--dry-run=client', '-n', 'ops', '-f', SENTINEL_REDIS]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Redis Sentinel master "mymaster" via redis-node-0.redis-headless');
  });
});

describe('NOTES.txt', () => {
  it('tells how to check the Lease, see the objects and log in to the dashboard', () => {
    const r = helm(['install', 'lostromos', CHART, '--dry-run=client', '-n', 'ops']);
    expect(r.status, r.stderr).toBe(0);
    const notes = r.stdout.slice(r.stdout.indexOf('NOTES:'));
    expect(notes).toContain('kubectl -n ops get lease lostromos-watcher');
    expect(notes).toContain(
      'kubectl get configmaps,deployments -A -l app.kubernetes.io/managed-by=lostromos',
    );
    expect(notes).toContain('port-forward svc/lostromos-dashboard 3000:80');
    expect(notes).toContain("get secret lostromos-dashboard -o jsonpath='{.data.password}' | base64 -d");
    const none = helm([
      'install',
      'lostromos',
      CHART,
      '--dry-run=client',
      '--set',
      'dashboard.auth.mode=none',
    ]);
    expect(none.stdout).toContain('WARNING: dashboard.auth.mode is "none"');
  });
});

describe('bad values are refused with a message that says what to fix', () => {
  const fails = (flags: string[]): string => {
    const r = helm(['template', 'lz', CHART, ...flags]);
    expect(r.status).not.toBe(0);
    return r.stderr;
  };

  it('Redis eviction policies other than noeviction (BullMQ would lose locks)', () => {
    expect(fails(['--set', 'redis.maxmemoryPolicy=allkeys-lru'])).toMatch(/maxmemoryPolicy.*noeviction/s);
  });
  it('a negative qps, a fractional or zero burst', () => {
    expect(fails(['--set-json', 'config.kubernetes.qps=-1'])).toContain('/config/kubernetes/qps');
    expect(fails(['--set-json', 'config.kubernetes.burst=1.5'])).toContain('/config/kubernetes/burst');
    expect(fails(['--set-json', 'config.kubernetes.burst=0'])).toContain('/config/kubernetes/burst');
  });
  it('misspelt keys', () => {
    expect(fails(['--set', 'watcher.replicaz=2'])).toContain("'replicaz' not allowed");
  });
  it('HPA and KEDA together', () => {
    expect(
      fails(['--set', 'worker.autoscaling.enabled=true', '--set', 'worker.keda.enabled=true']),
    ).toContain('mutually exclusive');
  });
  it('a resource whose templateSet does not exist', () => {
    const bad =
      'resources=[{"name":"x","group":"g.io","version":"v1","plural":"xs","templateSet":"nope",' +
      '"renders":[{"apiGroup":"","resources":["configmaps"]}]}]';
    expect(fails(['--set-json', bad])).toContain('templateSet "nope" is not a key of templateSets');
  });
  it('a resource without the kinds it renders (RBAC cannot be generated)', () => {
    expect(
      fails([
        '--set-json',
        'resources=[{"name":"x","group":"g.io","version":"v1","plural":"xs","templateSet":"characters"}]',
      ]),
    ).toMatch(/renders/);
  });
  it('no Redis at all', () => {
    expect(fails(['--set', 'redis.enabled=false'])).toContain('redis.external.url');
  });
  it('Redis Sentinel settings that cannot work', () => {
    const sentinel = (json: string) => [
      '--set',
      'redis.enabled=false',
      '--set-json',
      `redis.external.sentinel=${json}`,
    ];
    expect(
      fails([
        ...sentinel('{"endpoints":["s:26379"],"masterName":"m"}'),
        '--set',
        'redis.external.url=redis://r:6379',
      ]),
    ).toContain('redis.external.sentinel.endpoints and redis.external.url/existingSecret are both set');
    expect(fails(sentinel('{"endpoints":["s:26379"]}'))).toContain(
      'redis.external.sentinel.masterName is required with redis.external.sentinel.endpoints',
    );
    expect(fails(sentinel('{"masterName":"m"}'))).toContain('redis.external.sentinel.endpoints is empty');
    expect(
      fails(['--set-json', 'redis.external.sentinel={"endpoints":["s:26379"],"masterName":"m"}']),
    ).toContain('redis.enabled is true: the bundled Redis is a single node');
    expect(fails(sentinel('{"endpoints":["redis://s:26379"],"masterName":"m"}'))).toContain(
      '/redis/external/sentinel/endpoints/0',
    );
    expect(fails(sentinel('{"endpoints":["s:26379"],"mastername":"m"}'))).toContain(
      "'mastername' not allowed",
    );
  });
});

describe('the default template set', () => {
  const objs = renderChart();
  const cm = find(objs, 'ConfigMap', '-templates-characters');

  it('is the repository example templates/characters, file for file', () => {
    const dir = path.join(ROOT, 'templates/characters');
    const files = fs.readdirSync(dir).filter((f) => /\.(ya?ml|hbs)$/.test(f));
    expect(Object.keys(cm.data).sort()).toEqual(files.sort());
    for (const f of files) expect(cm.data[f], f).toBe(fs.readFileSync(path.join(dir, f), 'utf8'));
  });

  it('renders only kinds the generated RBAC lets the worker manage', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-templates-'));
    try {
      for (const [f, text] of Object.entries(cm.data as Record<string, string>)) {
        fs.writeFileSync(path.join(dir, f), text);
      }
      const set = await loadTemplateSet(dir);
      const cr = YAML.parse(
        fs.readFileSync(path.join(ROOT, 'templates/characters/examples/ripley.yaml'), 'utf8'),
      );
      cr.metadata.namespace = 'default';
      cr.metadata.uid = '0000-1111';
      const rendered = renderTemplateSet(set, { cr, values: configOf(objs).resources[0].values });
      expect(rendered.length).toBeGreaterThan(0);
      const PLURAL: Record<string, string> = { ConfigMap: 'configmaps', Deployment: 'deployments' };
      const worker = find(objs, 'ClusterRole', '-worker').rules as any[];
      for (const o of rendered) {
        const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
        const rule = worker.find((r) => r.apiGroups.includes(group) && r.resources.includes(PLURAL[o.kind]));
        expect(rule?.verbs, `${o.kind} ${o.metadata.name}`).toEqual(
          expect.arrayContaining(['create', 'patch', 'delete', 'get', 'list']),
        );
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
