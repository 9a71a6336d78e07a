import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_ERROR_CODES } from './config-error.js';
import { CONFIG_FIELDS } from './fields.js';

const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../../docs/configuration.md'), 'utf8');

describe('docs/configuration.md', () => {
  it('lists exactly the error codes of the registry', () => {
    const documented = new Set([...doc.matchAll(/`(LZ_CONFIG_[A-Z_]+)`/g)].map((m) => m[1]));
    expect([...documented].sort()).toEqual(Object.keys(CONFIG_ERROR_CODES).sort());
  });

  it('documents every env variable and flag', () => {
    for (const f of CONFIG_FIELDS) {
      expect(doc, f.env[0]).toContain(f.env[0]);
      for (const flag of f.flags) expect(doc, flag).toContain(`--${flag}`);
    }
  });
});
