import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { condition, FIXTURES, startHarness, type Harness, type RoleHandle } from './harness.js';

// What a user reads in the worker's log when a CR fails permanently: the failure's text as a string, never an
// object with one key per character (a string passed where the logger expects an Error under `err`).

let h: Harness;
let worker: RoleHandle;
const crdYaml = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: sites.web.example.io }
spec:
  scope: Namespaced
  group: web.example.io
  names: { kind: Site, plural: sites, singular: site }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`;

/** True when some (nested) object of the line has only numeric keys, e.g. {"0":"r","1":"e",…}. */
function hasCharacterMap(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value);
  if (!Array.isArray(value) && keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) return true;
  return Object.values(value).some(hasCharacterMap);
}

beforeAll(async () => {
  h = await startHarness({
    configExtra: `  - { name: sites, group: web.example.io, version: v1, plural: sites, templates: ${path.join(FIXTURES, 'apps')} }
`,
  });
  await h.apply(crdYaml);
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  await waitFor(() => h.kubectl('get', 'sites').then(() => true), {
    timeoutMs: 10_000,
    what: 'the sites CRD',
  });
  await h.start('watcher');
  worker = await h.start('worker');
});
afterAll(async () => {
  await h?.close();
});

describe('worker log of a permanent failure', () => {
  it('carries the failure message as a string and no object with numeric keys', async () => {
    await h.apply(
      JSON.stringify({
        apiVersion: 'web.example.io/v1',
        kind: 'Site',
        metadata: { name: 'rogue' },
        spec: { elsewhere: 'kube-system' },
      }),
    );
    const failed = await waitFor(
      () => {
        const lines = worker.logs().filter((l) => l.msg === 'reconcile failed permanently');
        return lines.length > 0 ? lines : undefined;
      },
      { timeoutMs: 20_000, what: 'the worker to log the permanent failure' },
    );
    const ready = condition(await h.get('web.example.io/v1', 'sites', 'default', 'rogue'), 'Ready');
    expect(ready?.status).toBe('False');

    const line = failed[0]!;
    expect(line).toMatchObject({ level: 'warn', name: 'rogue', namespace: 'default', resource: 'sites' });
    expect(typeof line.message).toBe('string');
    expect(line.message).toContain('kube-system');
    expect(line.message).toBe(ready?.message);
    expect(typeof line.code).toBe('string');
    // `err`, when present, is a serialized Error (type + message), not a spread string.
    if (line.err !== undefined) expect(typeof (line.err as { message?: unknown }).message).toBe('string');

    expect(typeof line.reason).toBe('string');
    // One failure is one warning line: nothing else in the worker's log repeats it.
    expect(failed).toHaveLength(1);
    const repeats = worker
      .logs()
      .filter((l) => l.msg !== 'reconcile failed permanently' && (l.level === 'warn' || l.level === 'error'))
      .filter((l) => JSON.stringify(l).includes('kube-system'));
    expect(repeats).toEqual([]);

    // No line of the worker's log spreads a string into one key per character.
    const spread = worker.logs().filter(hasCharacterMap);
    expect(spread).toEqual([]);
    expect(worker.output()).not.toMatch(/"0":"/);
  });
});
