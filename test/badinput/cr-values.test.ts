// CR values through the real render path, in-process: loadTemplateSet → renderTemplateSet → buildDesiredObjects
// → findPolicyViolations, exactly what a worker does before applying. The same rows run against a real API
// server in others-keep-reconciling.test.ts.
import { findPolicyViolations, buildDesiredObjects } from '@lostromos/reconcile';
import { isRenderError, loadTemplateSet, renderTemplateSet, type TemplateSet } from '@lostromos/render';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CR_VALUE_ROWS, type CrValueRow } from './cases/cr-values.ts';
import { assertUniqueIds, removeTmpDirs, split, tmpDir, writeTree } from './corpus.ts';
import { PROBE_GROUP, PROBE_TEMPLATES, PROBE_VERSION } from './fixtures/files.ts';
import { checkOutcome, type ProbeOutcome } from './probe-outcome.ts';

let set: TemplateSet;

beforeAll(async () => {
  set = await loadTemplateSet(writeTree(`${tmpDir('cr-values')}/probes`, PROBE_TEMPLATES));
});
afterAll(removeTmpDirs);

function run(row: CrValueRow): void {
  const cr = {
    apiVersion: `${PROBE_GROUP}/${PROBE_VERSION}`,
    kind: 'Probe',
    metadata: { name: `p-${row.id}`, namespace: 'default', uid: `uid-${row.id}` },
    spec: row.input.spec,
  };
  let outcome: ProbeOutcome;
  try {
    const rendered = renderTemplateSet(set, { cr, values: {} });
    const desired = buildDesiredObjects(rendered, { cr, resourceName: 'probes' });
    const violations = findPolicyViolations(desired, {
      cr,
      resourceName: 'probes',
      allow: { namespaces: [], clusterScoped: false, kinds: [] },
    });
    outcome =
      violations.length > 0
        ? { error: { code: 'policy', text: violations.join('\n') } }
        : { objects: desired };
  } catch (err) {
    if (!isRenderError(err) && !(err instanceof Error && 'reason' in err)) throw err;
    outcome = { error: { code: (err as { code?: string }).code, text: (err as Error).message } };
  }
  checkOutcome(row, outcome);
}

const { meets, open } = split(CR_VALUE_ROWS);

describe('bad-input corpus: CR values', () => {
  it('has unique row ids', () => assertUniqueIds(CR_VALUE_ROWS));
  it.each(meets)('$id: $title', (row) => run(row));
  it.fails.each(open)('$id (open finding): $title', (row) => run(row));
});
