import { describe, expect, it } from 'vitest';
import { liveMatchesDesired } from './live-matches.js';

describe('liveMatchesDesired', () => {
  const desired = { metadata: { name: 'a', labels: { x: '1' } }, spec: { ports: [{ port: 80 }] } };

  it('ignores fields others added (defaults, status, other labels)', () => {
    const live = {
      metadata: { name: 'a', uid: 'u', labels: { x: '1', y: '2' } },
      spec: { ports: [{ port: 80, protocol: 'TCP' }], clusterIP: '10.0.0.1' },
      status: {},
    };
    expect(liveMatchesDesired(desired, live)).toBe(true);
  });

  it('detects a changed or removed field we render', () => {
    expect(
      liveMatchesDesired(desired, { metadata: { name: 'a', labels: {} }, spec: { ports: [{ port: 80 }] } }),
    ).toBe(false);
    expect(
      liveMatchesDesired(desired, {
        metadata: { name: 'a', labels: { x: '2' } },
        spec: { ports: [{ port: 80 }] },
      }),
    ).toBe(false);
  });

  it('detects a list that gained or lost elements', () => {
    const live = {
      metadata: { name: 'a', labels: { x: '1' } },
      spec: { ports: [{ port: 80 }, { port: 81 }] },
    };
    expect(liveMatchesDesired(desired, live)).toBe(false);
  });

  it('treats a null we render as matching an absent field (null unsets in server-side apply)', () => {
    expect(liveMatchesDesired({ data: { a: null } }, { data: {} })).toBe(true);
    expect(liveMatchesDesired({ data: { a: null } }, { data: { a: 'x' } })).toBe(false);
  });
});
