import { describe, expect, it } from 'vitest';
import type { KubeObject } from './kube-object.js';
import { renderTemplateSet } from './render-template-set.js';
import { compileTemplateSet } from './template-set.js';

const CR: KubeObject = {
  apiVersion: 'stable.nicolerenee.io/v1',
  kind: 'Character',
  metadata: { name: 'ripley', namespace: 'crew', uid: 'u-1', labels: { team: 'alien' } },
  spec: {
    Name: 'Ellen Ripley',
    By: "Dan O'Bannon",
    From: 'Alien',
    tags: ['a', 'b'],
    replicas: 2,
    empty: '',
    nested: { deep: { x: 'y' } },
  },
  status: { phase: 'Ready' },
};

/** Renders `expr` as the value of data.v and returns it. */
function value(expr: string, values: Record<string, unknown> = {}): unknown {
  const set = compileTemplateSet(
    '/t/h',
    new Map([['cm.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  v: ${expr}\n`]]),
  );
  return (renderTemplateSet(set, { cr: CR, values })[0]!.data as Record<string, unknown>).v;
}

describe('template context', () => {
  it.each([
    ['{{name}}', 'ripley'],
    ['{{namespace}}', 'crew'],
    ['{{cr.kind}}', 'Character'],
    ['{{metadata.labels.team}}', 'alien'],
    ['{{spec.From}}', 'Alien'],
    ['{{status.phase}}', 'Ready'],
    ['{{resource.name}}', 'ripley'],
    ['{{resource.namespace}}', 'crew'],
    ['{{resource.spec.By}}', "Dan O'Bannon"],
    ['{{values.image}}', 'nginx:alpine'],
  ])('%s → %s', (expr, expected) => {
    expect(value(expr, { image: 'nginx:alpine' })).toBe(expected);
  });

  it('does not expose prototype properties', () => {
    expect(value('"{{spec.constructor}}"')).toBe('');
    expect(value('"{{spec.__proto__}}"')).toBe('');
  });
});

describe('helpers', () => {
  it.each([
    ['{{getField "spec" "By"}}', "Dan O'Bannon"],
    ['{{getField "spec" "nested" "deep" "x"}}', 'y'],
    ['"{{getField "spec" "nope" "x"}}"', ''],
    ['"{{getField "spec" "constructor"}}"', ''],
    ['{{json spec.tags}}', ['a', 'b']],
    ['{{json spec.By}}', "Dan O'Bannon"],
    ['"{{lower spec.From}}"', 'alien'],
    ['{{upper spec.From}}', 'ALIEN'],
    ['{{trim "  x  "}}', 'x'],
    ['{{trunc 3 spec.Name}}', 'Ell'],
    ['{{trunc -3 spec.Name}}', 'ley'],
    ['{{replace " " "-" spec.Name}}', 'Ellen-Ripley'],
    ['{{join "," spec.tags}}', 'a,b'],
    ['{{default "none" spec.empty}}', 'none'],
    ['{{default "none" spec.From}}', 'Alien'],
    ['{{default 3 spec.missing}}', 3],
    ['{{quote spec.replicas}}', '2'],
    ['{{quote spec.By}}', "Dan O'Bannon"],
    ['{{b64enc spec.From}}', 'QWxpZW4='],
    ['{{b64dec "QWxpZW4="}}', 'Alien'],
    ['{{sha256 "abc"}}', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['{{eq spec.From "Alien"}}', true],
    ['{{ne spec.From "Alien"}}', false],
    ['{{lt spec.replicas 3}}', true],
    ['{{gt spec.replicas 3}}', false],
    ['{{and spec.From spec.empty}}', false],
    ['{{or spec.empty spec.From}}', true],
    ['{{not spec.empty}}', true],
    ['{{#if (eq spec.replicas 2)}}two{{else}}other{{/if}}', 'two'],
    ['{{#each spec.tags}}{{this}}{{/each}}', 'ab'],
    ['{{lookup spec "From"}}', 'Alien'],
    ['{{#with spec.nested.deep}}{{x}}{{/with}}', 'y'],
  ])('%s → %j', (expr, expected) => {
    expect(value(expr)).toEqual(expected);
  });

  it('toYaml + nindent produce a nested block', () => {
    const set = compileTemplateSet(
      '/t/h',
      new Map([
        [
          'cm.yaml',
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\nspec:\n  nested:{{nindent 4 (toYaml spec.nested)}}\n  list:{{nindent 4 (toYaml spec.tags)}}\n  one: {{indent 0 (toYaml spec.From)}}\n',
        ],
      ]),
    );
    const spec = renderTemplateSet(set, { cr: CR, values: {} })[0]!.spec;
    expect(spec).toEqual({ nested: { deep: { x: 'y' } }, list: ['a', 'b'], one: 'Alien' });
  });

  it.each([
    ['{{required "spec.size is required" spec.size}}', 'spec.size is required'],
    ['{{b64dec "%%%"}}', 'b64dec: not base64'],
    ['{{trunc "x" spec.Name}}', 'trunc: expected a whole number'],
    ['{{join "," spec.From}}', 'join: expected a list'],
  ])('%s fails with %s (file named)', (expr, message) => {
    expect(() => value(expr)).toThrow(
      expect.objectContaining({
        code: 'LZ_RENDER_HELPER',
        file: 'h/cm.yaml',
        message: expect.stringContaining(message) as unknown,
      }),
    );
  });

  it('has no log helper (it would write to the operator’s stdout)', () => {
    expect(() => value('{{log "x"}}')).toThrow(
      expect.objectContaining({ code: 'LZ_RENDER_UNKNOWN_HELPER', line: 6 }),
    );
  });
});
