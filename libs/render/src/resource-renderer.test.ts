import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResourceConfig } from '@lostromos/config';
import { describe, expect, it } from 'vitest';
import { createResourceRenderer, createSnapshotRenderer } from './resource-renderer.js';

const CR = {
  apiVersion: 'x.io/v1',
  kind: 'X',
  metadata: { name: 'demo', namespace: 'ns' },
  spec: { size: 3 },
};
const HELM = { binary: '', timeoutSeconds: 30, maxConcurrent: 2 };

function resource(templates: string): ResourceConfig {
  return {
    name: 'demo',
    group: 'x.io',
    version: 'v1',
    plural: 'xs',
    namespace: '',
    labelSelector: '',
    filterAnnotation: '',
    templates,
    values: { greeting: 'hi' },
    resyncSeconds: 0,
    concurrency: 1,
    allow: { namespaces: [], clusterScoped: false, kinds: [] },
  };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('createResourceRenderer (templates)', () => {
  it('renders with the resource values', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-rr-'));
    fs.writeFileSync(
      path.join(dir, 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{name}}\ndata:\n  g: {{values.greeting}}\n',
    );
    const r = await createResourceRenderer(resource(dir), { helm: HELM });
    expect((await r.render(CR))[0]!.data).toEqual({ g: 'hi' });
    await r.close();
  });

  it('fails fast when the templates do not compile', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-rr-'));
    fs.writeFileSync(path.join(dir, 'cm.yaml'), '{{#if}}');
    await expect(createResourceRenderer(resource(dir), { helm: HELM })).rejects.toMatchObject({
      code: 'LZ_RENDER_TEMPLATE_SYNTAX',
    });
  });

  it('with watch: reloads on change, reports a broken edit on every render, recovers when fixed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-rr-'));
    const file = path.join(dir, 'cm.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v1-{{name}}\n');
    let changes = 0;
    const r = await createResourceRenderer(resource(dir), {
      helm: HELM,
      watch: true,
      onChange: () => changes++,
    });
    const rev1 = r.revision;
    fs.writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v2-{{name}}\n');
    await until(() => changes >= 1);
    expect(r.revision).not.toBe(rev1);
    expect((await r.render(CR))[0]!.metadata.name).toBe('v2-demo');

    fs.writeFileSync(file, '{{#each}}');
    await until(() => changes >= 2);
    await expect(r.render(CR)).rejects.toMatchObject({ code: 'LZ_RENDER_TEMPLATE_SYNTAX' });

    fs.writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v3-{{name}}\n');
    await until(() => changes >= 3);
    expect((await r.render(CR))[0]!.metadata.name).toBe('v3-demo');
    await r.close();
  });
});

// Issue 13 item 6: each CR rendered on every reconcile (after our own finalizer and status writes, on drift
// events, on resync) although nothing it renders from had changed.
describe('createResourceRenderer renders an unchanged CR once', () => {
  const templates = (files: Record<string, string>): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-rr-'));
    for (const [n, t] of Object.entries(files)) fs.writeFileSync(path.join(dir, n), t);
    return dir;
  };
  const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{name}}\ndata:\n  size: "{{spec.size}}"\n';
  const base = {
    ...CR,
    metadata: { ...CR.metadata, uid: 'u1', generation: 1, resourceVersion: '1', finalizers: [] as string[] },
  };

  it('re-uses the render across writes that change nothing templates see', async () => {
    const r = await createResourceRenderer(resource(templates({ 'cm.yaml': CM })), { helm: HELM });
    const first = await r.render(base);
    // Our own writes: the finalizer, status, a new resourceVersion and managedFields, kubectl's annotation.
    const later = {
      ...base,
      metadata: {
        ...base.metadata,
        resourceVersion: '7',
        finalizers: [],
        managedFields: [{ manager: 'lostromos', operation: 'Update' }],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{}}' },
      },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    const second = await r.render(later);
    expect(second).toEqual(first);
    expect(second).not.toBe(first); // every caller gets its own copy
    expect(r.stats).toEqual({ renders: 1, reused: 1 });
    // A spec change renders again.
    expect((await r.render({ ...later, spec: { size: 4 } }))[0]!.data).toEqual({ size: '4' });
    expect(r.stats).toEqual({ renders: 2, reused: 1 });
    await r.close();
  });

  it('renders again on a status change only when the templates read the status', async () => {
    const r = await createResourceRenderer(
      resource(templates({ 'cm.yaml': `${CM}  phase: "{{status.phase}}"\n` })),
      { helm: HELM },
    );
    await r.render({ ...base, status: { phase: 'a' } });
    await r.render({ ...base, status: { phase: 'a' } });
    expect((await r.render({ ...base, status: { phase: 'b' } }))[0]!.data).toEqual({ size: '3', phase: 'b' });
    expect(r.stats).toEqual({ renders: 2, reused: 1 });
    await r.close();
  });

  it('remembers a permanent render error for the same input', async () => {
    const r = await createResourceRenderer(
      resource(templates({ 'cm.yaml': `${CM}  x: {{required "spec.x is required" spec.x}}\n` })),
      { helm: HELM },
    );
    await expect(r.render(base)).rejects.toMatchObject({ code: 'LZ_RENDER_HELPER', line: 7 });
    await expect(
      r.render({ ...base, metadata: { ...base.metadata, resourceVersion: '2' } }),
    ).rejects.toMatchObject({ code: 'LZ_RENDER_HELPER' });
    expect(r.stats).toEqual({ renders: 1, reused: 1 });
    await r.close();
  });
});

describe('createSnapshotRenderer (a stored template revision)', () => {
  const cm = (key: string): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{name}}\ndata:\n  ${key}: {{values.greeting}}\n`;

  it('renders the stored files and values with the stored revision, whatever the folder holds now', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-rr-'));
    fs.writeFileSync(path.join(dir, 'cm.yaml'), cm('old'));
    const onDisk = await createResourceRenderer(resource(dir), { helm: HELM });
    const snapshot = onDisk.snapshot!;
    await onDisk.close();
    fs.writeFileSync(path.join(dir, 'cm.yaml'), cm('new'));
    const edited = { ...resource(dir), values: { greeting: 'hello' } };

    const stored = await createSnapshotRenderer(edited, snapshot, { helm: HELM });
    expect(stored.revision).toBe(snapshot.revision);
    expect((await stored.render(CR))[0]!.data).toEqual({ old: 'hi' });
    await stored.close();
    const now = await createResourceRenderer(edited, { helm: HELM });
    expect(now.revision).not.toBe(snapshot.revision);
    expect((await now.render(CR))[0]!.data).toEqual({ new: 'hello' });
    await now.close();
  });

  it('refuses a revision of another engine than the resource now uses', async () => {
    await expect(
      createSnapshotRenderer(
        resource('/nowhere'),
        { engine: 'helm', revision: 'f'.repeat(64), files: [], values: {}, source: 'chart' },
        { helm: HELM },
      ),
    ).rejects.toThrow(/is a helm revision; the resource now uses Handlebars templates/);
  });
});
