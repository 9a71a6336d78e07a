import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKubeClient,
  Discovery,
  Informer,
  KubeClusterPorts,
  eventName,
  KubeEventRecorder,
  LeaseElector,
  ResourceNotServedError,
  RestClient,
  type KubeClient,
  type KubeObject,
} from '@lostromos/kube';
import { UnknownKindError } from '@lostromos/reconcile';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../support/index.js';
import { startSubstrate, type Substrate } from '../support/substrate.ts';

// @lostromos/kube in-process against the API server (real control plane, or the simulator with
// TEST_SUBSTRATE=sim): informer recovery, Lease election, the ports.

let sim: Substrate;
let kube: KubeClient;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lostromos-kube-lib-'));

const cmPath = '/api/v1/namespaces/default/configmaps';
const createCm = (name: string, data: Record<string, string> = {}) =>
  kube.rest.request<KubeObject>({
    method: 'POST',
    path: cmPath,
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data },
  });

beforeAll(async () => {
  sim = await startSubstrate({ sim: { bookmarkIntervalMs: 200 } });
  const kc = path.join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kc);
  kube = createKubeClient({ kubeconfig: kc });
});
afterAll(async () => {
  kube?.close();
  await sim?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A real client whose watch requests can be held back, to open a window for compaction. */
class GatedClient extends RestClient {
  gate: Promise<void> | undefined;
  override async stream(req: Parameters<RestClient['stream']>[0]): ReturnType<RestClient['stream']> {
    if (this.gate) await this.gate;
    return super.stream(req);
  }
}

describe('Informer', () => {
  it('lists then watches, survives dropped watches, relists after 410 Gone without losing a change, and resyncs', async () => {
    await createCm('inf-a');
    const gated = new GatedClient({
      server: sim.url,
      applyAuth: (o) => {
        o.headers = { ...o.headers, authorization: `Bearer ${sim.adminToken}` };
        if (sim.caPem) o.ca = sim.caPem;
        return Promise.resolve();
      },
    });
    const informer = new Informer({
      client: gated,
      apiVersion: 'v1',
      plural: 'configmaps',
      namespace: 'default',
      labelSelector: 'test=informer',
      resyncMs: 300,
      backoff: { initialMs: 50, maxMs: 200 },
    });
    const seen: string[] = [];
    const relists: string[] = [];
    let resyncs = 0;
    informer.on('add', (o) => seen.push(`add ${o.metadata.name}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata.name}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata.name}`));
    informer.on('relist', (r) => relists.push(r));
    informer.on('resync', () => resyncs++);
    informer.start();
    await waitFor(() => informer.hasSynced, { what: 'first list' });
    expect(informer.list()).toEqual([]); // label selector honoured

    const labelled = (name: string) =>
      kube.rest.request({
        method: 'POST',
        path: cmPath,
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { test: 'informer' } } },
      });
    await labelled('inf-1');
    await waitFor(() => seen.includes('add inf-1'), { what: 'watch add' });

    sim.faults.dropWatches({ abrupt: true });
    await labelled('inf-2');
    await waitFor(() => seen.includes('add inf-2'), { timeoutMs: 10_000, what: 'add after a dropped watch' });

    // Hold the informer's next watch, change things and forget history: the resumed watch gets 410 Gone.
    let open!: () => void;
    gated.gate = new Promise<void>((r) => (open = r));
    sim.faults.dropWatches();
    await kube.rest.request({ method: 'DELETE', path: `${cmPath}/inf-1` });
    await labelled('inf-3');
    await sim.faults.compact();
    open();
    await waitFor(() => seen.includes('add inf-3') && seen.includes('delete inf-1'), {
      timeoutMs: 10_000,
      what: 'the changes made around the compaction',
    });
    expect(
      informer
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['inf-2', 'inf-3']);
    expect(relists.length).toBeGreaterThanOrEqual(1);
    await waitFor(() => resyncs >= 2, { what: 'periodic resync' });
    await informer.stop();
  });

  it('keeps retrying while the resource is not served, and starts delivering once its CRD exists', async () => {
    const informer = new Informer({
      client: kube.rest,
      apiVersion: 'late.example.io/v1',
      plural: 'widgets',
      backoff: { initialMs: 50, maxMs: 300 },
    });
    const errors: Error[] = [];
    const adds: string[] = [];
    informer.on('error', (e) => errors.push(e));
    informer.on('add', (o) => adds.push(o.metadata.name ?? ''));
    informer.start();
    await waitFor(() => errors.length >= 2, { what: 'repeated list failures' });
    await kube.rest.request({
      method: 'POST',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      body: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.late.example.io' },
        spec: {
          group: 'late.example.io',
          scope: 'Namespaced',
          names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          ],
        },
      },
    });
    await waitFor(
      () =>
        kube.rest
          .request({
            method: 'POST',
            path: '/apis/late.example.io/v1/namespaces/default/widgets',
            body: { apiVersion: 'late.example.io/v1', kind: 'Widget', metadata: { name: 'w1' } },
          })
          .then(() => true),
      { timeoutMs: 10_000, what: 'the CRD to be served' },
    );
    await waitFor(() => adds.includes('w1'), { timeoutMs: 10_000, what: 'the informer to recover' });
    await informer.stop();
  });
});

describe('LeaseElector', () => {
  const elector = (identity: string, client: RestClient = kube.rest) =>
    new LeaseElector({
      client,
      namespace: 'default',
      name: 'lib-lease',
      identity,
      leaseDurationMs: 2000,
      renewDeadlineMs: 1500,
      retryPeriodMs: 300,
    });
  const leaseSpec = async () =>
    (
      await kube.rest.request<{ spec: { holderIdentity?: string; leaseTransitions?: number } }>({
        method: 'GET',
        path: '/apis/coordination.k8s.io/v1/namespaces/default/leases/lib-lease',
      })
    ).body.spec;

  it('elects exactly one of two candidates, hands over on release, and counts transitions', async () => {
    const a = elector('a');
    const b = elector('b');
    a.start();
    b.start();
    await waitFor(() => a.isLeader() || b.isLeader(), { what: 'a leader' });
    await new Promise((r) => setTimeout(r, 800));
    expect(a.isLeader() && b.isLeader()).toBe(false);
    const [leader, standby] = a.isLeader() ? [a, b] : [b, a];
    expect((await leaseSpec()).holderIdentity).toBe(leader.identity);
    const t0 = (await leaseSpec()).leaseTransitions ?? 0;
    const released = Date.now();
    await leader.stop();
    await waitFor(() => standby.isLeader(), { timeoutMs: 5000, what: 'the standby to lead' });
    expect(Date.now() - released).toBeLessThan(1500); // released, not expired
    expect((await leaseSpec()).leaseTransitions).toBe(t0 + 1);
    await standby.stop();
  });

  it('a leader that cannot renew stops leading within renewDeadline, before the lease could expire', async () => {
    const a = elector('solo');
    const stopped: number[] = [];
    a.on('stopped-leading', () => stopped.push(Date.now()));
    a.start();
    await waitFor(() => a.isLeader(), { what: 'leading' });
    const pausedAt = Date.now();
    sim.faults.pause();
    try {
      await waitFor(() => stopped.length > 0, { timeoutMs: 5000, what: 'stopped-leading' });
      expect(a.isLeader()).toBe(false);
      expect(stopped[0]! - pausedAt).toBeLessThan(2000); // < leaseDuration: nobody else could lead yet
    } finally {
      sim.faults.resume();
    }
    await waitFor(() => a.isLeader(), { timeoutMs: 5000, what: 're-acquired after the API came back' });
    await a.stop();
  });
});

describe('KubeClusterPorts and events', () => {
  const ports = () => new KubeClusterPorts({ client: kube.rest, discovery: new Discovery(kube.rest) });

  it('server-side applies, deletes only with a matching uid, and reports unknown kinds as permanent', async () => {
    const p = ports();
    const live = await p.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ssa', namespace: 'default' },
      data: { a: '1' },
    });
    expect(live.metadata.uid).toBeDefined();
    expect((live.metadata.managedFields as Array<{ manager: string; operation: string }>)[0]).toMatchObject({
      manager: 'lostromos',
      operation: 'Apply',
    });
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'ssa' };
    expect(await p.deleteObject(ref, { uid: 'not-the-uid' })).toBe('gone');
    expect(await p.getObject(ref)).toBeDefined();
    expect(await p.deleteObject(ref, { uid: live.metadata.uid })).toBe('deleted');
    expect(await p.getObject(ref)).toBeUndefined();
    await expect(p.isNamespaced('nope.example.io/v1', 'Nope')).rejects.toBeInstanceOf(UnknownKindError);
    await expect(
      new Discovery(kube.rest).resolvePlural('nope.example.io/v1', 'nopes'),
    ).rejects.toBeInstanceOf(ResourceNotServedError);
  });

  it('applies with a uid precondition to that object only: a replaced or deleted one is refused, nothing written', async () => {
    const p = ports();
    const cm = (data: Record<string, string>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'by-uid', namespace: 'default' },
      data,
    });
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'by-uid' };
    const first = await p.apply(cm({ a: '1' }));
    const applied = await p.applyIfUid(cm({ a: '2' }), first.metadata.uid ?? '');
    expect(applied).toMatchObject({ data: { a: '2' }, metadata: { uid: first.metadata.uid } });

    expect(await p.deleteObject(ref, { uid: first.metadata.uid })).toBe('deleted');
    expect(await p.applyIfUid(cm({ a: '3' }), first.metadata.uid ?? '')).toBe('refused');
    expect(await p.getObject(ref)).toBeUndefined();

    const replacement = (await createCm('by-uid', { theirs: 'yes' })).body;
    expect(await p.applyIfUid(cm({ a: '4' }), first.metadata.uid ?? '')).toBe('refused');
    expect(await p.getObject(ref)).toMatchObject({
      data: { theirs: 'yes' },
      metadata: { resourceVersion: replacement.metadata.resourceVersion },
    });
    await p.deleteObject(ref);
  });

  it('guards the finalizer patch and the status write with the resourceVersion (stale → retryable conflict)', async () => {
    const p = ports();
    const cr = (await createCm('fin')).body;
    const updated = await p.setFinalizers(cr, ['lostromos.io/cleanup']);
    expect(updated.metadata.finalizers).toEqual(['lostromos.io/cleanup']);
    const stale = await p.setFinalizers(cr, []).catch((e: unknown) => e);
    expect(stale).toMatchObject({ retryable: true });
    await p.setFinalizers(updated, []);
  });

  it('records core/v1 Events on the object and aggregates repeats into one Event with a count', async () => {
    const cr = (await createCm('evt')).body;
    const rec = new KubeEventRecorder({ client: kube.rest, instance: 'test-1' });
    await rec.record(cr, {
      type: 'Normal',
      reason: 'Created',
      message: 'Created 1 objects',
      action: 'Apply',
    });
    await rec.record(cr, {
      type: 'Normal',
      reason: 'Created',
      message: 'Created 1 objects',
      action: 'Apply',
    });
    const events = (
      await kube.rest.request<{
        items: Array<{ involvedObject: { name: string; uid: string }; count: number; reason: string }>;
      }>({
        method: 'GET',
        path: '/api/v1/namespaces/default/events',
      })
    ).body.items.filter((e) => e.involvedObject.name === 'evt');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      reason: 'Created',
      count: 2,
      involvedObject: { uid: cr.metadata.uid },
    });
  });

  it('aggregates the same event recorded by several worker processes into one Event, counting every record', async () => {
    const cr = (await createCm('evt-multi')).body;
    // Two recorders = two worker processes: their own caches, one API server.
    const a = new KubeEventRecorder({ client: kube.rest, instance: 'worker-a' });
    const b = new KubeEventRecorder({ client: kube.rest, instance: 'worker-b' });
    const failed = { type: 'Warning' as const, reason: 'RenderFailed', message: 'spec.captain is a mapping' };
    await a.record(cr, failed);
    await b.record(cr, failed); // create → 409 AlreadyExists → GET + PATCH count
    await a.record(cr, failed); // a's own repeat: straight to the bump, on top of b's
    // all at once: the losers of the resourceVersion race re-read and bump again
    await Promise.all([a.record(cr, failed), b.record(cr, failed), b.record(cr, failed)]);
    await b.record(cr, { ...failed, message: 'another message' });
    const events = (
      await kube.rest.request<{
        items: Array<{
          metadata: { name: string };
          involvedObject: { name: string };
          count: number;
          message: string;
        }>;
      }>({ method: 'GET', path: '/api/v1/namespaces/default/events' })
    ).body.items.filter((e) => e.involvedObject.name === 'evt-multi');
    expect(events.map((e) => [e.message, e.count]).sort()).toEqual([
      ['another message', 1],
      ['spec.captain is a mapping', 6],
    ]);
    expect(events.find((e) => e.count === 6)?.metadata.name).toBe(eventName(cr, failed, 'lostromos'));
  });
});
