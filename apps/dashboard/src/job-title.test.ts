import { describe, expect, it } from 'vitest';
import { crLabel, jobTitle } from './job-title.js';

describe('crLabel', () => {
  it('shows namespace/name like kubectl, the name alone for a cluster-scoped CR', () => {
    expect(crLabel('stable.example.io/characters/default/ahab')).toBe('default/ahab');
    expect(crLabel('example.io/clusterthings//global')).toBe('global');
    expect(crLabel('not-a-key')).toBe('not-a-key');
  });
});

describe('jobTitle', () => {
  const data = { key: 'stable.example.io/characters/default/ahab' };
  it('names the CR first, then the trigger', () => {
    expect(jobTitle({ name: 'resync', data })).toBe('default/ahab (resync)');
    expect(jobTitle({ name: 'event', data, returnvalue: { outcome: 'applied', writes: 2 } })).toBe(
      'default/ahab (event)',
    );
  });
  it('adds the reason of a permanent failure (the job completed, so it would look like a success)', () => {
    const returnvalue = {
      outcome: 'failed-permanent',
      error: { code: 'LZ_RENDER_FAILED', reason: 'RenderFailed', message: 'boom' },
    };
    expect(jobTitle({ name: 'event', data, returnvalue })).toBe(
      'default/ahab (event) — failed: RenderFailed',
    );
    expect(
      jobTitle({ name: 'resync', data, returnvalue: { outcome: 'failed-permanent', error: { code: 'X' } } }),
    ).toBe('default/ahab (resync) — failed: X');
  });
  it('falls back to the job name when the data has no key', () => {
    expect(jobTitle({ name: 'resync', data: {} })).toBe('resync');
    expect(jobTitle({ name: 'resync', data: null })).toBe('resync');
  });
});
