/**
 * Where each line of rendered output came from. Templates are compiled with an invisible marker
 * (`\u0001<file>.<line>\u0002`) at the start of every template line's text; after rendering, the markers
 * are stripped and give each output line its template file and line, so errors point at the template even
 * after loops, conditionals and partials moved lines around.
 */
export interface SourceLine {
  file: string;
  line: number;
}

// eslint-disable-next-line no-control-regex -- the markers are control characters on purpose
const MARKER = /\u0001(\d+)\.(\d+)\u0002/g;

export function lineMarker(fileIndex: number, line: number): string {
  return `\u0001${fileIndex}.${line}\u0002`;
}

/**
 * Inserts markers into one content statement of a parsed template: after every newline, and at the start
 * when the text starts a template line. `original` is the text before Handlebars stripped standalone
 * whitespace, `value` what remains.
 */
export function markContent(
  content: { value: string; original?: string; loc?: { start: { line: number; column: number } } },
  fileIndex: number,
  opts: { partial: boolean },
): void {
  const loc = content.loc;
  if (!loc || content.value === '') return;
  const original = content.original ?? content.value;
  // Handlebars removes whitespace (possibly newlines) in front of `value`: find how much.
  let k = 0;
  while (k < original.length && !original.startsWith(content.value, k) && /\s/.test(original[k]!)) k++;
  const skipped = original.slice(0, k);
  let line = loc.start.line + (skipped.match(/\n/g)?.length ?? 0);
  const atLineStart = skipped.includes('\n') || (k === 0 && loc.start.column === 0);
  let out = atLineStart ? lineMarker(fileIndex, line) : '';
  const v = content.value;
  for (let i = 0; i < v.length; i++) {
    out += v[i];
    if (v[i] === '\n') {
      line++;
      if (i + 1 < v.length) out += lineMarker(fileIndex, line);
    }
  }
  // A newline at the very end: the next template line starts with whatever follows (mustache or content).
  // Not in partials: Handlebars indents every non-empty line of an indented partial's output, and a marker
  // alone on the last line would turn into stray indentation.
  if (v.endsWith('\n') && !opts.partial) out += lineMarker(fileIndex, line);
  content.value = out;
}

/** Removes the markers; returns the clean text and, per output line, where it came from. */
export function stripLineMarkers(
  text: string,
  files: readonly string[],
  fallback: string,
): { text: string; lines: SourceLine[] } {
  if (!text.includes('\u0001')) return { text, lines: [] };
  const lines: SourceLine[] = [];
  // `carried`: the last marker seen, for lines without one. A line's own source is the last marker before
  // its first non-blank character (a partial's marker comes after the including line's and its indent).
  let carried: SourceLine = { file: fallback, line: 1 };
  let own: SourceLine | undefined;
  let hasText = false;
  let clean = '';
  let last = 0;
  const flushTo = (end: number): void => {
    for (let i = last; i < end; i++) {
      const ch = text[i]!;
      if (ch === '\n') {
        lines.push(own ?? carried);
        own = undefined;
        hasText = false;
      } else if (!hasText && ch !== ' ' && ch !== '\t' && ch !== '\r') {
        hasText = true;
      }
    }
    clean += text.slice(last, end);
  };
  for (const m of text.matchAll(MARKER)) {
    flushTo(m.index);
    last = m.index + m[0].length;
    const at = { file: files[Number(m[1])] ?? fallback, line: Number(m[2]) };
    if (!hasText) own = at;
    carried = at;
  }
  flushTo(text.length);
  lines.push(own ?? carried);
  return { text: clean, lines };
}
