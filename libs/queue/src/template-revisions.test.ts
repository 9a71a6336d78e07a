import { describe, expect, it } from 'vitest';
import { revisionsChanged } from './template-revisions.js';

describe('revisionsChanged (the leader re-enqueues when the revisions the workers run change)', () => {
  it('does nothing on the first look, or while no worker is up', () => {
    expect(revisionsChanged(undefined, ['a'])).toBe(false);
    expect(revisionsChanged(['a'], [])).toBe(false);
  });
  it('fires when the first worker reloads and again when the last one does', () => {
    expect(revisionsChanged(['a'], ['a', 'b'])).toBe(true);
    expect(revisionsChanged(['a', 'b'], ['b'])).toBe(true);
  });
  it('does not fire while the set is unchanged (heartbeats, a worker joining on the same revision)', () => {
    expect(revisionsChanged(['a'], ['a'])).toBe(false);
    expect(revisionsChanged(['a', 'b'], ['a', 'b'])).toBe(false);
  });
  it('fires when workers come back on another revision than the last ones ran', () => {
    expect(revisionsChanged(['a'], ['b'])).toBe(true);
  });
});
