import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeInvisible, quoteValue } from './quote-text.js';

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

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

describe('escapeInvisible', () => {
  it('writes bidi overrides, zero-width and BOM characters as \\uXXXX', () => {
    expect(escapeInvisible('abc\u202Edef')).toBe('abc\\u202Edef');
    expect(escapeInvisible('ad\u200Bmin\uFEFF')).toBe('ad\\u200Bmin\\uFEFF');
    expect(escapeInvisible('\u2066x\u2069 \u061C')).toBe('\\u2066x\\u2069 \\u061C');
  });

  it('writes C0 and C1 controls (U+0085 NEXT LINE, ESC, NUL) as \\uXXXX, keeping line feeds and tabs', () => {
    expect(escapeInvisible('a\u0085b\u001b[31m\u0000')).toBe('a\\u0085b\\u001B[31m\\u0000');
    expect(escapeInvisible('line one\n\tline two')).toBe('line one\n\tline two');
    expect(escapeInvisible('a\rb\u2028c')).toBe('a\\u000Db\\u2028c');
  });

  it('escapes lone surrogates and keeps pairs (emoji, CJK) as they are', () => {
    expect(escapeInvisible('x\uD800y\uDC00')).toBe('x\\uD800y\\uDC00');
    expect(escapeInvisible('🚀 ship ✓ 中文 Lostrómos')).toBe('🚀 ship ✓ 中文 Lostrómos');
  });

  it('leaves no hidden character in any string, and is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: codeUnit, maxLength: 40 }), (s) => {
        const once = escapeInvisible(s);
        // Plain comparisons: expect() per run is slow on a loaded machine.
        return !HIDDEN.test(once) && escapeInvisible(once) === once;
      }),
    );
  });
});

describe('quoteValue', () => {
  it('JSON-quotes a value and escapes what JSON leaves raw', () => {
    expect(quoteValue('abc\u202Edef')).toBe('"abc\\u202Edef"');
    expect(quoteValue('a\nb "c"')).toBe('"a\\nb \\"c\\""');
    expect(quoteValue(3)).toBe('3');
    expect(quoteValue(undefined)).toBe('undefined');
  });

  it('cuts a long string before quoting, so the quotes stay and no escape is split', () => {
    expect(quoteValue('\u202E'.repeat(100), 3)).toBe('"\\u202E\\u202E\\u202E…"');
    expect(quoteValue('x'.repeat(100), 5)).toBe('"xxxxx…"');
  });

  it('cuts a long structure after quoting', () => {
    expect(quoteValue({ a: 'b'.repeat(100) }, 10)).toBe('{"a":"bbbb…');
  });
});
