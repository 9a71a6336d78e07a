/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- assertions dig into untyped JSON */
import { describe, expect, it } from 'vitest';
import { applyJsonPatch, JsonPatchError } from './json-patch.js';
import { builtinListSemantics, crdListSemantics } from './list-semantics.js';
import { applyMergePatch } from './merge-patch.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';
import type { JsonObject } from './types.js';

describe('JSON merge patch (RFC 7386)', () => {
  it('merges objects, deletes nulls and replaces arrays and scalars', () => {
    expect(
      applyMergePatch({ a: 1, b: { c: 2, d: 3 }, e: [1, 2] }, { b: { c: null, x: 1 }, e: [3], f: 'n' }),
    ).toEqual({
      a: 1,
      b: { d: 3, x: 1 },
      e: [3],
      f: 'n',
    });
    expect(applyMergePatch({ a: 1 }, [1])).toEqual([1]);
  });
  it('does not modify its input', () => {
    const target = { a: { b: 1 } };
    applyMergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('applies add/remove/replace/move/copy/test with pointer escapes and array indices', () => {
    const doc = { a: { 'x/y': 1, 'm~n': 2 }, list: [1, 2, 3] };
    const out = applyJsonPatch(doc, [
      { op: 'replace', path: '/a/x~1y', value: 10 },
      { op: 'remove', path: '/a/m~0n' },
      { op: 'add', path: '/list/1', value: 9 },
      { op: 'add', path: '/list/-', value: 4 },
      { op: 'copy', from: '/a', path: '/b' },
      { op: 'move', from: '/b/x~1y', path: '/c' },
      { op: 'test', path: '/c', value: 10 },
    ]);
    expect(out).toEqual({ a: { 'x/y': 10 }, list: [1, 9, 2, 3, 4], b: {}, c: 10 });
    expect(doc.list).toEqual([1, 2, 3]);
  });
  it('fails on a failed test, a missing path or an unknown op', () => {
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(JsonPatchError);
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '/b' }])).toThrow(/nonexistent/);
    expect(() => applyJsonPatch({ a: [] }, [{ op: 'replace', path: '/a/3', value: 1 }])).toThrow(
      /invalid index/,
    );
    expect(() => applyJsonPatch({}, [{ op: 'frob', path: '/a' }])).toThrow(/Unexpected kind/);
    expect(() => applyJsonPatch({}, { op: 'add' })).toThrow(/array/);
  });
});

describe('strategic merge patch', () => {
  const pod = (containers: JsonObject[]): JsonObject => ({ spec: { template: { spec: { containers } } } });
  it('merges lists by patch merge key, deletes with $patch: delete and replaces with $patch: replace', () => {
    const live = pod([
      { name: 'a', image: '1', env: [{ name: 'X', value: '1' }] },
      { name: 'b', image: '1' },
    ]);
    const merged = applyStrategicMergePatch(
      live,
      pod([
        { name: 'a', env: [{ name: 'Y', value: '2' }] },
        { name: 'c', image: '3' },
      ]),
      builtinListSemantics,
    );
    expect(merged).toEqual(
      pod([
        {
          name: 'a',
          image: '1',
          env: [
            { name: 'X', value: '1' },
            { name: 'Y', value: '2' },
          ],
        },
        { name: 'b', image: '1' },
        { name: 'c', image: '3' },
      ]),
    );
    const deleted = applyStrategicMergePatch(
      live,
      pod([{ name: 'b', $patch: 'delete' }]),
      builtinListSemantics,
    );
    expect((deleted.spec as any).template.spec.containers.map((c: any) => c.name)).toEqual(['a']);
    const replaced = applyStrategicMergePatch(
      live,
      pod([{ $patch: 'replace' }, { name: 'z', image: '9' }]),
      builtinListSemantics,
    );
    expect((replaced.spec as any).template.spec.containers).toEqual([{ name: 'z', image: '9' }]);
  });
  it('treats finalizers as a set, supports $deleteFromPrimitiveList and $retainKeys, and replaces atomic lists', () => {
    const live: JsonObject = {
      metadata: { finalizers: ['a', 'b'] },
      spec: { args: ['x'], strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } },
    };
    const out = applyStrategicMergePatch(
      live,
      {
        metadata: { finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'] },
        spec: { args: ['y'], strategy: { $retainKeys: ['type'], type: 'Recreate' } },
      },
      builtinListSemantics,
    );
    expect(out).toEqual({
      metadata: { finalizers: ['b', 'c'] },
      spec: { args: ['y'], strategy: { type: 'Recreate' } },
    });
  });
  it('uses x-kubernetes-list-type from CRD schemas', () => {
    const schema = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            ports: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['port'],
              items: { type: 'object' },
            },
          },
        },
      },
    };
    const ls = crdListSemantics(schema);
    expect(ls(['spec', 'ports'])).toEqual({ type: 'map', keys: ['port'] });
    expect(ls(['spec', 'other'])).toEqual({ type: 'atomic' });
    expect(ls(['metadata', 'finalizers'])).toEqual({ type: 'set' });
  });
});
