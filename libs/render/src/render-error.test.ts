import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELPER_NAMES } from './helpers.js';
import { RENDER_ERROR_CODES, RenderError, isRenderError } from './render-error.js';

const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../../docs/templates.md'), 'utf8');

describe('render error registry', () => {
  it('docs/templates.md lists exactly the registry’s codes, with the right retry flag', () => {
    const rows = [...doc.matchAll(/^\| `(LZ_(?:RENDER|HELM)_[A-Z_]+)` \| (permanent|retryable) \|/gm)];
    expect(rows.map((r) => r[1]).sort()).toEqual(Object.keys(RENDER_ERROR_CODES).sort());
    for (const [, code, kind] of rows) {
      expect(RENDER_ERROR_CODES[code as keyof typeof RENDER_ERROR_CODES].retryable, code).toBe(
        kind === 'retryable',
      );
    }
  });

  it('docs/templates.md documents every helper', () => {
    for (const h of HELPER_NAMES) expect(doc, h).toContain(`\`${h}`);
  });

  it('errors carry code, place and retryability, also after crossing a process boundary', () => {
    const err = new RenderError('LZ_RENDER_YAML', 'bad', { file: 'set/a.yaml', line: 3 });
    expect(err.message).toBe('set/a.yaml:3: bad');
    expect(err).toMatchObject({ name: 'RenderError', code: 'LZ_RENDER_YAML', retryable: false });
    expect(new RenderError('LZ_HELM_TIMEOUT', 'slow').retryable).toBe(true);
    expect(isRenderError(err)).toBe(true);
    expect(isRenderError(new Error('x'))).toBe(false);
  });
});
