import { Writable } from 'node:stream';
import type { ResourceConfig } from '@lostromos/config';
import type { KubeObject } from '@lostromos/kube';
import { createLogger } from '@lostromos/observability';
import type { ReconcileOutcome, RevisionEntry, RolloutState, RolloutStore } from '@lostromos/queue';
import type { CrEvent } from '@lostromos/reconcile';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RolloutController } from './rollout-controller.js';
import { RolloutMetrics } from './rollout-metrics.js';

const rev = (c: string): string => c.repeat(64);
const [A, B] = [rev('a'), rev('b')];
const resource = {
  name: 'ships',
  group: 'fleet.example.io',
  version: 'v1',
  plural: 'ships',
  filterAnnotation: '',
  rollout: { batchSize: 2, pauseSeconds: 0, maxFailures: 0, readiness: true, readinessTimeoutSeconds: 60 },
} as unknown as ResourceConfig;

const ship = (name: string, revision: string, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'fleet.example.io/v1',
  kind: 'Ship',
  metadata: { name, namespace: 'default', uid: name, ...(annotations ? { annotations } : {}) },
  status: {
    templateRevision: revision.slice(0, 12),
    conditions: [{ type: 'Ready', status: 'False', reason: 'InProgress', message: `${name} waits` }],
  },
});

/** The Redis side as plain objects: the compare-and-set behaves like the Lua script. */
function fakeRedis() {
  let state: RolloutState | undefined;
  const promoted = new Set<string>();
  const outcomes = new Map<string, ReconcileOutcome>();
  const rollouts: Pick<RolloutStore, 'read' | 'promoted' | 'outcomes' | 'write'> = {
    read: () => Promise.resolve(state),
    promoted: () => Promise.resolve(new Set(promoted)),
    outcomes: (_r, keys) =>
      Promise.resolve(
        new Map(keys.flatMap((k) => (outcomes.has(k) ? [[k, outcomes.get(k)!] as const] : []))),
      ),
    write: (_r, prev, next, change = {}) => {
      if ((state?.version ?? -1) !== (prev?.version ?? -1)) return Promise.resolve(undefined);
      state = { ...next, version: (prev?.version ?? -1) + 1 };
      if (change.resetPromoted) promoted.clear();
      for (const k of change.promote ?? []) promoted.add(k);
      return Promise.resolve(state);
    },
  };
  return { rollouts, promoted, outcomes, state: () => state };
}

function setup(crs: KubeObject[], history: RevisionEntry[], live: string[]) {
  const redis = fakeRedis();
  const enqueued: string[] = [];
  const events: Array<{ name: string; event: CrEvent }> = [];
  const trimmed: string[][] = [];
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  let now = 1_000;
  let synced = false;
  const c = new RolloutController({
    resource,
    list: () => crs,
    synced: () => synced,
    enqueue: (key) => enqueued.push(key),
    rollouts: redis.rollouts,
    templates: {
      history: () => Promise.resolve(history),
      trim: (_r, protect) => {
        const removed = history
          .slice(2)
          .filter((e) => !protect(e.revision))
          .map((e) => e.revision);
        trimmed.push(removed);
        return Promise.resolve(removed);
      },
    },
    revisions: { live: () => Promise.resolve(live) },
    events: { record: (cr, event) => Promise.resolve(void events.push({ name: cr.metadata.name!, event })) },
    metrics: new RolloutMetrics(new Registry()),
    logger: createLogger({ level: 'info', format: 'json', destination: sink }),
    tickMs: 3_600_000,
    now: () => now,
  });
  const look = async (): Promise<void> => {
    c.poke();
    await (c as unknown as { looking: Promise<void> }).looking;
  };
  return {
    c,
    redis,
    enqueued,
    events,
    trimmed,
    logs,
    look,
    sync: () => (synced = true),
    tick: (ms: number) => (now += ms),
  };
}

describe('RolloutController (the leader drives a resource’s rollout from the state in Redis)', () => {
  it('does nothing before the cache holds the first list (no CR would look like no CR left to move)', async () => {
    const t = setup([ship('one', A)], [{ revision: A, storedAt: 1 }], [A]);
    t.c.start();
    await t.look();
    expect(t.redis.state()).toBeUndefined();
    await t.c.stop();
  });

  it('starts from the newest stored revision the workers run; a newer one is rolled out in waves, enqueued', async () => {
    const crs = ['one', 'two', 'three'].map((n) => ship(n, A));
    const history = [{ revision: A, storedAt: 1 }];
    const live = [A];
    const t = setup(crs, history, live);
    t.sync();
    t.c.start();
    await t.look();
    expect(t.redis.state()).toMatchObject({ phase: 'idle', stable: A, crs: 3 });
    history.unshift({ revision: B, storedAt: 2 });
    live.push(B);
    await t.look();
    expect(t.redis.state()).toMatchObject({ phase: 'progressing', stable: A, target: B, wave: 1 });
    expect(t.enqueued).toEqual([
      'fleet.example.io/ships/default/one',
      'fleet.example.io/ships/default/three',
    ]);
    expect(t.logs.map((l) => l.msg)).toContain(`wave 1: 2 CRs to ${B.slice(0, 12)} (1 left after it)`);
    await t.c.stop();
  });

  it('a CR not Ready in time gets a Warning Event; past maxFailures the rollout pauses and says so once', async () => {
    const crs = ['one', 'two', 'three'].map((n) => ship(n, A));
    const history = [{ revision: A, storedAt: 1 }];
    const live = [A];
    const t = setup(crs, history, live);
    t.sync();
    t.c.start();
    await t.look();
    history.unshift({ revision: B, storedAt: 2 });
    live.splice(0, 1, B);
    await t.look(); // wave 1: one, three
    t.tick(61_000);
    await t.look();
    expect(t.redis.state()).toMatchObject({ phase: 'paused', pausedBy: 'controller', wave: 1 });
    expect(t.events.map((e) => e.name)).toEqual(['one', 'three']);
    expect(t.events[0]!.event).toEqual({
      type: 'Warning',
      reason: 'RolloutFailed',
      action: 'Rollout',
      message: `not Ready with revision ${B.slice(0, 12)} 60 s after wave 1 started (no reconcile with it yet) (NotReady); the rollout of resource ships to revision ${B.slice(0, 12)} pauses when more than 0 CRs fail`,
    });
    const paused = () => t.logs.filter((l) => String(l.msg).startsWith('rollout paused by itself'));
    expect(paused()).toHaveLength(1);
    t.tick(10_000);
    await t.look();
    expect(paused()).toHaveLength(1);
    expect(t.events).toHaveLength(2);
    await t.c.stop();
  });

  it('trims old revisions, never the stable one, one a live worker runs, or one a CR is pinned to', async () => {
    const [C, D] = [rev('c'), rev('d')];
    const history = [D, C, B, A].map((revision, i) => ({ revision, storedAt: 10 - i }));
    const crs = [ship('one', D), ship('two', D, { 'lostromos.io/template-revision': 'BBBBBBBB' })];
    const t = setup(crs, history, [D]);
    t.sync();
    t.c.start();
    await t.look();
    expect(t.trimmed).toEqual([[A]]);
    expect(t.logs.find((l) => l.msg === 'trimmed old template revisions')?.revisions).toEqual([
      A.slice(0, 12),
    ]);
    await t.c.stop();
  });
});
