import { describe, expect, it } from 'vitest';
import { contentChanged } from './apply-objects.js';
import type { KubeObject } from './kube-object.js';

const cm = (rv: string, data: Record<string, string>, managedFields: unknown[] = []): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'a', namespace: 'n', resourceVersion: rv, managedFields },
  data,
});

describe('contentChanged', () => {
  it('is false when the resourceVersion did not move', () => {
    expect(contentChanged(cm('1', { a: '1' }), cm('1', { a: '1' }))).toBe(false);
  });

  it('is true when the object itself changed', () => {
    expect(contentChanged(cm('1', { a: '1' }), cm('2', { a: '2' }))).toBe(true);
  });

  it('is false when only field ownership changed (e.g. a create-only precondition dropped from our entry)', () => {
    const before = cm('1', { a: '1' }, [
      { manager: 'lostromos', fieldsV1: { 'f:metadata': { 'f:deletionGracePeriodSeconds': {} } } },
    ]);
    const after = cm('2', { a: '1' }, [{ manager: 'lostromos', fieldsV1: { 'f:data': { 'f:a': {} } } }]);
    expect(contentChanged(before, after)).toBe(false);
  });
});
