import { describe, expect, it } from 'vitest';
import { Authorizer, forbiddenReason } from './authorizer.js';

const attrs = (verb: string, resource: string, namespace = 'default', group = '', subresource = '') => ({
  verb,
  group,
  resource,
  subresource,
  namespace,
});

describe('Authorizer', () => {
  it('grants everything to anonymous callers when no tokens are configured', () => {
    const a = new Authorizer();
    const p = a.authenticate(undefined)!;
    expect(a.enabled).toBe(false);
    expect(a.allows(p, attrs('delete', 'secrets'))).toBe(true);
  });

  it('matches verbs × resources (plural, plural/sub, plural.group, *) × namespaces and api groups', () => {
    const a = new Authorizer({
      t: [
        { verbs: ['get', 'list'], resources: ['configmaps'], namespaces: ['team'] },
        { verbs: ['patch'], resources: ['deployments.apps', 'characters/status'] },
        { verbs: ['*'], resources: ['leases'], apiGroups: ['coordination.k8s.io'] },
      ],
    });
    const p = a.authenticate('Bearer t')!;
    expect(a.authenticate('Bearer nope')).toBeUndefined();
    expect(a.authenticate(undefined)).toBeUndefined();
    expect(a.allows(p, attrs('list', 'configmaps', 'team'))).toBe(true);
    expect(a.allows(p, attrs('list', 'configmaps', 'other'))).toBe(false);
    expect(a.allows(p, attrs('list', 'configmaps', ''))).toBe(false);
    expect(a.allows(p, attrs('create', 'configmaps', 'team'))).toBe(false);
    expect(a.allows(p, attrs('patch', 'deployments', 'x', 'apps'))).toBe(true);
    expect(a.allows(p, attrs('patch', 'characters', 'x', 'stable.example.io', 'status'))).toBe(true);
    expect(a.allows(p, attrs('patch', 'characters', 'x', 'stable.example.io'))).toBe(false);
    expect(a.allows(p, attrs('update', 'leases', 'x', 'coordination.k8s.io'))).toBe(true);
    expect(forbiddenReason(p, attrs('create', 'configmaps', 'team'))).toMatch(
      /^User "sim:token:[0-9a-f]{8}" cannot create resource "configmaps" in API group "" in the namespace "team"$/,
    );
  });
});
