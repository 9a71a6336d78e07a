/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- rendered manifests are untyped JSON */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CONFIG_FIELDS, parseConfig } from '@lostromos/config';
import { ROOT, find, renderChart } from './helm.js';

/** docker-compose.yml cannot run here (no Docker engine): parse it and hold it to the chart's settings. */
const compose = YAML.parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as {
  services: Record<string, any>;
  volumes: Record<string, unknown>;
};
const s = compose.services;
const ROLES = ['watcher', 'worker', 'dashboard'] as const;
const chart = renderChart();
const chartContainer = (role: string): any =>
  find(chart, 'Deployment', `-${role}`).spec.template.spec.containers[0];

describe('docker-compose.yml', () => {
  it('has Redis, k3s, the one-shot setup and every operator role', () => {
    expect(Object.keys(s).sort()).toEqual(['dashboard', 'k3s', 'redis', 'setup', 'watcher', 'worker']);
  });

  it('scales like the chart: a leader and a standby watcher, several workers', () => {
    expect(s.watcher.deploy.replicas).toBe(find(chart, 'Deployment', '-watcher').spec.replicas);
    expect(s.worker.deploy.replicas).toBe(3);
    expect(s.dashboard.deploy).toBeUndefined();
  });

  it('runs each role with the same arguments as the chart', () => {
    for (const role of ROLES) {
      expect(s[role].command, role).toEqual(chartContainer(role).args);
    }
  });

  it('mounts the config and templates where the chart does', () => {
    const chartMounts = chartContainer('worker').volumeMounts.map((m: any) => m.mountPath) as string[];
    for (const role of ROLES) {
      const targets = (s[role].volumes as string[]).map((v) => v.split(':')[1]);
      expect(targets).toContain('/etc/lostromos/config/config.yaml');
      expect(path.dirname('/etc/lostromos/config/config.yaml')).toBe(chartMounts[0]);
      expect(targets).toContain('/etc/lostromos/templates');
      expect(chartMounts.some((m) => m.startsWith('/etc/lostromos/templates/'))).toBe(true);
    }
  });

  it('checks health on the same port and path as the chart probes', () => {
    const port = chartContainer('watcher').ports.find((p: any) => p.name === 'metrics')
      .containerPort as number;
    const probePath = chartContainer('watcher').livenessProbe.httpGet.path as string;
    for (const role of ROLES) {
      expect(s[role].healthcheck.test.join(' '), role).toContain(`http://127.0.0.1:${port}${probePath}`);
    }
  });

  it('publishes the dashboard on loopback only, on the chart dashboard port', () => {
    const dashPort = chartContainer('dashboard').ports.find((p: any) => p.name === 'http').containerPort;
    expect(s.dashboard.ports).toEqual([`127.0.0.1:3000:${dashPort}`]);
    for (const role of ['watcher', 'worker']) expect(s[role].ports, role).toBeUndefined();
  });

  it('runs Redis with noeviction, like the chart', () => {
    const redisArgs = find(chart, 'StatefulSet', '-redis').spec.template.spec.containers[0].args as string[];
    const policy = redisArgs[redisArgs.indexOf('--maxmemory-policy') + 1];
    const cmd = s.redis.command as string[];
    expect(cmd[cmd.indexOf('--maxmemory-policy') + 1]).toBe(policy);
    expect(policy).toBe('noeviction');
  });

  it('locks the operator containers down like the chart security context', () => {
    const sc = chartContainer('worker').securityContext;
    for (const role of ROLES) {
      expect(s[role].read_only, role).toBe(sc.readOnlyRootFilesystem);
      expect(s[role].cap_drop, role).toEqual(sc.capabilities.drop);
      expect(s[role].security_opt, role).toContain('no-new-privileges:true');
      expect(s[role].user, role).toMatch(/^[1-9]\d*:/);
      expect(s[role].tmpfs, role).toContain('/tmp');
    }
  });

  it('starts the operator only after Redis is healthy and the examples are installed', () => {
    for (const role of ROLES) {
      expect(s[role].depends_on).toEqual({
        redis: { condition: 'service_healthy' },
        setup: { condition: 'service_completed_successfully' },
      });
    }
    expect(s.setup.depends_on).toEqual({ k3s: { condition: 'service_healthy' } });
    expect(s.k3s.privileged).toBe(true);
    // k3s writes its kubeconfig to a volume the setup job rewrites for the compose network.
    expect(s.k3s.environment.K3S_KUBECONFIG_OUTPUT).toBe('/output/kubeconfig.yaml');
    expect(s.setup.command.join('\n')).toContain('https://k3s:6443');
    // The setup job uses the same k3s image (kubectl + shell), so the stack pulls one image less.
    expect(s.setup.image).toBe(s.k3s.image);
  });

  it('only sets LOSTROMOS_* variables the config knows, and requires the dashboard password', () => {
    const known = new Set(CONFIG_FIELDS.flatMap((f) => f.env));
    for (const role of ROLES) {
      for (const name of Object.keys(s[role].environment ?? {})) {
        if (name.startsWith('LOSTROMOS_')) expect(known.has(name), name).toBe(true);
      }
    }
    expect(s.dashboard.environment.LOSTROMOS_DASHBOARD_PASSWORD).toMatch(
      /^\$\{LOSTROMOS_DASHBOARD_PASSWORD:\?/,
    );
  });

  it('mounts a config file that @lostromos/config accepts, with the chart ports and template paths', () => {
    const file = path.join(ROOT, 'deploy/examples/compose/lostromos.yaml');
    const cfg = parseConfig(fs.readFileSync(file, 'utf8'), { env: {}, cwd: '/', file });
    expect(cfg.server.address).toBe('0.0.0.0:8080');
    expect(cfg.dashboard.address).toBe('0.0.0.0:3000');
    expect(cfg.dashboard.auth.mode).toBe('basic');
    expect(cfg.kubernetes.kubeconfig).toBe('/kube/config');
    expect(cfg.redis.url).toBe('redis://redis:6379');
    for (const r of cfg.resources) {
      expect(r.templates).toBe(`/etc/lostromos/templates/${path.basename(r.templates!)}`);
      // …and each points at an example folder of this repository, whose CRD it matches.
      const dir = path.join(ROOT, 'templates', path.basename(r.templates!));
      const crd = YAML.parse(fs.readFileSync(path.join(dir, 'examples/crd.yaml'), 'utf8'));
      expect(crd.spec.group, r.name).toBe(r.group);
      expect(crd.spec.names.plural, r.name).toBe(r.plural);
      expect(
        crd.spec.versions.map((v: any) => v.name),
        r.name,
      ).toContain(r.version);
    }
  });
});
