/**
 * Handlebars reports a template typo as a parser dump ("Parse error on line 9: Expecting 'OPEN_INVERSE_CHAIN',
 * 'INVERSE', 'OPEN_ENDBLOCK', got 'EOF'"), often at the end of the file rather than where the mistake is.
 * This module reads the template itself to say what is wrong in the user's words, with the line of the
 * mistake and the fix: "`{{#if spec.x}}` is never closed: add `{{/if}}`".
 */

export interface SyntaxProblem {
  line?: number;
  message: string;
}

interface Tag {
  /** Text between the braces, without `~` whitespace control. */
  body: string;
  /** The tag as written, for messages (shortened). */
  shown: string;
  line: number;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function shorten(s: string, max = 60): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Name of a block tag: `#if x` → if, `#each` → each, `#> p` → p, `#*inline "x"` → inline. */
function blockName(body: string): string {
  const rest = body
    .slice(1)
    .replace(/^[>*]\s*/, '')
    .trim();
  return /^[^\s()}]+/.exec(rest)?.[0] ?? '';
}

/** Quotes that are opened and never closed inside a tag (Handlebars strings are "…" or '…'). */
function unterminatedQuote(body: string): string | undefined {
  let quote: string | undefined;
  for (const ch of body) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    }
  }
  return quote;
}

/**
 * Finds the first problem in `text` a user can fix: a tag that is not closed, a string not terminated, a
 * block that is never closed, closed by the wrong name, closed twice, or an `{{else}}` outside a block.
 * Undefined when it finds nothing (then the parser's own message is used).
 */
export function findSyntaxProblem(text: string): SyntaxProblem | undefined {
  const tags: Tag[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) break;
    if (open > 0 && text[open - 1] === '\\') {
      // \{{ is literal text in Handlebars.
      i = open + 2;
      continue;
    }
    const line = lineAt(text, open);
    const next = text.indexOf('{{', open + 2);
    // Comments end at --}} or }} and may contain braces.
    if (text.startsWith('{{!--', open) || text.startsWith('{{~!--', open)) {
      const end = text.indexOf('--', open + 5);
      const close = end < 0 ? -1 : text.indexOf('}}', end);
      if (close < 0) return { line, message: 'the comment `{{!--` is never closed: end it with `--}}`' };
      i = close + 2;
      continue;
    }
    if (text.startsWith('{{!', open) || text.startsWith('{{~!', open)) {
      const close = text.indexOf('}}', open);
      if (close < 0) return { line, message: 'the comment `{{!` is never closed: end it with `}}`' };
      i = close + 2;
      continue;
    }
    const triple = text.startsWith('{{{', open) || text.startsWith('{{~{', open);
    const close = text.indexOf('}}', open + (triple ? 3 : 2));
    const firstLine = text.slice(open, text.indexOf('\n', open) < 0 ? text.length : text.indexOf('\n', open));
    if (close < 0 || (next >= 0 && next < close && !(triple && next === open + 1))) {
      const shown = shorten(firstLine, 40);
      return {
        line,
        message: `\`${shown}\` is not closed: add \`${triple ? '}}}' : '}}'}\` after the expression`,
      };
    }
    let end = close + 2;
    let body = text.slice(open + (triple ? 3 : 2), close);
    if (triple) {
      if (text[end] === '}') {
        end += 1;
      } else if (!body.endsWith('}')) {
        const inner = shorten(body.replace(/^~?\{/, '').trim(), 40);
        return {
          line,
          message: `\`{{{${inner}}}\` opens with three braces but closes with two: write \`{{{${inner}}}}\` (raw text) or \`{{${inner}}}\``,
        };
      }
      body = body.replace(/^~?\{/, '').replace(/\}~?$/, '');
    }
    body = body.replace(/^~/, '').replace(/~$/, '').trim();
    const shown = `{{${shorten(triple ? `{${body}}` : body)}}}`;
    const quote = unterminatedQuote(body);
    if (quote) {
      return { line, message: `\`${shown}\` has a string that is never closed: add the missing ${quote}` };
    }
    if (/^[#^/]?\s*$/.test(body) && body !== '^') {
      return { line, message: `\`${shown}\` is empty: write an expression, e.g. {{spec.name}}` };
    }
    tags.push({ body, shown, line });
    i = end;
  }

  const stack: (Tag & { name: string })[] = [];
  for (const tag of tags) {
    const b = tag.body;
    if (b.startsWith('#') || (b.startsWith('^') && b.length > 1)) {
      const name = blockName(b);
      if (name === '') return { line: tag.line, message: `\`${tag.shown}\` opens a block without a name` };
      if (b.startsWith('#') && ['if', 'unless', 'each', 'with'].includes(name) && b.trim() === `#${name}`) {
        const what =
          name === 'each'
            ? 'a list or mapping to loop over, e.g. `{{#each spec.items}}`'
            : `a value, e.g. \`{{#${name} spec.enabled}}\``;
        return { line: tag.line, message: `\`${tag.shown}\` needs ${what}` };
      }
      stack.push({ ...tag, name });
    } else if (b.startsWith('/')) {
      const name = b.slice(1).trim();
      const top = stack.pop();
      if (!top) {
        return {
          line: tag.line,
          message: `\`${tag.shown}\` closes a block that was never opened: remove it, or add \`{{#${name} …}}\` where the block starts`,
        };
      }
      if (top.name !== name) {
        return {
          line: tag.line,
          message: `\`${tag.shown}\` closes \`${top.shown}\` (line ${top.line}): write \`{{/${top.name}}}\` here, or close the blocks in the reverse order they were opened`,
        };
      }
    } else if (b === 'else' || b.startsWith('else ') || b === '^') {
      if (stack.length === 0) {
        return {
          line: tag.line,
          message: `\`${tag.shown}\` is outside a block: it belongs between \`{{#if …}}\` (or \`{{#each …}}\`) and its \`{{/if}}\``,
        };
      }
    }
  }
  const open = stack.pop();
  if (open) {
    return {
      line: open.line,
      message: `\`${open.shown}\` is never closed: add \`{{/${open.name}}}\` where the block should end`,
    };
  }
  return undefined;
}

const TOKEN_WORDS: Record<string, string> = {
  EOF: 'the end of the file',
  CLOSE: '`}}`',
  CLOSE_UNESCAPED: '`}}}`',
  CLOSE_RAW_BLOCK: '`}}}}`',
  OPEN_ENDBLOCK: '`{{/…}}`',
  INVERSE: '`{{else}}`',
  OPEN_INVERSE_CHAIN: '`{{else …}}`',
  OPEN_SEXPR: '`(`',
  CLOSE_SEXPR: '`)`',
  ID: 'a name',
  STRING: 'a string',
  NUMBER: 'a number',
  BOOLEAN: 'true or false',
  SEP: '`.` or `/`',
  DATA: '`@…`',
  INVALID: 'a character Handlebars does not accept here',
  OPEN_BLOCK_PARAMS: '`as |…|`',
  EQUALS: '`=`',
};

/**
 * The parser's own message in words, for problems findSyntaxProblem does not recognise:
 * "Parse error on line 7: … Expecting 'CLOSE', 'ID', got 'INVALID'" → "Handlebars cannot read this line:
 * found a character Handlebars does not accept here where it expected `}}` or a name".
 */
export function describeParserMessage(message: string): SyntaxProblem {
  const line = /on line (\d+)/.exec(message)?.[1];
  const got = /got '([A-Z_]+)'/.exec(message)?.[1];
  const expecting = [...(/Expecting (.*?), got/.exec(message)?.[1] ?? '').matchAll(/'([A-Z_]+)'/g)].map(
    (m) => m[1]!,
  );
  if (got) {
    const words = [...new Set(expecting.map((t) => TOKEN_WORDS[t]).filter((w): w is string => !!w))].slice(
      0,
      3,
    );
    return {
      ...(line ? { line: Number(line) } : {}),
      message: `Handlebars cannot read this: found ${TOKEN_WORDS[got] ?? got}${words.length ? ` where it expected ${words.join(' or ')}` : ''}`,
    };
  }
  // "if doesn't match each - 6:3", "Invalid path: …", compiler messages: one line, no position suffix.
  const pos = / - (\d+):\d+$/.exec(message);
  return {
    ...(pos ? { line: Number(pos[1]) } : line ? { line: Number(line) } : {}),
    message: message.split('\n')[0]!.replace(/ - \d+:\d+$/, ''),
  };
}
