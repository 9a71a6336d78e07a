import { describe, expect, it } from 'vitest';
import { evalJsonPath, humanDuration, wantsTable } from './table.js';

describe('table helpers', () => {
  it('formats ages like kubectl', () => {
    expect(humanDuration(5_000)).toBe('5s');
    expect(humanDuration(119_000)).toBe('119s');
    expect(humanDuration(150_000)).toBe('2m30s');
    expect(humanDuration(45 * 60_000)).toBe('45m');
    expect(humanDuration(5 * 3600_000 + 60_000)).toBe('5h1m');
    expect(humanDuration(30 * 3600_000)).toBe('30h');
    expect(humanDuration(3 * 86400_000)).toBe('3d');
    expect(humanDuration(400 * 86400_000)).toBe('400d');
  });
  it('evaluates the printer-column JSONPath subset', () => {
    const o = {
      spec: { n: 3 },
      status: {
        conditions: [
          { type: 'A', status: 'False' },
          { type: 'Ready', status: 'True' },
        ],
      },
    };
    expect(evalJsonPath(o, '.spec.n')).toBe(3);
    expect(evalJsonPath(o, '.status.conditions[?(@.type=="Ready")].status')).toBe('True');
    expect(evalJsonPath(o, '.status.conditions[0].type')).toBe('A');
    expect(evalJsonPath(o, '.status.conditions[*].type')).toEqual(['A', 'Ready']);
    expect(evalJsonPath(o, '.missing.x')).toBeUndefined();
  });
  it('recognises the Accept header kubectl get sends', () => {
    expect(
      wantsTable(
        'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
      ),
    ).toBe(true);
    expect(wantsTable('application/json')).toBe(false);
  });
});
