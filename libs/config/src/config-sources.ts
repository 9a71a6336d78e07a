import { isMap, isNode, isPair, isScalar, type Document, type LineCounter } from 'yaml';
import { formatPath, type PathKey } from './config-paths.js';

export class Sources {
  private readonly overrides = new Map<string, string>();
  constructor(
    private readonly file: string | undefined,
    private readonly doc: Document | undefined,
    private readonly lines: LineCounter | undefined,
  ) {}

  set(p: PathKey, where: string): void {
    this.overrides.set(formatPath(p), where);
  }

  where(p: PathKey): string | undefined {
    for (let n = p.length; n >= 0; n--) {
      const hit = this.overrides.get(formatPath(p.slice(0, n)));
      if (hit) return hit;
    }
    if (!this.doc || !this.lines || !this.file) return this.file;
    for (let n = p.length; n >= 0; n--) {
      const node: unknown = n === 0 ? this.doc.contents : this.doc.getIn(p.slice(0, n), true);
      if (isNode(node) && node.range) return `${this.file}:${this.lines.linePos(node.range[0]).line}`;
    }
    return this.file;
  }

  /** Line of a key inside a mapping (for unknown fields). */
  whereKey(parent: PathKey, key: string): string | undefined {
    if (this.doc && this.lines && this.file) {
      const map: unknown = parent.length === 0 ? this.doc.contents : this.doc.getIn(parent, true);
      if (isMap(map)) {
        const pair = map.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === key);
        if (pair && isScalar(pair.key) && pair.key.range) {
          return `${this.file}:${this.lines.linePos(pair.key.range[0]).line}`;
        }
      }
    }
    return this.where([...parent, key]);
  }
}
