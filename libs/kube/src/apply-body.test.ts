import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyBody } from './apply-body.js';

// What a YAML reader folds or rejects inside a quoted string (the API server reads an apply body as YAML).
const YAML_UNSAFE = /[\u007f-\u009f\u2028\u2029\ufffe\uffff]/;

/**
 * One UTF-16 code unit, often from the ranges that matter here (controls, C1, Latin-1, the general punctuation
 * block with bidi and zero-width characters, surrogates, specials). fast-check's 'binary' unit would do, but
 * builds a table of all of Unicode first (seconds on a loaded machine).
 */
const codeUnit = fc
  .oneof(
    fc.integer({ min: 0, max: 0x2ff }),
    fc.integer({ min: 0x2000, max: 0x206f }),
    fc.integer({ min: 0xd800, max: 0xdfff }),
    fc.integer({ min: 0xfe00, max: 0xffff }),
    fc.integer({ min: 0, max: 0xffff }),
  )
  .map((c) => String.fromCharCode(c));

describe('applyBody', () => {
  it('escapes the characters YAML reads as line breaks (U+0085, U+2028, U+2029) and C1 controls', () => {
    const body = applyBody({ data: { 'k\u2029': 'a\u0085b: c\u2028d\u009b\u007f' } });
    expect(body).toBe('{"data":{"k\\u2029":"a\\u0085b: c\\u2028d\\u009b\\u007f"}}');
  });

  it('is the same object as JSON, with none of those characters raw', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ unit: codeUnit, maxLength: 40 }), {
          maxKeys: 4,
        }),
        (data) => {
          const body = applyBody({ data });
          // Plain comparisons: expect() per run is slow on a loaded machine.
          return JSON.stringify(JSON.parse(body)) === JSON.stringify({ data }) && !YAML_UNSAFE.test(body);
        },
      ),
    );
  });
});
