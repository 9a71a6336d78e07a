/* eslint-disable @typescript-eslint/no-explicit-any -- suites read untyped JSON API responses */
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  V1MicroTime,
  makeInformer,
  type V1ConfigMap,
  type V1Lease,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { startSubstrate, type Substrate } from '../support/substrate.js';
import { SUBSTRATES } from './sim-client.js';

async function status(p: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await p;
    return { code: 200, body: undefined };
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    return { code: err.code, body: typeof err.body === 'string' ? JSON.parse(err.body) : err.body };
  }
}

describe.each(SUBSTRATES)('@kubernetes/client-node (%s)', (kind) => {
  let api: Substrate;
  let kc: KubeConfig;
  beforeAll(async () => {
    api = await startSubstrate({ kind, sim: { workloads: { enabled: false } } });
    kc = new KubeConfig();
    kc.loadFromString(api.kubeconfig());
  });
  afterAll(() => api?.stop());

  it('loads the kubeconfig and reads through the typed API', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const ns = await core.listNamespace();
    expect(ns.items.map((n) => n.metadata?.name)).toContain('default');
    const missing = await status(core.readNamespacedConfigMap({ name: 'nope', namespace: 'default' }));
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({ kind: 'Status', reason: 'NotFound' });
  });

  it('keeps an informer in sync across dropped watches and relists after 410 Gone', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/default/configmaps', () =>
      core.listNamespacedConfigMap({ namespace: 'default' }),
    );
    const seen: string[] = [];
    let errors = 0;
    informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.data?.v ?? ''}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    // The documented pattern: restart the informer after an error.
    informer.on('error', () => {
      errors++;
      setTimeout(() => void informer.start(), 100);
    });
    await informer.start();
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'inf-1' }, data: { v: '1' } },
    });
    await waitFor(() => seen.includes('add inf-1'), { what: 'add event' });

    // 1. The server ends the watch stream: the informer re-watches from its resourceVersion.
    api.faults.dropWatches();
    const inf1 = await core.readNamespacedConfigMap({ name: 'inf-1', namespace: 'default' });
    await core.replaceNamespacedConfigMap({
      name: 'inf-1',
      namespace: 'default',
      body: { ...inf1, data: { v: '2' } },
    });
    await waitFor(() => seen.includes('update inf-1 2'), { what: 'update after reconnect' });

    // 2. Watches fail while objects change and history is compacted: the informer's resourceVersion is
    //    too old when it comes back, it gets 410 and relists.
    const listsBefore = api.stats().byVerb.list ?? 0;
    api.faults.set({ errorRate: 1, errorStatus: 503, errorVerbs: ['watch', 'list'] });
    api.faults.dropWatches();
    await waitFor(() => errors > 0, { what: 'informer error while watches fail' });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'inf-2' } } });
    await core.deleteNamespacedConfigMap({ name: 'inf-1', namespace: 'default' });
    await api.faults.compact();
    api.faults.clear();
    await waitFor(() => seen.includes('add inf-2') && seen.includes('delete inf-1'), {
      what: 'relist after 410',
      timeoutMs: 8000,
    });
    expect(api.stats().byVerb.list ?? 0).toBeGreaterThan(listsBefore);
    expect(informer.list('default').map((o) => o.metadata?.name)).toContain('inf-2');
    expect(informer.get('inf-1', 'default')).toBeUndefined();
    await informer.stop();
  });

  it('server-side applies through KubernetesObjectApi, gets 409 on conflicts and wins with force', async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const spec = (by: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ssa-cn', namespace: 'default' },
      data: { owner: by },
    });
    const created = await objects.patch(
      spec('lostromos'),
      undefined,
      undefined,
      'lostromos',
      false,
      PatchStrategy.ServerSideApply,
    );
    expect((created as any).metadata.managedFields[0].manager).toBe('lostromos');
    const conflict = await status(
      objects.patch(spec('intruder'), undefined, undefined, 'intruder', false, PatchStrategy.ServerSideApply),
    );
    expect(conflict.code).toBe(409);
    expect(conflict.body.reason).toBe('Conflict');
    expect(conflict.body.details.causes[0].field).toBe('.data.owner');
    const forced = await objects.patch(
      spec('intruder'),
      undefined,
      undefined,
      'intruder',
      true,
      PatchStrategy.ServerSideApply,
    );
    expect((forced as any).data.owner).toBe('intruder');
  });

  it('creates and renews a Lease with resourceVersion preconditions, as leader election does', async () => {
    const coord = kc.makeApiClient(CoordinationV1Api);
    const lease = (holder: string, time: () => Date = () => new V1MicroTime()): V1Lease => ({
      metadata: { name: 'leader', namespace: 'default' },
      spec: {
        holderIdentity: holder,
        leaseDurationSeconds: 15,
        renewTime: time(),
        acquireTime: time(),
      },
    });
    // Lease times are MicroTimes: exactly six fractional digits. A plain Date serialises with milliseconds,
    // which the apiserver cannot decode (400).
    const millis = await status(
      coord.createNamespacedLease({ namespace: 'default', body: lease('a', () => new Date()) }),
    );
    expect(millis.code).toBe(400);
    expect(millis.body.reason).toBe('BadRequest');
    expect(millis.body.message).toMatch(
      /^Lease in version "v1" cannot be handled as a Lease: parsing time "[^"]+" as "2006-01-02T15:04:05\.000000Z07:00": cannot parse "\.\d{3}Z" as "\.000000"$/,
    );
    await coord.createNamespacedLease({ namespace: 'default', body: lease('a') });
    const second = await status(coord.createNamespacedLease({ namespace: 'default', body: lease('b') }));
    expect(second.code).toBe(409);
    expect(second.body.reason).toBe('AlreadyExists');
    const current = await coord.readNamespacedLease({ name: 'leader', namespace: 'default' });
    const renewed = await coord.replaceNamespacedLease({
      name: 'leader',
      namespace: 'default',
      body: { ...current, spec: { ...current.spec, renewTime: new V1MicroTime() } },
    });
    expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(
      Number(current.metadata?.resourceVersion),
    );
    expect(String((renewed.spec as any).renewTime)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    // A standby holding the old resourceVersion loses the race.
    const stale = await status(
      coord.replaceNamespacedLease({
        name: 'leader',
        namespace: 'default',
        body: { ...current, spec: { ...current.spec, holderIdentity: 'b' } },
      }),
    );
    expect(stale.code).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    const after = await coord.readNamespacedLease({ name: 'leader', namespace: 'default' });
    expect(after.spec?.holderIdentity).toBe('a');
  });
});
