import { describe, expect, it } from 'vitest';
import {
  formatCrKey,
  groupOf,
  joinApiVersion,
  objectKey,
  parseCrKey,
  splitApiVersion,
  tryParseCrKey,
  versionOf,
} from './index.js';

describe('apiVersion', () => {
  it('splits core and grouped versions, and joins them back', () => {
    expect(splitApiVersion('v1')).toEqual({ group: '', version: 'v1' });
    expect(splitApiVersion('apps/v1')).toEqual({ group: 'apps', version: 'v1' });
    expect(groupOf('rbac.authorization.k8s.io/v1')).toBe('rbac.authorization.k8s.io');
    expect(versionOf('apps/v1beta2')).toBe('v1beta2');
    for (const v of ['v1', 'apps/v1', 'stable.example.io/v1alpha1'])
      expect(joinApiVersion(splitApiVersion(v).group, splitApiVersion(v).version)).toBe(v);
    expect(joinApiVersion('core', 'v1')).toBe('v1');
  });
});

describe('CR keys', () => {
  it('round-trips namespaced and cluster-scoped keys', () => {
    const ns = { group: 'g.io', plural: 'ships', namespace: 'default', name: 'a' };
    const cluster = { group: 'g.io', plural: 'ships', namespace: '', name: 'b' };
    expect(formatCrKey(ns)).toBe('g.io/ships/default/a');
    expect(parseCrKey(formatCrKey(ns))).toEqual(ns);
    expect(parseCrKey(formatCrKey(cluster))).toEqual(cluster);
  });
  it('refuses anything else with the expected shape in the message', () => {
    expect(() => parseCrKey('default/a')).toThrow(/expected group\/plural\/namespace\/name/);
    expect(() => parseCrKey('g/p/ns/')).toThrow(/invalid CR key/);
    expect(tryParseCrKey('a/b/c/d/e')).toBeUndefined();
  });
  it('objectKey is namespace/name or name', () => {
    expect(objectKey({ metadata: { namespace: 'x', name: 'y' } })).toBe('x/y');
    expect(objectKey({ metadata: { name: 'y' } })).toBe('y');
  });
});
