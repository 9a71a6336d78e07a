import type { ResourceConfig } from '@lostromos/config';
import type { KubeClient, KubeObject, RestRequest } from '@lostromos/kube';
import { createLogger, createOperatorMetrics, HealthRegistry } from '@lostromos/observability';
import type { TemplateRevisions } from '@lostromos/queue';
import { Gauge } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { OWNER_UID_LABEL } from '@lostromos/reconcile';
import type { Enqueuer } from './enqueuer.js';
import { ResourceController } from './resource-controller.js';

const resource = {
  name: 'ships',
  group: 'fleet.example.io',
  version: 'v1',
  plural: 'ships',
  kind: 'Ship',
  namespace: '',
  labelSelector: '',
  filterAnnotation: '',
  resyncSeconds: 600,
} as unknown as ResourceConfig;

const ship = (name: string): KubeObject => ({
  apiVersion: 'fleet.example.io/v1',
  kind: 'Ship',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', generation: 1 },
  spec: {},
});

/** An API server with `crs` Ships: lists answer at once, watches stay open until aborted. */
function fakeKube(crs: KubeObject[]): KubeClient {
  const hang = (req: RestRequest): Promise<never> =>
    new Promise((_, reject) =>
      req.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
    );
  return {
    server: 'http://fake',
    close: () => undefined,
    discovery: {
      resolvePlural: () => Promise.resolve({ plural: 'ships', namespaced: true }),
      resolveKind: (_apiVersion: string, kind: string) =>
        Promise.resolve({ plural: `${kind.toLowerCase()}s`, namespaced: true }),
      invalidate: () => undefined,
    },
    rest: {
      request: () =>
        Promise.resolve({
          status: 200,
          headers: {},
          body: { kind: 'ShipList', metadata: { resourceVersion: '10' }, items: crs },
        }),
      stream: hang,
    },
  } as unknown as KubeClient;
}

/** Template revisions whose reads wait for `release()` while `held` (a paused Redis). */
function heldRevisions(kind = 'v1/ConfigMap'): {
  revisions: TemplateRevisions;
  hold(): void;
  release(): void;
  reads: () => number;
} {
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  let reads = 0;
  const read = async <T>(value: T): Promise<T> => {
    reads++;
    await gate;
    return value;
  };
  return {
    revisions: {
      live: () => read(['rev-1']),
      kinds: () => read([kind]),
    } as unknown as TemplateRevisions,
    hold: () => {
      gate = new Promise((r) => (open = r));
    },
    release: () => {
      gate = undefined;
      open?.();
    },
    reads: () => reads,
  };
}

function controller(crs: KubeObject[], revisions: TemplateRevisions) {
  const health = new HealthRegistry();
  const enqueued: string[] = [];
  const c = new ResourceController({
    resource,
    kube: fakeKube(crs),
    enqueuer: { enqueue: (_r: string, key: string) => enqueued.push(key) } as unknown as Enqueuer,
    revisions,
    metrics: createOperatorMetrics({ info: { role: 'watcher', version: 'test' } }),
    watchUp: new Gauge({ name: 'watch_up_test', help: 'test', labelNames: ['controller'], registers: [] }),
    health,
    logger: createLogger({ level: 'silent', format: 'json' }),
    ownedNamespace: '',
    revisionPollMs: 60_000,
  });
  return { c, health, enqueued };
}

const until = async (what: string, fn: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !fn(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!fn()) throw new Error(`timed out waiting for ${what}`);
};

describe('ResourceController start/stop', () => {
  it('a stop that finishes after the next start leaves the new run intact (Lease lost and won back)', async () => {
    const crs = [ship('a'), ship('b'), ship('c')];
    const r = heldRevisions();
    const { c, health, enqueued } = controller(crs, r.revisions);
    c.start();
    await until('the first list', () => c.list().length === 3 && c.ownedKinds().length === 1);
    // Redis stops answering: the revision poll hangs, and so does the stop that waits for it.
    r.hold();
    c.revisionsAnnounced();
    await until('a held revision read', () => r.reads() >= 4);
    const stopped = c.stop();
    let stopDone = false;
    void stopped.then(() => (stopDone = true));
    c.start(); // leading again before the stop finished
    await until('the second list', () => c.list().length === 3);
    expect(stopDone).toBe(false);
    r.release();
    await stopped;
    // The late end of the first stop cleared nothing of the second run.
    expect(c.list()).toHaveLength(3);
    expect(c.status()).toMatchObject({ ok: true, crs: 3 });
    expect(health.readiness().checks['resource:ships']).toMatchObject({ ok: true });
    await until('the owned kinds of the new run', () => c.ownedKinds().length === 1);
    // A template change still reaches every CR.
    enqueued.length = 0;
    expect(c.enqueueAll('templates')).toBe(3);
    expect(enqueued).toHaveLength(3);
    await c.stop();
    expect(c.list()).toEqual([]);
    expect(health.readiness().checks['resource:ships']).toBeUndefined();
  });

  it('stop() waits for a stop already under way, so shutdown never returns with informers running', async () => {
    const r = heldRevisions();
    const { c } = controller([ship('a')], r.revisions);
    c.start();
    await until('the first list', () => c.list().length === 1);
    r.hold();
    c.revisionsAnnounced();
    await until('a held revision read', () => r.reads() >= 4);
    const first = c.stop();
    let secondDone = false;
    const second = c.stop().then(() => (secondDone = true));
    await new Promise((res) => setTimeout(res, 20));
    expect(secondDone).toBe(false);
    r.release();
    await Promise.all([first, second]);
    expect(secondDone).toBe(true);
  });
});

const written = (manager: string, operation: string, subresource?: string) => ({
  manager,
  operation,
  ...(subresource ? { subresource } : {}),
  time: '2026-01-01T00:00:00Z',
  fieldsV1: { 'f:metadata': {} },
});

/**
 * Ships with the given Ready states, each owning one object of `kind` — a ConfigMap (status-less: listed as
 * metadata only) or a Deployment (listed whole) — written by our apply and by someone else (another manager's
 * edit of the ConfigMap; kube-controller-manager's status write on the Deployment), or by our apply alone for
 * the names in `untouched`.
 */
function fleet(
  kind: 'ConfigMap' | 'Deployment' | 'Service',
  states: Record<string, 'True' | 'False' | undefined>,
  untouched: string[] = [],
): { crs: KubeObject[]; kube: KubeClient } {
  const crs = Object.entries(states).map(([name, ready]) => ({
    ...ship(name),
    ...(ready ? { status: { conditions: [{ type: 'Ready', status: ready }] } } : {}),
  }));
  const other =
    kind === 'Deployment'
      ? written('kube-controller-manager', 'Update', 'status')
      : written('kubectl-edit', 'Update');
  const objects = crs.map((cr) => ({
    metadata: {
      name: `${cr.metadata.name}-obj`,
      namespace: 'default',
      uid: `obj-${cr.metadata.name}`,
      resourceVersion: '5',
      generation: 1,
      labels: { [OWNER_UID_LABEL]: cr.metadata.uid },
      managedFields: [
        written('lostromos', 'Apply'),
        ...(untouched.includes(cr.metadata.name!) ? [] : [other]),
      ],
    },
    ...(kind === 'Deployment'
      ? {
          spec: { replicas: 0 },
          status: { observedGeneration: 1, conditions: [{ type: 'Available', status: 'True' }] },
        }
      : kind === 'Service'
        ? { spec: { clusterIP: 'None' } }
        : {}),
  }));
  const kube = fakeKube(crs);
  const list = (req: RestRequest) =>
    Promise.resolve({
      status: 200,
      headers: {},
      body: req.path.endsWith(`/${kind.toLowerCase()}s`)
        ? {
            kind: kind === 'ConfigMap' ? 'PartialObjectMetadataList' : `${kind}List`,
            metadata: { resourceVersion: '10' },
            items: objects,
          }
        : { kind: 'ShipList', metadata: { resourceVersion: '10' }, items: crs },
    });
  return { crs, kube: { ...kube, rest: { ...kube.rest, request: list } } as unknown as KubeClient };
}

describe('ResourceController owned kinds', () => {
  it.each([
    [
      // A kind with a status: the owners that are not Ready may wait for a status write made before the watch.
      'Deployment' as const,
      'apps/v1/Deployment',
      ['fleet.example.io/ships/default/fresh', 'fleet.example.io/ships/default/waiting'],
      false,
    ],
    [
      // A Service (listed whole) a worker may trust without a read: like a status-less kind.
      'Service' as const,
      'v1/Service',
      [
        'fleet.example.io/ships/default/fresh',
        'fleet.example.io/ships/default/ready',
        'fleet.example.io/ships/default/waiting',
      ],
      true,
    ],
    [
      // A status-less kind: someone else's write before the watch may be drift: every such owner, marked.
      'ConfigMap' as const,
      'v1/ConfigMap',
      [
        'fleet.example.io/ships/default/fresh',
        'fleet.example.io/ships/default/ready',
        'fleet.example.io/ships/default/waiting',
      ],
      true,
    ],
  ])(
    'the first list of an owned kind (%s) looks again at the owners it may concern, and only at those',
    async (kind, kindId, expected, verify) => {
      const r = heldRevisions(kindId);
      // `untouched`: not Ready, but its object was written by our apply only — nothing to catch up on.
      const { kube } = fleet(
        kind,
        { ready: 'True', waiting: 'False', fresh: undefined, untouched: 'False' },
        ['untouched'],
      );
      const enqueued: Array<{ key: string; verify: boolean }> = [];
      const c = new ResourceController({
        resource,
        kube,
        enqueuer: {
          enqueue: (_r: string, key: string, _reason: string, v = false) => enqueued.push({ key, verify: v }),
        } as unknown as Enqueuer,
        revisions: r.revisions,
        metrics: createOperatorMetrics({ info: { role: 'watcher', version: 'test' } }),
        watchUp: new Gauge({
          name: 'watch_up_test2',
          help: 'test',
          labelNames: ['controller'],
          registers: [],
        }),
        health: new HealthRegistry(),
        logger: createLogger({ level: 'silent', format: 'json' }),
        ownedNamespace: '',
        revisionPollMs: 60_000,
      });
      r.hold(); // no kinds yet: the CRs are listed (and enqueued) first
      c.start();
      await until('the CRs', () => c.list().length === 4);
      await until('the CRs enqueued', () => enqueued.length === 4);
      enqueued.length = 0;
      r.release(); // the workers report rendering the kind: it is listed
      await until('the owned kind', () => c.ownedKinds().length === 1);
      await until('the owners looked at again', () => enqueued.length >= expected.length);
      await new Promise((res) => setTimeout(res, 20));
      expect(enqueued.map((e) => e.key).sort()).toEqual(expected);
      expect(enqueued.every((e) => e.verify === verify)).toBe(true);
      await c.stop();
    },
  );
});
