import { createLogger, createOperatorMetrics, HealthRegistry } from '@lostromos/observability';
import type { EnqueueItem } from '@lostromos/queue';
import { describe, expect, it } from 'vitest';
import { Enqueuer } from './enqueuer.js';

interface Call {
  resource: string;
  items: EnqueueItem[];
}

/** A producer whose batches complete when the test says so (or at once). */
function fakeProducer(opts: { hold?: boolean; fail?: Error } = {}) {
  const calls: Call[] = [];
  const waiting: Array<() => void> = [];
  return {
    calls,
    release: () => waiting.splice(0).forEach((r) => r()),
    enqueueMany: (resource: string, items: readonly EnqueueItem[]): Promise<void> => {
      calls.push({ resource, items: [...items] });
      if (opts.fail) return Promise.reject(opts.fail);
      return opts.hold ? new Promise<void>((r) => waiting.push(r)) : Promise.resolve();
    },
  };
}

function enqueuer(
  producer: ReturnType<typeof fakeProducer>,
  more: { maxInflight?: number; maxBatch?: number; leads?: () => boolean } = {},
) {
  const health = new HealthRegistry();
  const e = new Enqueuer({
    producer,
    metrics: createOperatorMetrics({ collectDefault: false }),
    health,
    logger: createLogger({ level: 'silent', format: 'json' }),
    mayEnqueue: more.leads ?? (() => true),
    ...(more.maxInflight !== undefined ? { maxInflight: more.maxInflight } : {}),
    ...(more.maxBatch !== undefined ? { maxBatch: more.maxBatch } : {}),
  });
  return { e, health };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Enqueuer', () => {
  it('a key marked for verification stays marked when it coalesces with unmarked enqueues', async () => {
    const p = fakeProducer();
    const { e } = enqueuer(p);
    e.enqueue('ships', 'g/ships/ns/a', 'event');
    e.enqueue('ships', 'g/ships/ns/a', 'event', true); // a drift event of one of a's objects
    e.enqueue('ships', 'g/ships/ns/a', 'resync');
    e.enqueue('ships', 'g/ships/ns/b', 'resync', true);
    e.enqueue('ships', 'g/ships/ns/b', 'event'); // the more urgent reason, the mark kept
    e.enqueue('ships', 'g/ships/ns/c', 'event');
    await tick();
    expect(p.calls).toEqual([
      {
        resource: 'ships',
        items: [
          { key: 'g/ships/ns/a', reason: 'event', verify: true },
          { key: 'g/ships/ns/b', reason: 'event', verify: true },
          { key: 'g/ships/ns/c', reason: 'event' },
        ],
      },
    ]);
  });

  it('sends the enqueues of one tick together, each key once, with the most urgent reason', async () => {
    const p = fakeProducer();
    const { e } = enqueuer(p);
    e.enqueue('ships', 'g/ships/ns/a', 'resync');
    e.enqueue('ships', 'g/ships/ns/b', 'event');
    e.enqueue('ships', 'g/ships/ns/a', 'event'); // a change of a: the waiting resync becomes an event
    e.enqueue('ships', 'g/ships/ns/b', 'resync'); // b stays an event
    await tick();
    expect(p.calls).toEqual([
      {
        resource: 'ships',
        items: [
          { key: 'g/ships/ns/a', reason: 'event' },
          { key: 'g/ships/ns/b', reason: 'event' },
        ],
      },
    ]);
  });

  it('bounds batches and batches in flight; what comes meanwhile waits, and is coalesced, until one returns', async () => {
    const p = fakeProducer({ hold: true });
    const { e } = enqueuer(p, { maxInflight: 2, maxBatch: 3 });
    for (let i = 0; i < 8; i++) e.enqueue('ships', `g/ships/ns/${i}`, 'relist');
    await tick();
    expect(p.calls.map((c) => c.items.length)).toEqual([3, 3]);
    expect(e.backlog).toBe(2);
    e.enqueue('ships', 'g/ships/ns/7', 'event'); // still waiting here: raised, not added twice
    e.enqueue('ships', 'g/ships/ns/0', 'event'); // already sent: sent again after it
    await tick();
    expect(p.calls).toHaveLength(2);
    p.release();
    await tick();
    expect(p.calls.slice(2).map((c) => c.items)).toEqual([
      [
        { key: 'g/ships/ns/6', reason: 'relist' },
        { key: 'g/ships/ns/7', reason: 'event' },
        { key: 'g/ships/ns/0', reason: 'event' },
      ],
    ]);
    expect(e.backlog).toBe(0);
  });

  it('takes turns between resources', async () => {
    const p = fakeProducer({ hold: true });
    const { e } = enqueuer(p, { maxInflight: 1, maxBatch: 2 });
    for (let i = 0; i < 4; i++) e.enqueue('ships', `g/ships/ns/${i}`, 'relist');
    e.enqueue('boats', 'g/boats/ns/x', 'event');
    await tick();
    p.release();
    await tick();
    p.release();
    await tick();
    expect(p.calls.map((c) => c.resource)).toEqual(['ships', 'boats', 'ships']);
  });

  it('asks whether it may enqueue when a key is enqueued and again when its batch goes out', async () => {
    const p = fakeProducer();
    let leading = true;
    const { e } = enqueuer(p, { leads: () => leading });
    e.enqueue('ships', 'g/ships/ns/a', 'event');
    leading = false; // lost the shard before the batch went out
    await tick();
    e.enqueue('ships', 'g/ships/ns/b', 'event');
    await tick();
    expect(p.calls).toEqual([]);
  });

  it('marks itself not ready when adds fail, and says so once Redis is back', async () => {
    const p = fakeProducer({ fail: new Error('Connection is closed.') });
    const { e, health } = enqueuer(p);
    e.enqueue('ships', 'g/ships/ns/a', 'event');
    await tick();
    await tick();
    expect(e.redisDown).toBe(true);
    expect(health.readiness().checks.enqueue?.ok).toBe(false);
    expect(e.recovered()).toBe(true);
    expect(health.readiness().checks.enqueue?.ok).toBe(true);
    expect(e.recovered()).toBe(false);
  });
});
