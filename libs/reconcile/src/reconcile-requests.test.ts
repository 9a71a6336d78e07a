// What each kind of reconcile costs in API requests, counted by the fake cluster (every read and write is one
// request; discovery is cached by the real ports; an Event is one request unless it repeats an earlier one):
// the budget is 1 read of the CR + one apply per object + 1 status write when it changes (+1 finalizer
// the first time), and 0 writes for a no-op resync — without ever taking over an object that is not this CR's
// and without leaving an orphan behind.
import { beforeEach, describe, expect, it } from 'vitest';
import { sealOf } from './inventory.js';
import { OWNER_UID_LABEL, refKey, type KubeObject, type ObjectRef } from './model.js';
import { reconcile } from './reconcile.js';
import { PortError } from './testing/fake-cluster.js';
import { cmRef, crRef, INVENTORY_KEY, key, Scenario, type Spec } from './testing/scenario.js';

const svcRef: ObjectRef = { apiVersion: 'v1', kind: 'Service', namespace: 'crew', name: 'ripley' };
const webRef: ObjectRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'crew', name: 'ripley' };
const extraRef: ObjectRef = { apiVersion: 'v1', kind: 'Secret', namespace: 'crew', name: 'ripley-extra' };

/** Three objects that all carry spec.by (the bench's shape: a spec change changes every object). */
type ThreeSpec = Spec & { extraSecret?: boolean };

function threeObjects(cr: KubeObject): KubeObject[] {
  const spec = cr.spec as ThreeSpec;
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ripley-config' }, data: { by: spec.by } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ripley', annotations: { by: spec.by } },
      spec: { ports: [{ port: 80 }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ripley' },
      spec: { replicas: 1, template: { metadata: { annotations: { by: spec.by } } } },
    },
  ];
  if (spec.extraSecret)
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ripley-extra' } });
  return objects;
}

let s: Scenario;
beforeEach(async () => {
  s = new Scenario();
  s.renderer.render = (cr) => Promise.resolve(threeObjects(cr));
  s.putCr({ by: 'a' });
  await reconcile(key, s.deps);
  s.cluster.takeRequests();
  s.cluster.events.length = 0;
});

describe('reconcile: requests per reconcile', () => {
  it('a new CR: read, finalizer, one create-only apply per object, an Event, the status', async () => {
    const fresh = new Scenario();
    fresh.renderer.render = (cr) => Promise.resolve(threeObjects(cr));
    fresh.putCr({ by: 'a' });
    await reconcile(key, fresh.deps);
    expect(fresh.cluster.takeRequests()).toEqual({
      getCr: 1,
      setFinalizers: 1,
      applyIfAbsent: 3,
      event: 1,
      writeStatus: 1,
    });
  });

  it('an update changing every object: read, one uid apply per object, the status (and one Event)', async () => {
    s.updateSpec({ by: 'b' });
    const result = await reconcile(key, s.deps);
    expect(s.cluster.takeRequests()).toEqual({ getCr: 1, applyIfUid: 3, event: 1, writeStatus: 1 });
    expect(result.updated).toEqual([cmRef, svcRef, webRef]);
    expect(s.cluster.find(cmRef)?.data).toEqual({ by: 'b' });
    expect(s.cluster.events).toEqual([
      {
        type: 'Normal',
        reason: 'Updated',
        action: 'Apply',
        message:
          'Updated 3 objects for generation 2: ConfigMap crew/ripley-config, Service crew/ripley, Deployment crew/ripley',
      },
    ]);
    // Each uid apply named the uid the inventory recorded, which is the live object's.
    const applies = s.cluster.writesOf('apply').filter((w) => w.uid);
    expect(applies.map((w) => w.uid)).toEqual(
      [cmRef, svcRef, webRef].map((r) => s.cluster.find(r)?.metadata.uid),
    );
  });

  it('an update changing one object: the others are read for drift, not applied', async () => {
    // Only the ConfigMap follows spec.by from now on.
    s.renderer.render = (cr) => {
      const objects = threeObjects({ ...cr, spec: { by: 'a' } });
      objects[0] = threeObjects(cr)[0]!;
      return Promise.resolve(objects);
    };
    s.updateSpec({ by: 'b' });
    const result = await reconcile(key, s.deps);
    expect(s.cluster.takeRequests()).toEqual({
      getCr: 1,
      applyIfUid: 1,
      getObject: 2,
      event: 1,
      writeStatus: 1,
    });
    expect(result.applied).toEqual([cmRef]);
  });

  it('a no-op resync: the CR and its objects read, nothing written', async () => {
    const result = await reconcile(key, s.deps);
    expect(result.outcome).toBe('unchanged');
    expect(s.cluster.takeRequests()).toEqual({ getCr: 1, getObject: 3 });
    expect(result.writes).toBe(0);
  });

  it('drift: the drifted object applied once, its earlier read reused, no status write, one Event', async () => {
    s.cluster.mutate(svcRef, (svc) => {
      svc.metadata.annotations = { by: 'someone' };
    });
    const result = await reconcile(key, s.deps);
    expect(result.updated).toEqual([svcRef]);
    expect(s.cluster.find(svcRef)?.metadata.annotations).toEqual({ by: 'a' });
    // The skip check read the ConfigMap and the Service (drifted: stop); the apply reads the Deployment.
    expect(s.cluster.takeRequests()).toEqual({ getCr: 1, getObject: 3, apply: 1, event: 1 });
  });

  describe('when the worker says the objects applied before are unchanged (no verify mark)', () => {
    const trusting = (answer: boolean) => {
      let asked = 0;
      s.deps.appliedObjectsUnchanged = () => {
        asked += 1;
        return Promise.resolve(answer);
      };
      return { asked: () => asked };
    };

    it('a re-check reads the CR and the objects whose readiness can change, not the ConfigMap', async () => {
      const q = trusting(true);
      const result = await reconcile(key, s.deps);
      expect(result.outcome).toBe('unchanged');
      // The Service renders no type: someone's field beside ours could make it a LoadBalancer, whose readiness
      // reads its status, so it is read like the Deployment.
      expect(s.cluster.takeRequests()).toEqual({ getCr: 1, getObject: 2 });
      expect(q.asked()).toBe(1);
    });

    it.each([
      {
        name: 'a headless Service (clusterIP: None) reads only the Deployment',
        serviceSpec: { clusterIP: 'None' },
        reads: 1,
      },
      {
        name: 'a Service whose rendered type is ClusterIP reads only the Deployment',
        serviceSpec: { type: 'ClusterIP' },
        reads: 1,
      },
      {
        name: 'a rendered LoadBalancer Service reads it and the Deployment',
        serviceSpec: { type: 'LoadBalancer' },
        reads: 2,
      },
    ])('a re-check with $name', async ({ serviceSpec, reads }) => {
      const rendered = (cr: KubeObject): KubeObject[] => {
        const objects = threeObjects(cr);
        objects[1]!.spec = { ...serviceSpec, ports: [{ port: 80 }] };
        return objects;
      };
      const fresh = new Scenario();
      fresh.renderer.render = (cr) => Promise.resolve(rendered(cr));
      fresh.putCr({ by: 'a' });
      await reconcile(key, fresh.deps);
      fresh.cluster.takeRequests();
      fresh.deps.appliedObjectsUnchanged = () => Promise.resolve(true);
      const result = await reconcile(key, fresh.deps);
      expect(result.outcome).toBe('unchanged');
      expect(fresh.cluster.takeRequests()).toEqual({ getCr: 1, getObject: reads });
      // Someone taking the headless Service's fields from our apply is drift: the watcher marks the CR, the
      // next reconcile reads every object and repairs it.
      if (reads === 1) {
        fresh.cluster.mutate(svcRef, (svc) => {
          svc.spec = { type: 'LoadBalancer', ports: [{ port: 80 }] };
        });
        fresh.deps.appliedObjectsUnchanged = () => Promise.resolve(false);
        const repaired = await reconcile(key, fresh.deps);
        expect(repaired.updated).toEqual([svcRef]);
        expect(fresh.cluster.find(svcRef)?.spec).toMatchObject(serviceSpec);
      }
    });

    it('an update changing one object applies it and reads only what has a status', async () => {
      trusting(true);
      s.renderer.render = (cr) => {
        const objects = threeObjects({ ...cr, spec: { by: 'a' } });
        objects[2] = threeObjects(cr)[2]!; // only the Deployment follows spec.by
        return Promise.resolve(objects);
      };
      s.updateSpec({ by: 'b' });
      const result = await reconcile(key, s.deps);
      expect(result.applied).toEqual([webRef]);
      expect(s.cluster.takeRequests()).toEqual({
        getCr: 1,
        applyIfUid: 1,
        getObject: 1, // the Service
        event: 1,
        writeStatus: 1,
      });
    });

    it('with a mark (answer false) every object is read, and drift of a trusted kind is still repaired', async () => {
      trusting(false);
      s.cluster.mutate(cmRef, (cm) => {
        cm.data = { by: 'someone' };
      });
      const result = await reconcile(key, s.deps);
      expect(result.updated).toEqual([cmRef]);
      expect(s.cluster.find(cmRef)?.data).toEqual({ by: 'a' });
    });

    it('an unsealed entry (no inventory key) is never taken on trust, and the answer is not even asked for', async () => {
      const q = trusting(true);
      delete s.deps.inventoryKey;
      await reconcile(key, s.deps);
      expect(s.cluster.takeRequests()).toEqual({ getCr: 1, getObject: 3 });
      expect(q.asked()).toBe(0);
    });

    it('a failing answer reads every object', async () => {
      s.deps.appliedObjectsUnchanged = () => Promise.reject(new Error('redis down'));
      await reconcile(key, s.deps);
      expect(s.cluster.takeRequests()).toEqual({ getCr: 1, getObject: 3 });
    });
  });

  it('an object the desired set adds is recorded (pending) before its create-only apply', async () => {
    s.updateSpec({ by: 'a', extraSecret: true } as ThreeSpec);
    const statusAtApply: unknown[] = [];
    const applyIfAbsent = s.cluster.applyIfAbsent.bind(s.cluster);
    s.cluster.applyIfAbsent = (obj) => {
      statusAtApply.push(s.crStatus().resources?.find((e) => refKey(e) === refKey(extraRef)));
      return applyIfAbsent(obj);
    };
    const result = await reconcile(key, s.deps);
    expect(result.created).toEqual([extraRef]);
    expect(statusAtApply).toEqual([{ ...extraRef, pending: true }]);
    expect(s.cluster.takeRequests()).toEqual({
      getCr: 1,
      writeStatus: 2,
      getObject: 3,
      applyIfAbsent: 1,
      event: 1,
    });
    expect(s.crStatus().resources?.find((e) => refKey(e) === refKey(extraRef))).toMatchObject({
      uid: s.cluster.find(extraRef)?.metadata.uid,
    });
  });
});

describe('reconcile: no orphan without a label search', () => {
  it('an apply interrupted after the write-ahead: the object it created is pruned by the inventory once no longer rendered', async () => {
    s.updateSpec({ by: 'a', extraSecret: true } as ThreeSpec);
    // The Secret is created, then the Deployment's apply fails and the job is retried later.
    s.cluster.failNext('apply', new PortError('503', { retryable: true, code: 'UNAVAILABLE' }), (k) =>
      k.startsWith('apps/'),
    );
    s.updateSpec({ by: 'b', extraSecret: true } as ThreeSpec);
    await expect(reconcile(key, s.deps)).rejects.toThrow('503');
    expect(s.cluster.find(extraRef)).toBeDefined();
    expect(s.crStatus().resources?.find((e) => refKey(e) === refKey(extraRef))?.pending).toBe(true);

    // Before the retry, the CR stops rendering the Secret.
    s.updateSpec({ by: 'b' });
    s.cluster.takeRequests();
    const result = await reconcile(key, s.deps);
    expect(result.pruned).toEqual([extraRef]);
    expect(s.cluster.find(extraRef)).toBeUndefined();
    const requests = s.cluster.takeRequests();
    expect(requests.listOwned).toBeUndefined();
    expect(s.inventoryRefs()).toEqual([cmRef, svcRef, webRef]);
  });

  it('a status written by the previous version (bare refs): one label search, then none', async () => {
    s.cluster.mutate(crRef, (cr) => {
      const status = cr.status as { resources: ObjectRef[] };
      status.resources = status.resources.map(({ apiVersion, kind, namespace, name }) => ({
        apiVersion,
        kind,
        name,
        ...(namespace ? { namespace } : {}),
      }));
    });
    // An object the previous version applied before it was interrupted, in no inventory.
    const crUid = s.cluster.find(crRef)?.metadata.uid ?? '';
    s.cluster.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'orphan', namespace: 'crew', labels: { [OWNER_UID_LABEL]: crUid } },
    });
    s.updateSpec({ by: 'b' });
    const first = await reconcile(key, s.deps);
    expect(first.pruned).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'crew', name: 'orphan' },
    ]);
    // Today's path for every object: read, check, apply; and the LISTs.
    expect(s.cluster.takeRequests()).toMatchObject({ getCr: 1, getObject: 3, apply: 3, listOwned: 3 });

    s.updateSpec({ by: 'c' });
    await reconcile(key, s.deps);
    expect(s.cluster.takeRequests()).toEqual({ getCr: 1, applyIfUid: 3, event: 1, writeStatus: 1 });
  });
});

describe('reconcile: a permanent failure after the write-ahead', () => {
  it('keeps the pending entry (the report writes over the write-ahead, not a stale CR) until the object is applied', async () => {
    s.cluster.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'ripley-extra', namespace: 'crew' },
    });
    s.updateSpec({ by: 'a', extraSecret: true } as ThreeSpec);
    const failed = await reconcile(key, s.deps);
    expect(failed.error?.code).toBe('LZ_OWNERSHIP_CONFLICT');
    const entry = (): unknown => s.crStatus().resources?.find((e) => refKey(e) === refKey(extraRef));
    expect(entry()).toEqual({ ...extraRef, pending: true });

    s.cluster.objects.delete(refKey(extraRef));
    const fixed = await reconcile(key, s.deps);
    expect(fixed.created).toEqual([extraRef]);
    expect(entry()).toMatchObject({ uid: s.cluster.find(extraRef)?.metadata.uid, seal: expect.any(String) });
  });
});

describe('reconcile: a finalizer someone removed', () => {
  it('is added again, and the CR is not taken for a new one: its inventory still rules, an incomplete one is searched', async () => {
    // An object an interrupted apply left, then the inventory written by an earlier version (bare refs).
    const crUid = s.cluster.find(crRef)?.metadata.uid ?? '';
    s.cluster.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'orphan', namespace: 'crew', labels: { [OWNER_UID_LABEL]: crUid } },
    });
    s.cluster.mutate(crRef, (cr) => {
      cr.metadata.finalizers = [];
      const status = cr.status as { resources: ObjectRef[] };
      status.resources = status.resources.map(({ apiVersion, kind, namespace, name }) => ({
        apiVersion,
        kind,
        name,
        ...(namespace ? { namespace } : {}),
      }));
    });
    s.updateSpec({ by: 'b' });
    const result = await reconcile(key, s.deps);
    expect(result.finalizer).toBe('added');
    expect(result.pruned).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'crew', name: 'orphan' },
    ]);
    expect(s.cluster.takeRequests().listOwned).toBe(3);
  });
});

describe('reconcile: never taking over an object that is not ours', () => {
  function replaceConfigMap(): KubeObject {
    s.cluster.objects.delete(refKey(cmRef));
    return s.cluster.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ripley-config', namespace: 'crew' },
      data: { by: 'someone else' },
    });
  }

  it('a replaced object: the uid apply is refused, the read finds it is not ours, nothing is written to it', async () => {
    const theirs = replaceConfigMap();
    s.updateSpec({ by: 'b' });
    const result = await reconcile(key, s.deps);
    expect(result.outcome).toBe('failed-permanent');
    expect(result.error?.code).toBe('LZ_OWNERSHIP_CONFLICT');
    expect(s.cluster.find(cmRef)).toEqual(theirs);
    expect(s.cluster.takeRequests()).toMatchObject({ getCr: 1, applyRefused: 1, getObject: 1 });
  });

  it("a forged inventory entry (another object's uid, no valid seal) is read and checked, never applied blindly", async () => {
    const theirs = replaceConfigMap();
    // Someone who can write the CR's status points its entry at their object and invents a hash.
    s.cluster.mutate(crRef, (cr) => {
      const status = cr.status as { resources: Array<Record<string, unknown>> };
      const entry = status.resources.find((e) => e.kind === 'ConfigMap')!;
      entry.uid = theirs.metadata.uid;
      entry.hash = 'forged';
    });
    s.updateSpec({ by: 'b' });
    const before = s.cluster.writes.length;
    const result = await reconcile(key, s.deps);
    expect(result.error?.code).toBe('LZ_OWNERSHIP_CONFLICT');
    expect(s.cluster.find(cmRef)).toEqual(theirs);
    expect(s.cluster.writes.slice(before).filter((w) => w.key === refKey(cmRef))).toEqual([]);
  });

  it('a sealed entry of another CR does not verify for this one', async () => {
    const theirs = replaceConfigMap();
    const forged = { ...cmRef, uid: theirs.metadata.uid ?? '', hash: 'forged' };
    s.cluster.mutate(crRef, (cr) => {
      const status = cr.status as { resources: Array<Record<string, unknown>> };
      const entry = status.resources.find((e) => e.kind === 'ConfigMap')!;
      Object.assign(entry, { ...forged, seal: sealOf(INVENTORY_KEY, 'another-cr-uid', forged) });
    });
    s.updateSpec({ by: 'b' });
    expect((await reconcile(key, s.deps)).error?.code).toBe('LZ_OWNERSHIP_CONFLICT');
    expect(s.cluster.find(cmRef)).toEqual(theirs);
  });

  it('an object of ours someone deleted: the uid apply is refused, the read finds none, it is created', async () => {
    s.cluster.objects.delete(refKey(cmRef));
    s.updateSpec({ by: 'b' });
    const result = await reconcile(key, s.deps);
    expect(result.created).toEqual([cmRef]);
    expect(s.cluster.find(cmRef)?.data).toEqual({ by: 'b' });
    expect(s.cluster.takeRequests()).toMatchObject({ applyRefused: 1, getObject: 1, apply: 1 });
  });

  it('without an inventory key every changed object is read and checked before its apply', async () => {
    delete s.deps.inventoryKey;
    s.updateSpec({ by: 'b' });
    await reconcile(key, s.deps);
    expect(s.cluster.takeRequests()).toEqual({ getCr: 1, getObject: 3, apply: 3, event: 1, writeStatus: 1 });
  });
});
