import { describe, expect, it } from 'vitest';
import type { KubeObject } from './kube-object.js';
import { RenderError } from './render-error.js';
import { renderTemplateSet } from './render-template-set.js';
import { compileTemplateSet } from './template-set.js';
import { LIMITS } from './validate-objects.js';

// Issue 13 item 6: one CR could cost a worker hundreds of MB and block its event loop for seconds — size
// limits were checked only after rendering (23 MB of text built from a 1 MB CR). The CR is now bounded
// before rendering, and the render's values, loops and text while rendering.

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n';

function cr(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'x.io/v1', kind: 'X', metadata: { name: 'demo', namespace: 'ns' }, spec };
}

function failure(files: Record<string, string>, spec: Record<string, unknown>): RenderError {
  const set = compileTemplateSet('/t/set', new Map(Object.entries(files)));
  try {
    renderTemplateSet(set, { cr: cr(spec), values: {} });
  } catch (err) {
    if (err instanceof RenderError) return err;
    throw err;
  }
  throw new Error('expected a RenderError');
}

describe('the CR is bounded before anything renders it', () => {
  const files = { 'cm.yaml': `${CM}  x: {{spec.x}}\n` };

  it('a string longer than maxInputStringBytes, naming the field', () => {
    const err = failure(files, { nested: { blob: 'x'.repeat(LIMITS.maxInputStringBytes + 1) } });
    expect(err.code).toBe('LZ_RENDER_INPUT_LIMIT');
    expect(err.message).toBe(
      `the custom resource cannot be rendered: spec.nested.blob is a string of 1,048,577 characters (limit 1,048,576)`,
    );
  });

  it('a CR larger than maxInputBytes as JSON', () => {
    const err = failure(files, { items: Array.from({ length: 2000 }, () => 'y'.repeat(1000)) });
    expect(err.code).toBe('LZ_RENDER_INPUT_LIMIT');
    expect(err.message).toMatch(/it is 2,0\d\d,\d\d\d characters as JSON \(limit 1,572,864\)/);
  });

  it('nesting deeper than maxDepth, without overflowing the stack on the way', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 20_000; i++) deep = { d: deep };
    const err = failure(files, { deep });
    expect(err.code).toBe('LZ_RENDER_INPUT_LIMIT');
    expect(err.message).toMatch(/spec\.deep\.d\.d\.d\.d….* nests deeper than 100 levels/);
  });
});

describe('a render stops at its budget instead of after it', () => {
  it('a value inserted again and again (1 MB CR → hundreds of MB before): stops within the values budget', () => {
    const items = Array.from({ length: 1000 }, (_, i) => `${i}-${'z'.repeat(900)}`);
    const started = performance.now();
    const err = failure(
      { 'cm.yaml': `${CM}{{#each spec.items}}\n  k{{@index}}: {{json @root.spec.items}}\n{{/each}}\n` },
      { items },
    );
    const ms = performance.now() - started;
    expect(err.code).toBe('LZ_RENDER_TOO_LARGE');
    expect(err.message).toContain(
      'the text inserted by toYaml, json, quote or {{{…}}} in this render exceeds 2.0 MiB (stopped here)',
    );
    expect(err).toMatchObject({ file: 'set/cm.yaml', line: 7 });
    // Before: ~900 MB of text built, then refused. Generous bound for a loaded CI machine.
    expect(ms).toBeLessThan(5000);
  });

  it('CR strings inserted again and again: stops within the values budget', () => {
    const err = failure(
      { 'cm.yaml': `${CM}{{#each spec.items}}\n  k{{@index}}: {{@root.spec.blob}}\n{{/each}}\n` },
      { items: Array.from({ length: 100 }, (_, i) => i), blob: 'b'.repeat(100_000) },
    );
    expect(err.code).toBe('LZ_RENDER_TOO_LARGE');
    expect(err.message).toContain('the CR values inserted by this render exceed 8.0 MiB (stopped here)');
    expect(err.line).toBe(7);
  });

  it('too many loop iterations, all loops together', () => {
    const err = failure(
      {
        'cm.yaml': `${CM}{{#each spec.a}}{{#each @root.spec.a}}{{/each}}{{/each}}  x: y\n`,
      },
      { a: Array.from({ length: 200 }, (_, i) => i) },
    );
    expect(err.code).toBe('LZ_RENDER_TOO_LARGE');
    expect(err.message).toContain(`loops ran more than ${LIMITS.maxLoopIterations} times in one render`);
    expect(err.line).toBe(6);
  });

  it('loops producing too much text', () => {
    const err = failure(
      {
        'cm.yaml': `${CM}{{#each spec.a}}\n  k{{@index}}: ${'x'.repeat(2000)}\n{{/each}}\n`,
      },
      { a: Array.from({ length: 5000 }, (_, i) => i) },
    );
    expect(err.code).toBe('LZ_RENDER_TOO_LARGE');
    expect(err.message).toContain('loops produced more than 2.0 MiB of text');
  });

  it('all files together', () => {
    const big = `${CM}  x: ${'x'.repeat(600_000)}\n`;
    const err = failure({ 'a.yaml': big, 'b.yaml': big, 'c.yaml': big, 'd.yaml': big }, {});
    expect(err.code).toBe('LZ_RENDER_TOO_LARGE');
    expect(err).toMatchObject({ file: 'set/d.yaml' });
    expect(err.message).toContain(`(limit ${LIMITS.maxRenderedBytes} for all files)`);
  });

  it('a CR near the object size limit still renders (all of it, as JSON)', () => {
    const items = Array.from({ length: 900 }, (_, i) => ({ name: `n${i}`, text: 'w'.repeat(1000) }));
    const set = compileTemplateSet(
      '/t/set',
      new Map([['cm.yaml', `${CM}  all: |{{nindent 4 (json spec)}}\n`]]),
    );
    const out = renderTemplateSet(set, { cr: cr({ items }), values: {} });
    expect(JSON.parse((out[0]!.data as { all: string }).all)).toEqual({ items });
  });
});
