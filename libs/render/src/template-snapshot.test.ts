import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResourceConfig } from '@lostromos/config';
import { afterEach, describe, expect, it } from 'vitest';
import { handlebarsEngine } from './engines/handlebars-engine.js';
import { revisionWithValues, stableJson } from './template-snapshot.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-snapshot-'));
  dirs.push(dir);
  const tpl = path.join(dir, 'ships');
  fs.mkdirSync(tpl);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(tpl, name), text);
  return tpl;
}

const resource = (templates: string, values: Record<string, unknown> = {}): ResourceConfig =>
  ({
    name: 'ships',
    group: 'fleet.example.io',
    version: 'v1',
    plural: 'ships',
    templates,
    values,
  }) as ResourceConfig;

const CR = {
  apiVersion: 'fleet.example.io/v1',
  kind: 'Ship',
  metadata: { name: 'one', namespace: 'default', uid: 'u1' },
  spec: { captain: 'Dallas' },
};
const FILES = {
  'configmap.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{name}}-config\n  labels: {{> labels}}\ndata:\n  captain: {{spec.captain}}\n  image: {{values.image}}\n',
  '_labels.hbs': '{ app: ships }',
};

describe('template revisions are content-addressed and render anywhere from their snapshot', () => {
  it('the same files and values give the same revision; an edit or other values give another', async () => {
    const one = await handlebarsEngine.load(resource(folder(FILES), { image: 'nginx' }), {
      helm: {} as never,
    });
    const same = await handlebarsEngine.load(resource(folder(FILES), { image: 'nginx' }), {
      helm: {} as never,
    });
    const edited = await handlebarsEngine.load(
      resource(folder({ ...FILES, 'configmap.yaml': `${FILES['configmap.yaml']}  more: x\n` }), {
        image: 'nginx',
      }),
      { helm: {} as never },
    );
    const otherValues = await handlebarsEngine.load(resource(folder(FILES), { image: 'httpd' }), {
      helm: {} as never,
    });
    expect(same.revision).toBe(one.revision);
    expect(edited.revision).not.toBe(one.revision);
    expect(otherValues.revision).not.toBe(one.revision);
    expect(one.revision).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a resource without values keeps the revision of its files alone', () => {
    expect(revisionWithValues('abc', {})).toBe('abc');
    expect(revisionWithValues('abc', { a: 1, b: 2 })).toBe(revisionWithValues('abc', { b: 2, a: 1 }));
    expect(stableJson({ b: [{ d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
  });

  it('a snapshot holds every file (partials too) and the values, and renders the same objects without the folder', async () => {
    const dir = folder(FILES);
    const loaded = await handlebarsEngine.load(resource(dir, { image: 'nginx' }), { helm: {} as never });
    const snapshot = loaded.snapshot!;
    expect(snapshot).toMatchObject({
      engine: 'handlebars',
      revision: loaded.revision,
      values: { image: 'nginx' },
    });
    expect(snapshot.files.map(([p]) => p)).toEqual(['_labels.hbs', 'configmap.yaml']);
    fs.rmSync(dir, { recursive: true });
    // Another worker, whose own folder and values say something else.
    const elsewhere = await handlebarsEngine.fromSnapshot(
      resource('/nowhere', { image: 'httpd' }),
      JSON.parse(JSON.stringify(snapshot)) as typeof snapshot,
      { helm: {} as never },
    );
    expect(elsewhere.revision).toBe(loaded.revision);
    const use = { statusRead: false };
    expect(await elsewhere.render(CR, use)).toEqual(await loaded.render(CR, use));
    expect(await elsewhere.render(CR, use)).toMatchObject([
      {
        kind: 'ConfigMap',
        metadata: { labels: { app: 'ships' } },
        data: { captain: 'Dallas', image: 'nginx' },
      },
    ]);
  });

  it('refuses a snapshot of another engine, naming both', async () => {
    await expect(
      handlebarsEngine.fromSnapshot(
        resource('/t'),
        { engine: 'helm', revision: 'f'.repeat(64), files: [], values: {}, source: 'chart' },
        { helm: {} as never },
      ),
    ).rejects.toThrow(/is a helm revision; the resource now uses Handlebars templates/);
  });
});
