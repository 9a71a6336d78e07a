import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ApiRejectedError,
  asPermanentError,
  isPermanentError,
  isRetryableError,
  ReconcileErrorCodes,
  RenderFailedError,
  UnknownKindError,
} from './errors.js';

const docs = readFileSync(fileURLToPath(new URL('../../../docs/reconcile.md', import.meta.url)), 'utf8');

function documentedCodes(): Map<string, { reason: string; retryable: boolean }> {
  const section = docs.slice(docs.indexOf('## Error codes'));
  const rows = new Map<string, { reason: string; retryable: boolean }>();
  for (const match of section.matchAll(/^\| `(LZ_[A-Z_]+)` \| (\w+) \| (yes|no) \|/gm)) {
    rows.set(match[1] ?? '', { reason: match[2] ?? '', retryable: match[3] === 'yes' });
  }
  return rows;
}

describe('error registry', () => {
  it('is documented in docs/reconcile.md, code by code, with the same reason and retryability', () => {
    const registry = new Map(
      Object.entries(ReconcileErrorCodes).map(([code, e]) => [
        code,
        { reason: e.reason, retryable: e.retryable },
      ]),
    );
    expect(documentedCodes()).toEqual(registry);
  });

  it('gives every error class its registry code, reason and retryability', () => {
    const err = new UnknownKindError('x.io/v1', 'Gizmo');
    expect(err).toMatchObject({
      code: 'LZ_UNKNOWN_KIND',
      reason: 'UnknownKind',
      retryable: false,
      name: 'UnknownKindError',
    });
    expect(err.message).toContain('install its CRD');
  });

  it('writes bidi and invisible characters of a message as \\uXXXX (it reaches status, Events and logs)', () => {
    const permanent = asPermanentError(
      Object.assign(new Error('ConfigMap "a\u202Eb" is invalid'), { retryable: false }),
    );
    expect(permanent?.message).toBe('ConfigMap "a\\u202Eb" is invalid');
    expect(new RenderFailedError('x\u200By').message).toBe('x\\u200By');
  });

  it('classifies errors by their fields, so errors from other packages or across the queue work', () => {
    const throttled = Object.assign(new Error('429'), { retryable: true, retryAfterMs: 1500 });
    expect(isRetryableError(throttled)).toBe(true);
    expect(isPermanentError({ retryable: false })).toBe(true);
    expect(isRetryableError(new Error('plain'))).toBe(false);
    expect(isPermanentError(new Error('plain'))).toBe(false);
  });

  it('turns only permanent errors into ReconcileErrors, keeping the cause', () => {
    const forbidden = Object.assign(new Error('403 forbidden'), { retryable: false });
    const permanent = asPermanentError(forbidden);
    expect(permanent).toBeInstanceOf(ApiRejectedError);
    expect(permanent?.cause).toBe(forbidden);
    const render = new RenderFailedError('bad');
    expect(asPermanentError(render)).toBe(render);
    expect(asPermanentError(Object.assign(new Error('503'), { retryable: true }))).toBeUndefined();
    expect(asPermanentError(new TypeError('bug'))).toBeUndefined();
  });
});
