import { describe, expect, it } from 'vitest';
import { FaultInjector } from './fault-injector.js';

describe('FaultInjector', () => {
  it('faults a resource by its plural, or only one of its subresources by plural/subresource', async () => {
    const f = new FaultInjector(() => 0);
    f.set({ errorRate: 1, errorStatus: 503, errorResources: ['configmaps', 'deployments/status'] });
    expect((await f.before('get', 'configmaps'))?.code).toBe(503);
    expect((await f.before('patch', 'configmaps', 'status'))?.code).toBe(503);
    expect((await f.before('patch', 'deployments', 'status'))?.code).toBe(503);
    expect(await f.before('patch', 'deployments')).toBeUndefined();
    expect(await f.before('get', 'deployments', 'scale')).toBeUndefined();
  });

  it('answers 429 with Retry-After only for the listed verbs', async () => {
    const f = new FaultInjector(() => 0);
    f.set({ errorRate: 1, errorStatus: 429, retryAfterSeconds: 2, errorVerbs: ['create'] });
    const err = await f.before('create', 'secrets');
    expect(err?.code).toBe(429);
    expect(err?.headers).toMatchObject({ 'Retry-After': '2' });
    expect(await f.before('get', 'secrets')).toBeUndefined();
  });
});
