// Helm rows, with the real helm binary: createHelmRenderer (what `validate`, `render --chart` and a worker build
// per resource) and one render per row. Rows run concurrently; each costs one or two helm processes.
import fs from 'node:fs';
import path from 'node:path';
import type { ResourceConfig } from '@lostromos/config';
import { createHelmRenderer, isRenderError } from '@lostromos/render';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installHelm } from '../support/helm.js';
import { HELM_ROWS, type HelmRow } from './cases/helm.ts';
import {
  assertUniqueIds,
  describeError,
  expectError,
  removeTmpDirs,
  split,
  tmpDir,
  writeTree,
} from './corpus.ts';
import { CHARTS } from './fixtures/files.ts';

let charts: string;
let helmBinary: string;

beforeAll(() => {
  charts = writeTree(tmpDir('helm'), CHARTS);
  // Fakes for helm.binary: a file without the execute bit, and a program that is not helm.
  writeTree(charts, {
    'bin/not-executable': 'not a program\n',
    'bin/not-helm': '#!/bin/sh\necho "hello from not-helm"\n',
  });
  fs.chmodSync(path.join(charts, 'bin/not-executable'), 0o644);
  fs.chmodSync(path.join(charts, 'bin/not-helm'), 0o755);
  const repoHelm = path.resolve(import.meta.dirname, '../../.tools/helm/helm');
  helmBinary = fs.existsSync(repoHelm) ? repoHelm : installHelm();
});
afterAll(removeTmpDirs);

function resource(row: HelmRow): ResourceConfig {
  return {
    name: 'notes',
    group: 'crew.example.io',
    version: 'v1',
    plural: 'crewmembers',
    namespace: '',
    labelSelector: '',
    filterAnnotation: '',
    helm: {
      chart: path.join(charts, row.input.chart),
      values: {},
      ...(row.input.valuesFrom ? { valuesFrom: row.input.valuesFrom } : {}),
    },
    values: {},
    resyncSeconds: 0,
    concurrency: 1,
    allow: { namespaces: [], clusterScoped: false, kinds: [] },
  };
}

async function run(row: HelmRow): Promise<void> {
  let failure: ReturnType<typeof describeError> | undefined;
  try {
    const renderer = await createHelmRenderer(resource(row), {
      helm: {
        binary: row.input.binary?.startsWith('bin/')
          ? path.join(charts, row.input.binary)
          : (row.input.binary ?? helmBinary),
        timeoutSeconds: 60,
        maxConcurrent: 4,
      },
    });
    await renderer.render({
      apiVersion: 'crew.example.io/v1',
      kind: 'CrewMember',
      metadata: { name: 'm', namespace: 'team-a', uid: 'uid-m' },
      spec: row.input.spec ?? {},
    });
  } catch (err) {
    if (!isRenderError(err)) throw err;
    failure = describeError(err);
  }
  expect(failure, `${row.id}: expected the CR to be refused`).toBeDefined();
  expectError(failure!, row.expect, row.id);
}

const { meets, open } = split(HELM_ROWS);

describe('bad-input corpus: Helm charts', () => {
  it('has unique row ids', () => assertUniqueIds(HELM_ROWS));
  it.concurrent.each(meets)('$id: $title', (row) => run(row));
  it.concurrent.fails.each(open)('$id (open finding): $title', (row) => run(row));
});
