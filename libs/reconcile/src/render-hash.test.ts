import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, jsonEqual } from './canonical-json.js';
import type { KubeObject } from './kube-object.js';
import { renderHash } from './render-hash.js';

const cm = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns' },
  data,
});

describe('canonical JSON', () => {
  it('is independent of key insertion order and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}',
    );
  });

  it('gives equal text for any reordering of the same object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        return canonicalJson(value) === canonicalJson(reversed) && jsonEqual(value, reversed);
      }),
    );
  });
});

describe('render hash', () => {
  it('is the same for the same objects in any order', () => {
    expect(renderHash([cm('a', { x: '1' }), cm('b', {})], 'r1')).toBe(
      renderHash([cm('b', {}), cm('a', { x: '1' })], 'r1'),
    );
  });

  it('changes when any field changes', () => {
    expect(renderHash([cm('a', { x: '1' })], 'r1')).not.toBe(renderHash([cm('a', { x: '2' })], 'r1'));
  });

  it('changes when the renderer revision changes', () => {
    expect(renderHash([cm('a', {})], 'r1')).not.toBe(renderHash([cm('a', {})], 'r2'));
  });

  it('is a sha256 digest', () => {
    expect(renderHash([], 'r')).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
