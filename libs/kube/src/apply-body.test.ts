import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyBody } from './apply-body.js';

// What a YAML reader folds or rejects inside a quoted string (the API server reads an apply body as YAML).
const YAML_UNSAFE = /[\u007f-\u009f\u2028\u2029\ufffe\uffff]/;

describe('applyBody', () => {
  it('escapes the characters YAML reads as line breaks (U+0085, U+2028, U+2029) and C1 controls', () => {
    const body = applyBody({ data: { 'k\u2029': 'a\u0085b: c\u2028d\u009b\u007f' } });
    expect(body).toBe('{"data":{"k\\u2029":"a\\u0085b: c\\u2028d\\u009b\\u007f"}}');
  });

  it('is the same object as JSON, with none of those characters raw', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string({ unit: 'binary' })), (data) => {
        const body = applyBody({ data });
        expect(JSON.parse(body)).toEqual({ data });
        expect(body).not.toMatch(YAML_UNSAFE);
      }),
    );
  });
});
