import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KubeApiError, KubeErrorCodes } from './errors.js';

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

describe('a real API server rejecting an undeclared field with a bare 500', () => {
  it('is a permanent rejection, not a transient server fault', () => {
    const err = new KubeApiError({
      status: 500,
      verb: 'apply',
      path: '/apis/x.io/v1/namespaces/d/things/a',
      message:
        'failed to create typed patch object (d/a; x.io/v1, Kind=Thing): .spec.bogus: field not declared in schema',
    });
    expect(err.retryable).toBe(false);
    expect(err.code).toBe('LZ_KUBE_REJECTED');
    expect(
      new KubeApiError({ status: 500, verb: 'get', path: '/x', message: 'etcdserver: request timed out' })
        .retryable,
    ).toBe(true);
  });
});
