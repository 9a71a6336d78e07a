import { describe, expect, it } from 'vitest';
import { appliedFieldsOf, project } from './managed-projection.js';
import { unifiedDiff } from './unified-diff.js';

describe('unifiedDiff', () => {
  it('is empty for equal texts and a diff -u hunk otherwise', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', { from: 'x', to: 'y' })).toBe('');
    expect(unifiedDiff('a\nb\nc\n', 'a\nB\nc\n', { from: 'live', to: 'merged' })).toBe(
      '--- live\n+++ merged\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n',
    );
  });
  it('shows a created object as all additions and a pruned one as all removals', () => {
    expect(unifiedDiff('', 'a\nb\n', { from: 'live', to: 'merged' })).toBe(
      '--- live\n+++ merged\n@@ -0,0 +1,2 @@\n+a\n+b\n',
    );
    expect(unifiedDiff('a\n', '', { from: 'live', to: 'merged' })).toBe(
      '--- live\n+++ merged\n@@ -1,1 +0,0 @@\n-a\n',
    );
  });
  it('keeps distant changes in separate hunks', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const b = a.replace('l1\n', 'L1\n').replace('l18', 'L18');
    const d = unifiedDiff(a, b, { from: 'a', to: 'b' });
    expect(d.match(/^@@/gm)).toHaveLength(2);
  });
});

describe('project (the fields one manager owns)', () => {
  it('keeps owned map keys and keyed list items, drops the rest', () => {
    const obj = {
      metadata: { name: 'x', labels: { a: '1', other: '2' }, resourceVersion: '5' },
      spec: {
        ports: [
          { port: 80, name: 'http' },
          { port: 90, name: 'extra' },
        ],
        replicas: 1,
      },
      status: { ready: true },
    };
    const set = {
      'f:metadata': { 'f:labels': { 'f:a': {} } },
      'f:spec': { 'f:ports': { 'k:{"port":80}': { '.': {}, 'f:port': {}, 'f:name': {} } } },
    };
    expect(project(obj, set)).toEqual({
      metadata: { labels: { a: '1' } },
      spec: { ports: [{ port: 80, name: 'http' }] },
    });
  });
  it('finds the Apply entry of a manager', () => {
    const obj = {
      metadata: {
        managedFields: [
          { manager: 'lostromos', operation: 'Apply', fieldsV1: { 'f:data': {} } },
          { manager: 'lostromos', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': {} } },
        ],
      },
    };
    expect(appliedFieldsOf(obj, 'lostromos')).toEqual({ 'f:data': {} });
    expect(appliedFieldsOf(obj, 'kubectl')).toBeUndefined();
  });
});
