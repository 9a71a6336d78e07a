// Handlebars template folders, in-process: loadTemplateSet (what `validate` and a worker do when a folder loads or
// changes) and renderTemplateSet (what a worker does per CR).
import fs from 'node:fs';
import path from 'node:path';
import { isRenderError, loadTemplateSet, renderTemplateSet } from '@lostromos/render';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLEBARS_ROWS, type TemplateRow } from './cases/handlebars.ts';
import {
  assertUniqueIds,
  describeError,
  expectError,
  removeTmpDirs,
  split,
  tmpDir,
  writeTree,
} from './corpus.ts';

let root: string;
beforeAll(() => {
  root = tmpDir('handlebars');
});
afterAll(removeTmpDirs);

async function run(row: TemplateRow): Promise<void> {
  const dir = path.join(root, row.id, 'tpl');
  const { files } = row.input;
  if (typeof files === 'string') {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.writeFileSync(dir, files);
  } else if (files !== null) {
    fs.mkdirSync(dir, { recursive: true });
    writeTree(dir, files);
  }
  const cr = {
    apiVersion: 'badinput.example.io/v1',
    kind: 'Probe',
    metadata: { name: 'n', namespace: 'default' },
    spec: row.input.spec ?? {},
  };
  let objects: unknown[] | undefined;
  let failure: ReturnType<typeof describeError> | undefined;
  try {
    const set = await loadTemplateSet(dir);
    objects = renderTemplateSet(set, { cr, values: row.input.values ?? {} });
  } catch (err) {
    if (!isRenderError(err)) throw err;
    failure = describeError(err);
  }
  if ('renders' in row.expect) {
    expect(failure?.text, row.id).toBeUndefined();
    expect(objects?.[0], row.id).toMatchObject(row.expect.renders);
    return;
  }
  expect(
    failure,
    `${row.id}: expected an error, got ${JSON.stringify(objects)?.slice(0, 200)}`,
  ).toBeDefined();
  expectError(failure!, row.expect, row.id);
}

const { meets, open } = split(HANDLEBARS_ROWS);

describe('bad-input corpus: Handlebars templates', () => {
  it('has unique row ids', () => assertUniqueIds(HANDLEBARS_ROWS));
  it.each(meets)('$id: $title', (row) => run(row));
  it.fails.each(open)('$id (open finding): $title', (row) => run(row));
});
