import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { parseHelmVersion } from './helm-binary.js';
import { helmValuesFor, releaseNameFor } from './helm-renderer.js';
import { helmFailure, mergeValues } from './helm-template.js';

describe('helm renderer pure parts', () => {
  it('names releases <prefix>-<cr name>, within helm’s 53 characters', () => {
    expect(releaseNameFor('ripley', {})).toBe('lostromos-ripley');
    expect(releaseNameFor('ripley', { releasePrefix: 'crew' })).toBe('crew-ripley');
    expect(releaseNameFor('ripley', { releaseName: 'fixed', releasePrefix: 'crew' })).toBe('fixed');
    const long = releaseNameFor('a'.repeat(60), {});
    expect(long.length).toBeLessThanOrEqual(53);
    expect(long).toMatch(/^lostromos-a+-[0-9a-f]{8}$/);
    expect(releaseNameFor('a'.repeat(60), {})).toBe(long);
    expect(releaseNameFor(`${'a'.repeat(60)}b`, {})).not.toBe(long);
  });

  it('gives the chart config values under the CR (resource and cr)', () => {
    const cr = { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'n', namespace: 'ns' }, spec: { a: 1 } };
    expect(helmValuesFor(cr, { image: 'x', resource: { name: 'spoof', extra: true } })).toEqual({
      image: 'x',
      resource: { name: 'n', namespace: 'ns', spec: { a: 1 }, extra: true },
      cr,
    });
  });

  it('deep-merges mappings and replaces lists and scalars', () => {
    expect(mergeValues({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: { e: 1 } })).toEqual({
      a: { b: 1, c: [3] },
      d: { e: 1 },
    });
  });

  it('keeps helm’s message and pulls out file:line', () => {
    const err = helmFailure(
      'Error: parse error at (crew/templates/x.yaml:3): function "nosuchfunc" not defined\n',
      'crew',
    );
    expect(err).toMatchObject({ code: 'LZ_HELM_CHART', file: 'crew/templates/x.yaml', line: 3 });
    expect(err.message).toBe(
      'crew/templates/x.yaml:3: helm template crew failed: parse error at (crew/templates/x.yaml:3): function "nosuchfunc" not defined',
    );
    expect(helmFailure('', 'crew').message).toContain('without a message');
  });

  it('parses helm versions', () => {
    expect(parseHelmVersion('v4.1.4')).toEqual([4, 1, 4]);
    expect(parseHelmVersion('v3.10.0+gce66412')).toEqual([3, 10, 0]);
    expect(parseHelmVersion('garbage')).toBeUndefined();
  });
});

describe('ConcurrencyLimiter', () => {
  it('runs at most max tasks at once, in order, and frees the slot on failure', async () => {
    const l = new ConcurrencyLimiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const task =
      (i: number, fail = false) =>
      () =>
        new Promise<number>((resolve, reject) => {
          running++;
          peak = Math.max(peak, running);
          order.push(i);
          setTimeout(() => {
            running--;
            if (fail) reject(new Error(`task ${i}`));
            else resolve(i);
          }, 5);
        });
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => l.run(task(i, i === 1))));
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(l.active).toBe(0);
  });
});
