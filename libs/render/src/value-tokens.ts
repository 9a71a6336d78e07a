import { randomBytes } from 'node:crypto';
import YAML from 'yaml';
import { indentedText, isSafeString } from './helpers.js';
import type { RenderBudget, TemplateLoc } from './render-budget.js';

/**
 * Per-render table of the values templates emitted with `{{…}}`. Each value is written into the YAML text
 * as an opaque token (`lzv<nonce>x<n>z`, a valid plain scalar anywhere) and substituted into the parsed
 * YAML afterwards, so whatever a value contains, it lands inside one scalar.
 */
export class ValueTable {
  readonly nonce: string;
  readonly values: unknown[] = [];
  /**
   * Tokens written by `indent`/`nindent` at the start of a line (emitIndented): index → the CR text before
   * indentation. In a literal block scalar the token stands for that text, each further line as indented as
   * the token's line; anywhere else for the indented text (`values`).
   */
  readonly indented = new Map<number, string>();
  readonly pattern: RegExp;
  private readonly exact: RegExp;

  constructor(
    nonce: string = randomBytes(6).toString('hex'),
    readonly budget?: RenderBudget,
  ) {
    this.nonce = nonce;
    this.pattern = new RegExp(`lzv${nonce}x(\\d+)z`, 'g');
    this.exact = new RegExp(`^lzv${nonce}x(\\d+)z$`);
  }

  /**
   * Output for one `{{…}}`: nothing for null/undefined, raw text for SafeStrings, else a token. Text is
   * charged to the render's budget here, before it is copied anywhere.
   */
  emit(value: unknown, loc?: TemplateLoc): string {
    if (value === null || value === undefined) return '';
    if (isSafeString(value)) {
      const text = value.toString();
      this.budget?.spendRawText(text.length, loc);
      return text;
    }
    if (typeof value === 'string') this.budget?.spendValue(value.length, loc);
    this.values.push(value);
    return `lzv${this.nonce}x${this.values.length - 1}z`;
  }

  /**
   * Output for `{{indent n text}}` / `{{nindent n text}}` on a line of its own (or `nindent` after `|`): the
   * newline and the indentation, then one token. The YAML then reads the token where the text belongs (inside
   * a block scalar: as its content), and the text is substituted after parsing, so it never becomes YAML.
   */
  emitIndented(text: string, n: number, newline: boolean, loc?: TemplateLoc): string {
    const token = this.emit(indentedText(text, n, newline), loc);
    this.indented.set(this.values.length - 1, text);
    const lead = `${newline ? '\n' : ''}${' '.repeat(n)}`;
    this.budget?.spendRawText(lead.length, loc);
    return lead + token;
  }

  has(text: string): boolean {
    return text.includes(`lzv${this.nonce}x`);
  }

  /** The index when `text` is exactly one token. */
  exactIndex(text: string): number | undefined {
    const m = this.exact.exec(text);
    return m ? Number(m[1]) : undefined;
  }
}

// YAML 1.2 core-schema scalars: what an unquoted text would mean had it been written literally.
const CORE_SCALAR =
  /^(?:null|Null|NULL|~|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

/** What YAML (1.2 core schema) reads `text` as when it is written unquoted as a whole scalar. */
export function plainReading(text: string): unknown {
  return CORE_SCALAR.test(text) ? (YAML.parse(text) as unknown) : text;
}

/**
 * Whether writing `text` unquoted changes what it means: it reads back as null, NaN, ±Infinity, or as a
 * number or boolean that does not print back as the same text ("1.10" → 1.1, "0x1F" → 31, "True" → true).
 * "3" → 3 and "true" → true are not lossy: only the type differs.
 */
export function isLossyPlainScalar(text: string): boolean {
  if (!CORE_SCALAR.test(text)) return false;
  const v = plainReading(text);
  if (typeof v === 'number') return !Number.isFinite(v) || String(v) !== text;
  if (typeof v === 'boolean') return String(v) !== text;
  return true; // null
}
