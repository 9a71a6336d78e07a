import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { parseHelmVersion } from './helm-binary.js';
import { helmValuesFor, readValuesFiles, releaseNameFor } from './helm-renderer.js';
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

describe('readValuesFiles', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-values-files-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  const field = 'resources[name=crew].helm.valuesFrom';
  const failure = async (files: string[]): Promise<{ code?: string; message: string }> =>
    readValuesFiles(files, { field }).then(
      () => ({ message: 'no error' }),
      (err: Error & { code?: string }) => ({ code: err.code, message: err.message }),
    );

  it('merges the files in order; an empty file adds nothing', async () => {
    const a = file('a.yaml', 'image: { tag: "1", pull: Always }\n');
    const b = file('b.yaml', 'image: { tag: "2" }\n');
    const empty = file('empty.yaml', '# nothing\n');
    expect(await readValuesFiles([a, empty, b])).toEqual({ image: { tag: '2', pull: 'Always' } });
  });

  it('names a missing file, the setting and its index, and the fix', async () => {
    const ok = file('ok.yaml', 'a: 1\n');
    const missing = path.join(dir, 'missing.yaml');
    expect(await failure([ok, missing])).toEqual({
      code: 'LZ_HELM_VALUES',
      message: `values file ${missing} (${field}[1]): no such file: create it, or fix or remove the entry in ${field} (a relative path is relative to the config file's folder)`,
    });
    expect((await failure([dir])).message).toContain(`(${field}[0]): is a folder, not a file`);
  });

  it('refuses a YAML bomb, a circular alias and a list with file:line and the setting', async () => {
    const ten = (n: string): string => Array.from({ length: 10 }, () => `*${n}`).join(', ');
    const bomb = file(
      'bomb.yaml',
      `a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: &b [${ten('a')}]\nc: [${ten('b')}]\n`,
    );
    expect(await failure([bomb])).toMatchObject({
      code: 'LZ_HELM_VALUES',
      message: expect.stringMatching(
        new RegExp(
          `^${bomb}:2: the YAML aliases .* \\(a "YAML bomb"; at most 100\\).*\\(resources\\[name=crew\\]`,
        ),
      ) as unknown,
    });
    const circular = file('circular.yaml', 'x: &x\n  self: *x\n');
    expect((await failure([circular])).message).toMatch(
      /circular\.yaml:2: the alias \*x refers to a node that contains it/,
    );
    const list = file('list.yaml', '- a\n');
    expect((await failure([list])).message).toBe(
      `values file ${list} (${field}[0]) must be a YAML mapping (key: value), like a chart's values.yaml`,
    );
  });
});
