import type { KubeObject } from './kube-object.js';
import { parseRenderedYaml, type ParsedDocument } from './parse-output.js';
import { isRenderError, RenderError } from './render-error.js';
import { buildTemplateContext } from './template-context.js';
import type { TemplateSet } from './template-set.js';
import { LIMITS, validateObjects } from './validate-objects.js';
import { ValueTable } from './value-tokens.js';

export interface RenderInput {
  cr: KubeObject;
  values: Record<string, unknown>;
}

function helperFailure(err: unknown, file: string): RenderError {
  if (isRenderError(err)) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new RenderError('LZ_RENDER_HELPER', msg, { file, cause: err });
}

/**
 * Renders a CR through a compiled template set: pure and synchronous. Returns the objects in file order,
 * validated (apiVersion, kind, name, labels, duplicates, sizes), not yet decorated with labels or owner
 * references. Throws RenderError naming the file and line.
 */
export function renderTemplateSet(set: TemplateSet, input: RenderInput): KubeObject[] {
  const context = buildTemplateContext(input.cr, input.values);
  const table = new ValueTable();
  const docs: ParsedDocument[] = [];
  for (const file of set.files) {
    let text: string;
    try {
      text = file.render(context, table);
    } catch (err) {
      throw helperFailure(err, file.display);
    }
    if (text.length > LIMITS.maxRenderedBytes) {
      throw new RenderError(
        'LZ_RENDER_TOO_LARGE',
        `rendered ${text.length} characters (limit ${LIMITS.maxRenderedBytes})`,
        { file: file.display },
      );
    }
    docs.push(...parseRenderedYaml(text, file.display, table));
  }
  return validateObjects(docs);
}
