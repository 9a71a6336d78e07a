import { RenderError } from './render-error.js';
import { LIMITS } from './limits.js';

/** Where a helper was called: Handlebars passes it to every helper as `options.loc`. */
export interface TemplateLoc {
  source?: string;
  start?: { line: number; column: number };
}

/** `{ file, line }` of a helper call, for RenderError. */
export function placeOf(loc: TemplateLoc | undefined): { file?: string; line?: number } {
  return { ...(loc?.source ? { file: loc.source } : {}), ...(loc?.start ? { line: loc.start.line } : {}) };
}

function size(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

/**
 * What one render may spend, charged while the templates run, so an input that would build hundreds of MB
 * (a loop over a large list, a large value inserted many times) stops at the limit instead of after it.
 */
export class RenderBudget {
  /** Characters of CR strings inserted with `{{…}}` (filled in after parsing). */
  values = 0;
  /** Characters of raw text inserted by helpers (toYaml, json, quote, triple-stash): parsed as YAML. */
  rawText = 0;
  /** Characters produced by loop iterations (nested loops count at every level). */
  loopText = 0;
  /** Loop iterations, all loops of all files together. */
  iterations = 0;

  constructor(
    readonly limits: Pick<typeof LIMITS, 'maxRenderedBytes' | 'maxValueBytes' | 'maxLoopIterations'> = LIMITS,
  ) {}

  spendValue(chars: number, loc?: TemplateLoc): void {
    this.values += chars;
    if (this.values > this.limits.maxValueBytes) {
      throw new RenderError(
        'LZ_RENDER_TOO_LARGE',
        `the CR values inserted by this render exceed ${size(this.limits.maxValueBytes)} (stopped here): a CR value is too large or inserted too often`,
        placeOf(loc),
      );
    }
  }

  spendRawText(chars: number, loc?: TemplateLoc): void {
    this.rawText += chars;
    if (this.rawText > this.limits.maxRenderedBytes) {
      throw new RenderError(
        'LZ_RENDER_TOO_LARGE',
        `the text inserted by toYaml, json, quote or {{{…}}} in this render exceeds ${size(this.limits.maxRenderedBytes)} (stopped here): a CR value is too large or inserted too often`,
        placeOf(loc),
      );
    }
  }

  spendIteration(loc?: TemplateLoc): void {
    this.iterations += 1;
    if (this.iterations > this.limits.maxLoopIterations) {
      throw new RenderError(
        'LZ_RENDER_TOO_LARGE',
        `loops ran more than ${this.limits.maxLoopIterations} times in one render (stopped at this {{#each}}): the CR's list or mapping is too long`,
        placeOf(loc),
      );
    }
  }

  spendLoopText(chars: number, loc?: TemplateLoc): void {
    this.loopText += chars;
    if (this.loopText > this.limits.maxRenderedBytes) {
      throw new RenderError(
        'LZ_RENDER_TOO_LARGE',
        `loops produced more than ${size(this.limits.maxRenderedBytes)} of text in one render (stopped at this {{#each}}): the CR's list or mapping is too long`,
        placeOf(loc),
      );
    }
  }
}
