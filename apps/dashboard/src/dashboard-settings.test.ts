import { describe, expect, it } from 'vitest';
import { DASHBOARD_ERROR_CODES } from './dashboard-error.js';
import {
  normalizeBasePath,
  resolveDashboardSettings,
  type DashboardConfigInput,
} from './dashboard-settings.js';

const base: DashboardConfigInput = {
  redis: { url: 'redis://r:6379' },
  resources: [{ name: 'a' }, { name: 'b' }],
};
const files = (content: Record<string, string>) => (p: string) =>
  p in content
    ? Promise.resolve(content[p]!)
    : Promise.reject(Object.assign(new Error('nope'), { code: 'ENOENT' }));

describe('resolveDashboardSettings', () => {
  it('applies defaults: read-only, basic auth as admin, root base path, lostromos prefix, one queue per resource', async () => {
    const s = await resolveDashboardSettings({ ...base, dashboard: { auth: { password: 'pw' } } });
    expect(s).toEqual({
      address: '0.0.0.0:3000',
      basePath: '/',
      readOnly: true,
      auth: { mode: 'basic', username: 'admin', password: 'pw' },
      redisTarget: 'redis://r:6379',
      prefix: 'lostromos',
      queueNames: ['a', 'b'],
      rolloutResources: [],
    });
  });

  it('lists the resources with a staged rollout (the overview shows their rollouts)', async () => {
    const s = await resolveDashboardSettings({
      ...base,
      resources: [{ name: 'a' }, { name: 'b', rollout: { batchSize: '25%' } }],
      dashboard: { auth: { password: 'pw' } },
    });
    expect(s.rolloutResources).toEqual(['b']);
  });

  it('reads the password file, dropping one trailing newline; the file wins over an inline password', async () => {
    const s = await resolveDashboardSettings(
      { ...base, dashboard: { auth: { username: 'ops', passwordFile: '/pw', password: 'inline' } } },
      { readPassword: files({ '/pw': 'from-file\n' }) },
    );
    expect(s.auth).toEqual({ mode: 'basic', username: 'ops', password: 'from-file' });
  });

  it('refuses to run without a password unless auth.mode is none', async () => {
    await expect(resolveDashboardSettings(base)).rejects.toMatchObject({
      code: DASHBOARD_ERROR_CODES.NO_PASSWORD,
      field: 'dashboard.auth',
      retryable: false,
    });
    const open = await resolveDashboardSettings({ ...base, dashboard: { auth: { mode: 'none' } } });
    expect(open.auth).toEqual({ mode: 'none' });
  });

  it('names the field for unreadable/empty password files, bad usernames, modes and base paths', async () => {
    await expect(
      resolveDashboardSettings(
        { ...base, dashboard: { auth: { passwordFile: '/missing' } } },
        { readPassword: files({}) },
      ),
    ).rejects.toThrow(/cannot read dashboard.auth.passwordFile "\/missing": ENOENT/);
    await expect(
      resolveDashboardSettings(
        { ...base, dashboard: { auth: { passwordFile: '/e' } } },
        { readPassword: files({ '/e': '\n' }) },
      ),
    ).rejects.toThrow(/"\/e" is empty/);
    await expect(
      resolveDashboardSettings({ ...base, dashboard: { auth: { username: 'a:b', password: 'p' } } }),
    ).rejects.toThrow(/invalid dashboard.auth.username "a:b"/);
    await expect(
      resolveDashboardSettings({ ...base, dashboard: { auth: { mode: 'oauth' as 'none' } } }),
    ).rejects.toThrow(/invalid dashboard.auth.mode "oauth": use "basic" or "none"/);
    await expect(
      resolveDashboardSettings({ ...base, dashboard: { basePath: 'queues', auth: { mode: 'none' } } }),
    ).rejects.toMatchObject({ field: 'dashboard.basePath' });
  });
});

describe('normalizeBasePath', () => {
  it('keeps the root and strips trailing slashes', () => {
    expect(normalizeBasePath('/')).toBe('/');
    expect(normalizeBasePath('/ops/queues/')).toBe('/ops/queues');
  });
  it('rejects relative, traversing or odd paths', () => {
    for (const bad of ['queues', '/a/../b', '//evil', '/a b', '/a?x', '/%2e']) {
      expect(() => normalizeBasePath(bad), bad).toThrow(/invalid dashboard.basePath/);
    }
  });
});
