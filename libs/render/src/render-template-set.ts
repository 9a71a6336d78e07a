import type { KubeObject } from './kube-object.js';
import { stripLineMarkers } from './line-markers.js';
import { instantiatePlan, planRenderedYaml, type ParsedDocument } from './parse-output.js';
import { RenderBudget } from './render-budget.js';
import { isRenderError, RenderError } from './render-error.js';
import { buildTemplateContext, type ContextUse } from './template-context.js';
import type { TemplateSet } from './template-set.js';
import { LIMITS, validateObjects } from './validate-objects.js';
import { ValueTable } from './value-tokens.js';

export interface RenderInput {
  cr: KubeObject;
  values: Record<string, unknown>;
}

/** Distinct output shapes remembered per template file, and the largest text worth remembering. */
const PLAN_CACHE_SIZE = 64;
const PLAN_CACHE_MAX_TEXT = 256 * 1024;

function helperFailure(err: unknown, file: string): RenderError {
  if (isRenderError(err)) return err;
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return new RenderError(
      'LZ_RENDER_TOO_LARGE',
      'the templates recurse too deeply (a partial that includes itself, or a CR nested too deeply for them)',
      { file },
    );
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new RenderError('LZ_RENDER_HELPER', msg, { file, cause: err });
}

/**
 * Renders a CR through a compiled template set: pure and synchronous. Returns the objects in file order,
 * validated (apiVersion, kind, name, labels, duplicates, sizes), not yet decorated with labels or owner
 * references. Throws RenderError naming the file and line. The CR is bounded before rendering and the
 * render's text, values and loops while rendering (LIMITS). `use`, when given, tells whether the templates
 * read the CR's status.
 */
export function renderTemplateSet(set: TemplateSet, input: RenderInput, use?: ContextUse): KubeObject[] {
  const context = buildTemplateContext(input.cr, input.values, use);
  const budget = new RenderBudget();
  const docs: ParsedDocument[] = [];
  let total = 0;
  for (const file of set.files) {
    // One table per file, with the set's secret nonce: the rendered text is then the same for every CR
    // whose output has the same shape, and its parsed plan can be re-used.
    const table = new ValueTable(set.nonce, budget);
    let text: string;
    try {
      text = file.render(context, table);
    } catch (err) {
      throw helperFailure(err, file.display);
    }
    total += text.length;
    if (total > LIMITS.maxRenderedBytes) {
      throw new RenderError(
        'LZ_RENDER_TOO_LARGE',
        `the templates rendered ${total} characters of YAML by this file (limit ${LIMITS.maxRenderedBytes} for all files)`,
        { file: file.display },
      );
    }
    let plan = file.plans.get(text);
    if (plan) {
      file.plans.delete(text);
    } else {
      const { text: clean, lines } = stripLineMarkers(text, set.sources, file.display);
      plan = planRenderedYaml(clean, file.display, table, { lineMap: lines });
      if (file.plans.size >= PLAN_CACHE_SIZE) file.plans.delete(file.plans.keys().next().value!);
    }
    if (text.length <= PLAN_CACHE_MAX_TEXT) file.plans.set(text, plan);
    docs.push(...instantiatePlan(plan, table));
  }
  return validateObjects(docs);
}
