import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createOperatorMetrics } from './operator-metrics.js';
import { RedisUpGauge } from './redis-health.js';

class FakeConnection extends EventEmitter {
  constructor(public status: string) {
    super();
  }
  to(status: string, event: 'ready' | 'close' | 'reconnecting' | 'end'): void {
    this.status = status;
    this.emit(event);
  }
}

describe('RedisUpGauge', () => {
  it('is 1 only while every connection of the process is ready', async () => {
    const metrics = createOperatorMetrics({ collectDefault: false });
    const value = async (): Promise<number | undefined> => (await metrics.redisUp.get()).values[0]?.value;
    const gauge = new RedisUpGauge(metrics.redisUp);
    expect(await value()).toBe(0); // no connection yet: nothing reaches Redis

    const producer = new FakeConnection('connecting');
    const dashboard = new FakeConnection('ready');
    gauge.add(producer);
    const unwatchDashboard = gauge.add(dashboard);
    expect(await value()).toBe(0);
    producer.to('ready', 'ready');
    expect(await value()).toBe(1);

    dashboard.to('reconnecting', 'reconnecting');
    expect(await value()).toBe(0);
    dashboard.to('ready', 'ready');
    expect(await value()).toBe(1);

    unwatchDashboard();
    expect(dashboard.listenerCount('ready')).toBe(0);
    producer.to('end', 'end');
    expect(await value()).toBe(0);
  });
});
