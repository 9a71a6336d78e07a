import { describe, expect, it } from 'vitest';
import { conformToSchema, pruneToSchema } from './crd-schema.js';
import type { JsonObject } from './types.js';

const schema: JsonObject = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['image'],
      properties: {
        image: { type: 'string', minLength: 1 },
        replicas: { type: 'integer', minimum: 0, default: 1 },
        mode: { type: 'string', enum: ['fast', 'safe'] },
        host: { type: 'string', pattern: '^[a-z.]+$' },
        ports: {
          type: 'array',
          maxItems: 2,
          items: { type: 'object', required: ['port'], properties: { port: { type: 'integer' } } },
        },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        env: { type: 'object', additionalProperties: { type: 'string' } },
        size: { 'x-kubernetes-int-or-string': true },
      },
    },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};
const cr = (spec: JsonObject, extra: JsonObject = {}): JsonObject => ({
  apiVersion: 'x.io/v1',
  kind: 'X',
  metadata: { name: 'a' },
  spec,
  ...extra,
});

describe('CRD structural schemas', () => {
  it('prunes undeclared fields, keeps preserved subtrees and metadata, and applies defaults', () => {
    const { object, causes } = conformToSchema(
      cr(
        { image: 'i', unknown: 1, extra: { anything: { deep: true } }, env: { A: 'b' } },
        { junk: true, status: { free: 1 } },
      ),
      schema,
    );
    expect(causes).toEqual([]);
    expect(object).toEqual({
      apiVersion: 'x.io/v1',
      kind: 'X',
      metadata: { name: 'a' },
      spec: { image: 'i', replicas: 1, extra: { anything: { deep: true } }, env: { A: 'b' } },
      status: { free: 1 },
    });
  });

  it('reports type, required, enum, bound, pattern and item-count violations with field paths', () => {
    const { causes } = conformToSchema(
      cr({
        replicas: 'two',
        mode: 'slow',
        host: 'UPPER',
        ports: [{ port: 1 }, {}, { port: 3 }],
        env: { A: 1 },
        size: true,
      }),
      schema,
    );
    const byField = Object.fromEntries(causes.map((c) => [c.field, `${c.reason}: ${c.message}`]));
    expect(byField).toEqual({
      'spec.image': 'FieldValueRequired: Required value',
      'spec.replicas':
        'FieldValueInvalid: Invalid value: "two": spec.replicas in body must be of type integer: "string"',
      'spec.mode': 'FieldValueNotSupported: Unsupported value: "slow": supported values: "fast", "safe"',
      'spec.host': `FieldValueInvalid: Invalid value: "UPPER": spec.host in body should match '^[a-z.]+$'`,
      'spec.ports': 'FieldValueTooMany: Too many: 3: must have at most 2 items',
      'spec.ports[1].port': 'FieldValueRequired: Required value',
      'spec.env.A':
        'FieldValueInvalid: Invalid value: 1: spec.env.A in body must be of type string: "integer"',
      'spec.size':
        'FieldValueInvalid: Invalid value: true: spec.size in body must be of type integer or string: "boolean"',
    });
    expect(conformToSchema(cr({ image: 'i', replicas: -1 }), schema).causes[0]!.message).toBe(
      'Invalid value: -1: spec.replicas in body should be greater than or equal to 0',
    );
  });

  it('prunes apply configurations without adding defaults', () => {
    expect(pruneToSchema(cr({ image: 'i', nope: 1 }), schema)).toEqual(cr({ image: 'i' }));
  });
});
