import { readFile } from 'node:fs/promises';
import { describeRedis, type RedisSettings } from '@lostromos/queue';
import { DASHBOARD_ERROR_CODES, DashboardError } from './dashboard-error.js';

/** The slice of the Lostrómos config the dashboard reads (structurally compatible with `LostromosConfig`). */
export interface DashboardConfigInput {
  /**
   * Connection settings as for every role: `url` or Sentinel mode (`sentinels`, `sentinelName`, …), credentials
   * in the URL or `passwordFile`, `tls`, `username`.
   */
  redis: RedisSettings & { prefix?: string };
  /** `rollout`: the resource moves template changes through CRs in waves (its rollout is on the overview). */
  resources: ReadonlyArray<{ name: string; rollout?: unknown }>;
  dashboard?: {
    address?: string;
    basePath?: string;
    readOnly?: boolean;
    auth?: {
      mode?: 'basic' | 'none';
      username?: string;
      passwordFile?: string;
      password?: string;
    };
  };
}

export type DashboardAuth = { mode: 'none' } | { mode: 'basic'; username: string; password: string };

/** Everything the dashboard needs, validated and with defaults applied. */
export interface DashboardSettings {
  address: string;
  /** Normalised: starts with `/`, no trailing slash except the root. */
  basePath: string;
  readOnly: boolean;
  auth: DashboardAuth;
  /** Where Redis is, for display: the URL without credentials, or the Sentinel master and Sentinels. */
  redisTarget: string;
  prefix: string;
  queueNames: string[];
  /** Resources with a staged rollout configured. */
  rolloutResources: string[];
}

export const DEFAULT_DASHBOARD_ADDRESS = '0.0.0.0:3000';
export const DEFAULT_REDIS_PREFIX = 'lostromos';

export function normalizeBasePath(basePath: string): string {
  if (!basePath.startsWith('/') || /[\s?#%\\]|\/\/|\/\.\.?(\/|$)/.test(basePath)) {
    throw new DashboardError(
      DASHBOARD_ERROR_CODES.INVALID_CONFIG,
      `invalid dashboard.basePath "${basePath}": use an absolute URL path such as / or /queues`,
      { field: 'dashboard.basePath' },
    );
  }
  return basePath.length > 1 ? basePath.replace(/\/+$/, '') : '/';
}

/**
 * Resolves the dashboard settings from the config: reads the password file, applies defaults and refuses
 * an unauthenticated dashboard unless `auth.mode: none` is explicit. `readPassword` is injectable for tests.
 */
export async function resolveDashboardSettings(
  config: DashboardConfigInput,
  opts: { readPassword?: (path: string) => Promise<string> } = {},
): Promise<DashboardSettings> {
  const d = config.dashboard ?? {};
  const readPassword = opts.readPassword ?? ((p: string) => readFile(p, 'utf8'));
  const mode = d.auth?.mode ?? 'basic';
  let auth: DashboardAuth;
  if (mode === 'none') {
    auth = { mode: 'none' };
  } else if (mode === 'basic') {
    const username = d.auth?.username ?? 'admin';
    if (!username || username.includes(':')) {
      throw new DashboardError(
        DASHBOARD_ERROR_CODES.INVALID_CONFIG,
        `invalid dashboard.auth.username "${username}": must be non-empty and contain no ":"`,
        { field: 'dashboard.auth.username' },
      );
    }
    let password = d.auth?.password;
    if (d.auth?.passwordFile) {
      const file = d.auth.passwordFile;
      try {
        // A trailing newline is almost always an artefact of `echo pw > file` or a Kubernetes Secret edit.
        password = (await readPassword(file)).replace(/\r?\n$/, '');
      } catch (err) {
        throw new DashboardError(
          DASHBOARD_ERROR_CODES.PASSWORD_FILE,
          `cannot read dashboard.auth.passwordFile "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; ` +
            'mount the file or point passwordFile at it',
          { field: 'dashboard.auth.passwordFile', cause: err },
        );
      }
      if (!password) {
        throw new DashboardError(
          DASHBOARD_ERROR_CODES.PASSWORD_FILE,
          `dashboard.auth.passwordFile "${file}" is empty: write the password into it`,
          { field: 'dashboard.auth.passwordFile' },
        );
      }
    }
    if (!password) {
      throw new DashboardError(
        DASHBOARD_ERROR_CODES.NO_PASSWORD,
        'the dashboard refuses to start without authentication: set dashboard.auth.passwordFile ' +
          '(--dashboard-password-file, LOSTROMOS_DASHBOARD_PASSWORD_FILE) or the password itself in ' +
          'LOSTROMOS_DASHBOARD_PASSWORD, or set dashboard.auth.mode: none explicitly to serve it unauthenticated',
        { field: 'dashboard.auth' },
      );
    }
    auth = { mode: 'basic', username, password };
  } else {
    throw new DashboardError(
      DASHBOARD_ERROR_CODES.INVALID_CONFIG,
      `invalid dashboard.auth.mode "${String(mode)}": use "basic" or "none"`,
      { field: 'dashboard.auth.mode' },
    );
  }
  return {
    address: d.address ?? DEFAULT_DASHBOARD_ADDRESS,
    basePath: normalizeBasePath(d.basePath ?? '/'),
    readOnly: d.readOnly ?? true,
    auth,
    redisTarget: describeRedis(config.redis),
    prefix: config.redis.prefix ?? DEFAULT_REDIS_PREFIX,
    queueNames: config.resources.map((r) => r.name),
    rolloutResources: config.resources.filter((r) => r.rollout !== undefined).map((r) => r.name),
  };
}
