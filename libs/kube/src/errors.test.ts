import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KubeErrorCodes } from './errors.js';

describe('kube error registry', () => {
  it('is documented in docs/architecture.md with the same retryable flag', () => {
    const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../../docs/architecture.md'), 'utf8');
    for (const [code, info] of Object.entries(KubeErrorCodes)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\``));
      expect(row, `${code} missing from docs/architecture.md`).toBeDefined();
      expect(row).toContain(info.retryable ? '| yes |' : '| no |');
    }
  });
});
