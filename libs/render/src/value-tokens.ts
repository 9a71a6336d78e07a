import { randomBytes } from 'node:crypto';
import YAML from 'yaml';
import { isSafeString } from './helpers.js';

/**
 * Per-render table of the values templates emitted with `{{…}}`. Each value is written into the YAML text
 * as an opaque token (`lzv<nonce>x<n>z`, a valid plain scalar anywhere) and substituted into the parsed
 * YAML afterwards, so whatever a value contains, it lands inside one scalar.
 */
export class ValueTable {
  readonly nonce: string;
  readonly values: unknown[] = [];
  readonly pattern: RegExp;
  private readonly exact: RegExp;

  constructor(nonce: string = randomBytes(6).toString('hex')) {
    this.nonce = nonce;
    this.pattern = new RegExp(`lzv${nonce}x(\\d+)z`, 'g');
    this.exact = new RegExp(`^lzv${nonce}x(\\d+)z$`);
  }

  /** Output for one `{{…}}`: nothing for null/undefined, raw text for SafeStrings, else a token. */
  emit(value: unknown): string {
    if (value === null || value === undefined) return '';
    if (isSafeString(value)) return value.toString();
    this.values.push(value);
    return `lzv${this.nonce}x${this.values.length - 1}z`;
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

// YAML 1.2 core-schema scalars: what an unquoted value would have meant had it been written literally.
const CORE_SCALAR =
  /^(?:null|Null|NULL|~|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

/** The typed value of a whole unquoted `{{x}}`: numbers and booleans keep their type; "3" becomes 3. */
export function plainScalarValue(v: string | number | boolean): unknown {
  if (typeof v !== 'string') return v;
  return CORE_SCALAR.test(v) ? (YAML.parse(v) as unknown) : v;
}
