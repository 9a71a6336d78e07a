import type { ClusterReader, ClusterWriter, EventRecorder, KubeObject } from '@lostromos/reconcile';
import { describe, expect, it } from 'vitest';
import { countedPorts } from './counted-ports.js';

const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns' } };

describe('countedPorts', () => {
  it('counts one request per reader, writer and event call, discovery lookups excluded, and passes results through', async () => {
    const calls: string[] = [];
    const ports = {
      getCr: () => (calls.push('getCr'), Promise.resolve(cm)),
      getObject: () => (calls.push('getObject'), Promise.resolve(cm)),
      isNamespaced: () => (calls.push('isNamespaced'), Promise.resolve(true)),
      writeStatus: () => (calls.push('writeStatus'), Promise.resolve(cm)),
    } as unknown as ClusterReader & ClusterWriter;
    const events: EventRecorder = { record: () => (calls.push('record'), Promise.resolve()) };
    const counted = countedPorts(ports, events);
    expect(
      await counted.reader.getCr(
        { group: 'g', plural: 'p', namespace: 'ns', name: 'a' },
        { apiVersion: 'g/v1' },
      ),
    ).toBe(cm);
    await counted.reader.getObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', namespace: 'ns' });
    expect(await counted.reader.isNamespaced('v1', 'ConfigMap')).toBe(true);
    await counted.writer.writeStatus(cm, {});
    await counted.events.record(cm, { type: 'Normal', reason: 'Created', action: 'Apply', message: 'x' });
    expect(calls).toEqual(['getCr', 'getObject', 'isNamespaced', 'writeStatus', 'record']);
    expect(counted.requests()).toBe(4);
  });

  it('counts a failed call too: the request was sent', async () => {
    const ports = {
      getObject: () => Promise.reject(new Error('boom')),
    } as unknown as ClusterReader & ClusterWriter;
    const counted = countedPorts(ports, { record: () => Promise.resolve() });
    await expect(
      counted.reader.getObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'a' }),
    ).rejects.toThrow('boom');
    expect(counted.requests()).toBe(1);
  });
});
