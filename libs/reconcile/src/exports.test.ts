import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// index.ts exports what other packages import from '@lostromos/reconcile', and nothing else: the library's
// internals (phase helpers, the context, the error classes only it raises) stay internal.

const root = path.resolve(import.meta.dirname, '../../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) return [];
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Names in `import { … } from '@lostromos/reconcile'` (and `export { … } from`) across the other packages. */
function importedNames(): Map<string, string[]> {
  const names = new Map<string, string[]>();
  const files = ['apps', 'libs', 'test', 'bench']
    .flatMap((d) => sourceFiles(path.join(root, d)))
    .filter((f) => !f.startsWith(path.join(root, 'libs/reconcile') + path.sep));
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    expect(text, `${file} must name what it imports`).not.toMatch(
      /import\s*\*\s*as\s+\w+\s+from\s*['"]@lostromos\/reconcile['"]|import\(\s*['"]@lostromos\/reconcile/,
    );
    for (const m of text.matchAll(
      /(?:import|export)\s*(?:type\s*)?\{([^}]*)\}\s*from\s*['"]@lostromos\/reconcile['"]/g,
    )) {
      for (const item of (m[1] ?? '').split(',')) {
        const name = item
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)[0];
        if (name) names.set(name, [...(names.get(name) ?? []), path.relative(root, file)]);
      }
    }
  }
  return names;
}

/** Names index.ts exports (every `export { … }` / `export type { … }` list). */
function exportedNames(): Set<string> {
  const text = readFileSync(path.join(import.meta.dirname, 'index.ts'), 'utf8');
  expect(text, 'index.ts names each export (no export *)').not.toMatch(/export\s*\*/);
  const names = new Set<string>();
  for (const m of text.matchAll(/export\s*(?:type\s*)?\{([^}]*)\}/g)) {
    for (const item of (m[1] ?? '').split(',')) {
      const name = item.trim().replace(/^type\s+/, '');
      if (name) names.add(name);
    }
  }
  return names;
}

describe('the public surface of @lostromos/reconcile', () => {
  it('is exactly what apps/, libs/, test/ and bench/ import from it', () => {
    const imported = importedNames();
    const exported = exportedNames();
    expect([...exported].filter((n) => !imported.has(n)).sort(), 'exported but used by no package').toEqual(
      [],
    );
    expect([...imported.keys()].filter((n) => !exported.has(n)).sort(), 'imported but not exported').toEqual(
      [],
    );
  });
});
