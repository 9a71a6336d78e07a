import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResourceConfig } from '@lostromos/config';
import { decodeFiles, engineFor, hashChartTree, readChartTree, type KubeObject } from '@lostromos/render';
import { beforeAll, describe, expect, it } from 'vitest';
import { installHelm } from '../support/helm.js';

// A chart's template revision is stored with its files and values, so a worker whose own chart differs (or
// is gone) renders a CR with exactly that revision: the chart is written to a temporary folder per revision
// and removed when the renderer closes.

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/charts');
let helm: { binary: string; timeoutSeconds: number; maxConcurrent: number };

const resource = (chart: string, values: Record<string, unknown> = {}): ResourceConfig =>
  ({
    name: 'crew',
    group: 'crew.example.io',
    version: 'v1',
    plural: 'crewmembers',
    helm: { chart, values },
    values: {},
  }) as unknown as ResourceConfig;

const RIPLEY: KubeObject = {
  apiVersion: 'crew.example.io/v1',
  kind: 'CrewMember',
  metadata: { name: 'ripley', namespace: 'nostromo', uid: 'uid-1' },
  spec: { By: 'Ridley Scott', From: 'Alien', Ship: 'Nostromo' },
};

beforeAll(() => {
  helm = { binary: installHelm(), timeoutSeconds: 30, maxConcurrent: 2 };
});

describe('a stored chart revision renders on any worker', () => {
  it('a chart folder: the snapshot is its files in revision order with the merged values; rendered elsewhere it gives the same objects', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-chart-'));
    const chart = path.join(dir, 'crew');
    fs.cpSync(path.join(FIXTURES, 'crew'), chart, { recursive: true });
    const original = resource(chart, { greeting: 'from the config' });
    const loaded = await engineFor(original).load(original, { helm });
    const snapshot = loaded.snapshot!;
    expect(snapshot.engine).toBe('helm');
    expect(snapshot.revision).toBe(loaded.revision);
    expect(snapshot.values).toMatchObject({ greeting: 'from the config' });
    expect(snapshot.files.map(([p]) => p)).toEqual((await readChartTree(chart)).map(([p]) => p));
    // Content-addressed: the stored files hash to what the chart folder hashes to.
    expect(hashChartTree(decodeFiles(snapshot))).toBe(hashChartTree(await readChartTree(chart)));
    const expected = await loaded.render(RIPLEY, { statusRead: false });

    // This worker's chart was edited and its values differ: the stored revision still renders as it was.
    fs.writeFileSync(path.join(chart, 'templates', 'configmap.yaml'), 'this is not a template anymore: [');
    const other = resource(chart, { greeting: 'other' });
    const stored = await engineFor(other).fromSnapshot(
      other,
      JSON.parse(JSON.stringify(snapshot)) as typeof snapshot,
      {
        helm,
      },
    );
    expect(stored.revision).toBe(loaded.revision);
    expect(await stored.render(RIPLEY, { statusRead: false })).toEqual(expected);
    const tmpDirs = () =>
      fs
        .readdirSync(os.tmpdir())
        .filter((d) => d.startsWith(`lostromos-revision-${snapshot.revision.slice(0, 12)}-`));
    expect(tmpDirs().length).toBeGreaterThan(0);
    await stored.close?.();
    expect(tmpDirs()).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a chart archive is stored unpacked, and renders the same from its snapshot', async () => {
    const original = resource(path.join(FIXTURES, 'crew-0.1.0.tgz'));
    const loaded = await engineFor(original).load(original, { helm });
    const snapshot = loaded.snapshot!;
    expect(snapshot.files.map(([p]) => p)).toContain('Chart.yaml');
    const stored = await engineFor(original).fromSnapshot(original, snapshot, { helm });
    try {
      expect(await stored.render(RIPLEY, { statusRead: false })).toEqual(
        await loaded.render(RIPLEY, { statusRead: false }),
      );
    } finally {
      await stored.close?.();
    }
  });

  it('refuses a snapshot whose paths leave the chart folder', async () => {
    const original = resource(path.join(FIXTURES, 'crew'));
    await expect(
      engineFor(original).fromSnapshot(
        original,
        {
          engine: 'helm',
          revision: 'e'.repeat(64),
          files: [['../../evil', 'eA==']],
          values: {},
          source: 'x',
        },
        { helm },
      ),
    ).rejects.toThrow(/holds the path "..\/..\/evil", outside its chart/);
  });
});
