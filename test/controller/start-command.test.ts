import { afterAll, describe, expect, it } from 'vitest';
import { spawnLostromos } from '../support/index.js';
import { FIXTURES, startHarness, type Harness } from './harness.js';
import path from 'node:path';

// `lostromos start` refuses bad input with exit code 2 and a message that says what to fix.

const crd = [
  '--crd-name',
  'ships',
  '--crd-group',
  'fleet.example.io',
  '--crd-version',
  'v1',
  '--templates',
  path.join(FIXTURES, 'ships'),
];

describe('lostromos start: bad input', () => {
  it('without a config or single-CRD flags: exit 2 naming --config', async () => {
    const p = spawnLostromos(['start']);
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/--config FILE is required/);
  });

  it('with a kubeconfig that does not exist: exit 2 naming the file and the flag', async () => {
    const p = spawnLostromos([
      'start',
      ...crd,
      '--kubeconfig',
      '/nonexistent/kubeconfig',
      '--role',
      'worker',
    ]);
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/kubeconfig \/nonexistent\/kubeconfig does not exist: pass --kubeconfig FILE/);
  });

  it('with an unknown role: exit 2', async () => {
    const p = spawnLostromos(['start', ...crd, '--role', 'boss']);
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/role/);
  });

  // The dashboard role connects to Redis without a kubeconfig: the quickest way to reach the connection.
  const dashboardNoAuth = ['start', ...crd, '--role', 'dashboard', '--dashboard-auth', 'none'];

  it('with a Redis password file that cannot be read: exit 2 naming the field, the file and the reason', async () => {
    const p = spawnLostromos([
      ...dashboardNoAuth,
      '--redis',
      'redis://127.0.0.1:1',
      '--redis-password-file',
      '/nonexistent/redis-password',
    ]);
    expect(await p.exited).toBe(2);
    expect(p.output()).toContain(
      'lostromos start: redis.passwordFile: cannot read the password file /nonexistent/redis-password (no such file): mount the Secret there or fix the path',
    );
  });

  it('Sentinel mode with a Sentinel password file that cannot be read: exit 2 naming the field', async () => {
    const p = spawnLostromos([
      ...dashboardNoAuth,
      '--redis-sentinels',
      '127.0.0.1:1',
      '--redis-sentinel-name',
      'mymaster',
      '--redis-sentinel-password-file',
      '/nonexistent/sentinel-password',
    ]);
    expect(await p.exited).toBe(2);
    expect(p.output()).toContain(
      'lostromos start: redis.sentinelPasswordFile: cannot read the password file /nonexistent/sentinel-password (no such file)',
    );
  });

  it('with both a Redis URL and Sentinels: exit 2 saying to keep one', async () => {
    const p = spawnLostromos([
      ...dashboardNoAuth,
      '--redis',
      'redis://127.0.0.1:1',
      '--redis-sentinels',
      '127.0.0.1:1',
      '--redis-sentinel-name',
      'mymaster',
    ]);
    expect(await p.exited).toBe(2);
    expect(p.output()).toContain(
      'redis.url (flag --redis) and redis.sentinels (flag --redis-sentinels) are both set: keep redis.url for one Redis, or redis.sentinels with redis.sentinelName for Redis Sentinel, not both',
    );
  });
});

describe('lostromos start: dashboard configuration', () => {
  // No LOSTROMOS_DASHBOARD_* from the test runner's environment may leak into these processes.
  const env = { LOSTROMOS_DASHBOARD_PASSWORD: '', LOSTROMOS_DASHBOARD_PASSWORD_FILE: '' };
  // Redis is never reached: the dashboard checks its settings before connecting.
  const dashboard = ['start', ...crd, '--role', 'dashboard', '--redis', 'redis://127.0.0.1:1'];
  let h: Harness | undefined;
  afterAll(async () => {
    await h?.close();
  });

  it('--role dashboard without a password: exit 2 naming the fields that fix it', async () => {
    const p = spawnLostromos(dashboard, { env });
    expect(await p.exited).toBe(2);
    const out = p.output();
    expect(out).toMatch(/lostromos start: the dashboard refuses to start without authentication/);
    expect(out).toContain('dashboard.auth.passwordFile');
    expect(out).toContain('LOSTROMOS_DASHBOARD_PASSWORD');
    expect(out).toContain('dashboard.auth.mode: none');
  });

  it('--role dashboard with a password file that does not exist: exit 2 naming the file', async () => {
    const p = spawnLostromos([...dashboard, '--dashboard-password-file', '/nonexistent/dash-pw'], { env });
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/cannot read dashboard\.auth\.passwordFile "\/nonexistent\/dash-pw": ENOENT/);
  });

  it('--role dashboard with a username containing ":": exit 2 naming the field', async () => {
    const p = spawnLostromos([...dashboard, '--dashboard-username', 'ad:min'], {
      env: { ...env, LOSTROMOS_DASHBOARD_PASSWORD: 'itest-pw' },
    });
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/lostromos start: .*dashboard\.auth\.username/);
  });

  it('--role all without a password keeps running the controller and says why the dashboard is skipped', async () => {
    h = await startHarness({ prefix: 'nodash' });
    const all = await h.start('all');
    await new Promise((r) => setTimeout(r, 300));
    expect(all.proc.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${all.port}/healthz`)).status).toBe(200);
    const warn = all
      .logs()
      .find(
        (l) =>
          l.msg === 'dashboard not started: set dashboard.auth (passwordFile, or mode none) to enable it',
      );
    expect(warn?.level).toBe('warn');
  });
});
