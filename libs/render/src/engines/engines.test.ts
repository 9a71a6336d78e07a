import { describe, expect, it } from 'vitest';
import type { ResourceConfig } from '@lostromos/config';
import { engineFor, TEMPLATE_ENGINES } from './index.js';

const resource = (extra: Partial<ResourceConfig>): ResourceConfig =>
  ({ name: 'r', group: 'g', version: 'v1', plural: 'rs', ...extra }) as ResourceConfig;

describe('template engine registry', () => {
  it('has one engine per source kind and picks the one the config names', () => {
    expect(TEMPLATE_ENGINES.map((e) => e.name)).toEqual(['handlebars', 'helm']);
    expect(engineFor(resource({ templates: '/t' })).name).toBe('handlebars');
    expect(engineFor(resource({ helm: { chart: '/c' } as ResourceConfig['helm'] })).name).toBe('helm');
  });
  it('says what to set when the config names no source, or both', () => {
    expect(() => engineFor(resource({}))).toThrow('resource r: set templates (a folder) or helm (a chart)');
    expect(() =>
      engineFor(resource({ templates: '/t', helm: { chart: '/c' } as ResourceConfig['helm'] })),
    ).toThrow('resource r: set templates or helm, not both');
  });
  it('watches a template folder, a chart folder recursively, nothing for a remote chart', () => {
    expect(engineFor(resource({ templates: '/t' })).watchTarget(resource({ templates: '/t' }))).toEqual({
      target: '/t',
      recursive: false,
    });
    const remote = resource({ helm: { chart: 'oci://example/chart' } as ResourceConfig['helm'] });
    expect(engineFor(remote).watchTarget(remote)).toBeUndefined();
  });
});
