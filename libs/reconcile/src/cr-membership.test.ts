import { describe, expect, it } from 'vitest';
import { crMembership, pausedValue } from './cr-membership.js';
import type { KubeObject } from './kube-object.js';

const cr = (meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'g/v1',
  kind: 'K',
  metadata: { name: 'a', namespace: 'ns', uid: 'u', ...meta },
});
const ANN = 'example.io/managed';

describe('crMembership: is this CR ours?', () => {
  it('every CR is managed when no opt-in annotation is configured', () => {
    expect(crMembership(cr(), '')).toBe('managed');
    expect(crMembership(cr(), undefined)).toBe('managed');
  });
  it('a CR with the annotation (any value, even empty) is managed', () => {
    expect(crMembership(cr({ annotations: { [ANN]: '' } }), ANN)).toBe('managed');
  });
  it('a CR without it is ignored, unless it still holds our finalizer: then it opted out', () => {
    expect(crMembership(cr(), ANN)).toBe('ignored');
    expect(crMembership(cr({ finalizers: ['lostromos.io/cleanup'] }), ANN)).toBe('opted-out');
  });
});

describe('pausedValue', () => {
  const P = 'lostromos.io/paused';
  it('reads true/false in any letter case; absent or empty is not paused', () => {
    expect(pausedValue(cr({ annotations: { [P]: 'TRUE' } }), P)).toEqual({ paused: true });
    expect(pausedValue(cr({ annotations: { [P]: ' True ' } }), P)).toEqual({ paused: true });
    expect(pausedValue(cr({ annotations: { [P]: 'False' } }), P)).toEqual({ paused: false });
    expect(pausedValue(cr(), P)).toEqual({ paused: false });
  });
  it('reports any other value as invalid instead of silently ignoring it', () => {
    expect(pausedValue(cr({ annotations: { [P]: 'yes' } }), P)).toEqual({ paused: false, invalid: 'yes' });
  });
});
