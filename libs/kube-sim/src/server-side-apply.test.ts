/* eslint-disable @typescript-eslint/no-explicit-any -- assertions dig into untyped JSON */
import { describe, expect, it } from 'vitest';
import { deleteAt, fieldSetOf, fromFieldsV1, toFieldsV1, valueAt } from './field-set.js';
import { builtinListSemantics } from './list-semantics.js';
import type { Manager } from './managed-fields.js';
import { ignoredPaths, serverSideApply, trackUpdate } from './server-side-apply.js';
import type { JsonObject, KubeObject } from './types.js';

const walk = {
  listSemantics: builtinListSemantics,
  ignore: ignoredPaths({ statusSubresource: true, subresource: '' }),
};
const opts = { ...walk, apiVersion: 'apps/v1', subresource: '', now: '2026-01-01T00:00:00Z' };
const deploy = (spec: JsonObject, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: labels ? { name: 'd', labels } : { name: 'd' },
  spec,
});
const mgr = (manager: string, obj: KubeObject, operation: 'Apply' | 'Update' = 'Apply'): Manager => ({
  manager,
  operation,
  apiVersion: 'apps/v1',
  time: '',
  subresource: '',
  fields: fieldSetOf(obj, walk).applied,
});

describe('field sets', () => {
  it('encodes paths like structured-merge-diff and round-trips FieldsV1', () => {
    const obj = deploy(
      { replicas: 2, template: { spec: { containers: [{ name: 'app', image: 'i' }] } } },
      { a: 'b' },
    );
    const set = fieldSetOf(obj, walk);
    const v1 = toFieldsV1(set.applied);
    // As kube-apiserver records an apply: leaves and list elements ('.'), no entries for maps and structs.
    expect(v1).toEqual({
      'f:metadata': { 'f:labels': { 'f:a': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:template': {
          'f:spec': {
            'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
          },
        },
      },
    });
    expect(fromFieldsV1(v1)).toEqual(set.applied);
    // Map entries (custom resources: additionalProperties, preserved unknown fields) are owned themselves.
    const mapped = fieldSetOf(
      { spec: { m: { k: { z: 'q' } } } },
      { ...walk, mapEntry: (names) => names.length === 3 },
    );
    expect(toFieldsV1(mapped.applied)).toEqual({ 'f:spec': { 'f:m': { 'f:k': { '.': {}, 'f:z': {} } } } });
    expect(valueAt(obj, 'f:spec\nf:template\nf:spec\nf:containers\nk:{"name":"app"}\nf:image')).toBe('i');
  });

  it('deletes by path without touching shared containers', () => {
    const shared = {
      containers: [
        { name: 'app', image: 'i' },
        { name: 'b', image: 'j' },
      ],
    };
    const obj = deploy({ template: { spec: shared } });
    const root = { ...obj };
    expect(deleteAt(root, 'f:spec\nf:template\nf:spec\nf:containers\nk:{"name":"b"}')).toBe(true);
    expect((root.spec as any).template.spec.containers).toEqual([{ name: 'app', image: 'i' }]);
    expect(shared.containers).toHaveLength(2);
  });
});

describe('serverSideApply', () => {
  it('creates, then conflicts with another manager on a differing value, and forcing transfers ownership', () => {
    const a = deploy({ replicas: 1, paused: false });
    const created = serverSideApply(undefined, a, [], { ...opts, manager: 'a', force: false });
    if (!created.ok) throw new Error('conflict');
    const live = { ...created.object, metadata: { ...created.object.metadata, name: 'd' } };
    const b = deploy({ replicas: 3 });
    const conflict = serverSideApply(live, b, created.managers, { ...opts, manager: 'b', force: false });
    expect(conflict).toEqual({
      ok: false,
      conflicts: [{ manager: 'a', apiVersion: 'apps/v1', field: '.spec.replicas' }],
    });
    const forced = serverSideApply(live, b, created.managers, { ...opts, manager: 'b', force: true });
    if (!forced.ok) throw new Error('conflict');
    expect(forced.object.spec).toEqual({ replicas: 3, paused: false });
    const owners = Object.fromEntries(forced.managers.map((m) => [m.manager, [...m.fields]]));
    expect(owners).toEqual({ a: ['f:spec\nf:paused'], b: ['f:spec\nf:replicas'] });
  });

  it('removes fields the manager stopped applying unless another manager owns them, and never mutates live', () => {
    const live = deploy({ replicas: 1, paused: true, minReadySeconds: 5 });
    const frozen = JSON.stringify(live);
    const managers = [
      mgr('a', deploy({ replicas: 1, paused: true, minReadySeconds: 5 })),
      mgr('b', deploy({ minReadySeconds: 5 })),
    ];
    const r = serverSideApply(live, deploy({ replicas: 1 }), managers, {
      ...opts,
      manager: 'a',
      force: false,
    });
    if (!r.ok) throw new Error('conflict');
    expect(r.object.spec).toEqual({ replicas: 1, minReadySeconds: 5 });
    expect(JSON.stringify(live)).toBe(frozen);
  });

  it('co-owns equal values without conflict', () => {
    const live = deploy({ replicas: 2 });
    const r = serverSideApply(live, deploy({ replicas: 2 }), [mgr('a', live)], {
      ...opts,
      manager: 'b',
      force: false,
    });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.managers.map((m) => m.manager)).toEqual(['a', 'b']);
  });

  it('ignores status on the main resource when status is a subresource', () => {
    const r = serverSideApply(undefined, { ...deploy({ replicas: 1 }), status: { replicas: 5 } }, [], {
      ...opts,
      manager: 'a',
      force: false,
    });
    if (!r.ok) throw new Error('conflict');
    expect(r.object.status).toBeUndefined();
  });
});

describe('trackUpdate', () => {
  it('gives the updater the fields it changed, taking them from their previous owner', () => {
    const old = deploy({ replicas: 1, paused: false });
    const next = deploy({ replicas: 4, paused: false });
    const managers = trackUpdate(old, next, [mgr('a', old)], { ...opts, manager: 'kubectl-scale' });
    expect(managers.map((m) => [m.manager, m.operation, [...m.fields]])).toEqual([
      ['a', 'Apply', ['f:spec\nf:paused']],
      ['kubectl-scale', 'Update', ['f:spec\nf:replicas']],
    ]);
  });
});
