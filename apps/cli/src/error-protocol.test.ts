import { CONFIG_ERROR_CODES, ConfigError } from '@lostromos/config';
import { DASHBOARD_ERROR_CODES, DashboardError } from '@lostromos/dashboard';
import { KubeApiError, KubeConfigError, KubeErrorCodes, ResourceNotServedError } from '@lostromos/kube';
import {
  ERROR_CODE_PREFIX,
  errorCodeOf,
  isPermanentError,
  isRetryableError,
  LostromosError,
  retryAfterMsOf,
} from '@lostromos/model';
import { RedisSettingsError, TemplateStoreError, TemplateStoreErrorCodes } from '@lostromos/queue';
import { ReconcileErrorCodes, RenderFailedError } from '@lostromos/reconcile';
import { RENDER_ERROR_CODES, RenderError } from '@lostromos/render';
import { describe, expect, it } from 'vitest';
import { UsageError } from './command.js';
import { DevRedisError } from './dev/local-redis.js';

// Every package's error codes, as the user meets them (CLI messages, status conditions, Events, log lines).
const registries: Record<string, readonly string[]> = {
  config: Object.keys(CONFIG_ERROR_CODES),
  dashboard: Object.values(DASHBOARD_ERROR_CODES),
  kube: Object.keys(KubeErrorCodes),
  queue: Object.keys(TemplateStoreErrorCodes),
  reconcile: Object.keys(ReconcileErrorCodes),
  render: Object.keys(RENDER_ERROR_CODES),
};

describe('one error protocol', () => {
  it('every code of every package starts with LZ_, and no code means two things', () => {
    const all = Object.entries(registries).flatMap(([pkg, codes]) => codes.map((code) => ({ pkg, code })));
    expect(all.length).toBeGreaterThan(40);
    expect(all.filter(({ code }) => !code.startsWith(ERROR_CODE_PREFIX))).toEqual([]);
    const owners = new Map<string, string[]>();
    for (const { pkg, code } of all) owners.set(code, [...(owners.get(code) ?? []), pkg]);
    expect([...owners].filter(([, pkgs]) => pkgs.length > 1)).toEqual([]);
  });

  it('every error class is a LostromosError with a registered code and a retryability', () => {
    const errors: LostromosError[] = [
      new ConfigError('LZ_CONFIG_INVALID', [{ path: 'redis.url', message: 'required' }]),
      new DashboardError(DASHBOARD_ERROR_CODES.LISTEN, 'port taken'),
      new KubeApiError({
        status: 503,
        verb: 'GET',
        path: '/api',
        message: 'unavailable',
        retryAfterMs: 2000,
      }),
      new KubeApiError({ status: 422, verb: 'PATCH', path: '/api', message: 'invalid' }),
      new KubeConfigError('no kubeconfig'),
      new ResourceNotServedError('example.com/v1', 'widgets'),
      new RedisSettingsError('redis.url', 'not a redis:// URL'),
      new TemplateStoreError('LZ_TEMPLATE_STORE_UNAVAILABLE', 'redis down'),
      new RenderFailedError('bad template'),
      new RenderError('LZ_RENDER_YAML', 'not YAML'),
      new UsageError('unknown flag'),
      new DevRedisError('no redis-server'),
    ];
    // Single-code classes, listed in docs/configuration.md's "Errors" next to the config's codes.
    const registered = new Set([
      ...Object.values(registries).flat(),
      'LZ_REDIS_CONFIG',
      'LZ_USAGE',
      'LZ_DEV_REDIS',
    ]);
    for (const err of errors) {
      expect(err, err.name).toBeInstanceOf(LostromosError);
      expect(registered.has(err.code), `${err.name} ${err.code}`).toBe(true);
      expect(typeof err.retryable, err.name).toBe('boolean');
      expect(isRetryableError(err) !== isPermanentError(err), err.name).toBe(true);
    }
    expect(errors.filter(isRetryableError).map(errorCodeOf)).toEqual([
      'LZ_DASHBOARD_LISTEN',
      'LZ_KUBE_TRANSIENT',
      'LZ_TEMPLATE_STORE_UNAVAILABLE',
    ]);
    expect(retryAfterMsOf(errors[2])).toBe(2000);
  });

  it('reads the protocol from plain data too (an error that crossed the queue is no instance)', () => {
    const crossed: unknown = JSON.parse('{"code":"LZ_KUBE_TRANSIENT","retryable":true,"retryAfterMs":500}');
    expect([errorCodeOf(crossed), isRetryableError(crossed), retryAfterMsOf(crossed)]).toEqual([
      'LZ_KUBE_TRANSIENT',
      true,
      500,
    ]);
    // An error that says nothing is neither retryable nor permanent: the queue's backoff decides.
    expect([isRetryableError(new Error('x')), isPermanentError(new Error('x'))]).toEqual([false, false]);
    expect([retryAfterMsOf({ retryAfterMs: -1 }), retryAfterMsOf({ retryAfterMs: 'soon' })]).toEqual([
      undefined,
      undefined,
    ]);
  });
});
