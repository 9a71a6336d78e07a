#!/usr/bin/env node
// Fails when a source file takes part in an import cycle, when workspace packages depend on each other in a
// cycle, or when a lib imports an app. Plain static scan of `import … from '…'` / `export … from '…'`.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const pkgDirs = ['libs', 'apps'].flatMap((d) =>
  fs.readdirSync(path.join(root, d)).map((p) => path.join(d, p)),
);
const pkgByName = new Map();
for (const dir of pkgDirs) {
  const pj = JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
  pkgByName.set(pj.name, dir);
}

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return /\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name) && !/\.d\.ts$/.test(e.name) ? [p] : [];
  });
}

const importRe =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const fileGraph = new Map();
const pkgGraph = new Map(pkgDirs.map((d) => [d, new Set()]));
const problems = [];

for (const dir of pkgDirs) {
  for (const file of walk(path.join(root, dir, 'src'))) {
    const src = fs.readFileSync(file, 'utf8');
    const edges = [];
    for (const m of src.matchAll(importRe)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
        edges.push(target);
      } else if (pkgByName.has(spec)) {
        const to = pkgByName.get(spec);
        if (to !== dir) pkgGraph.get(dir).add(to);
        if (dir.startsWith('libs/') && to.startsWith('apps/'))
          problems.push(`${path.relative(root, file)}: a lib must not import an app (${spec})`);
      }
    }
    fileGraph.set(file, edges);
  }
}

function findCycles(graph, label) {
  const state = new Map();
  const stack = [];
  const visit = (n) => {
    state.set(n, 1);
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (!graph.has(m)) continue;
      if (state.get(m) === 1) {
        const cyc = stack.slice(stack.indexOf(m)).concat(m);
        problems.push(
          `${label} cycle: ${cyc.map((c) => path.relative(root, path.resolve(root, c))).join(' -> ')}`,
        );
      } else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
}
findCycles(fileGraph, 'import');
findCycles(pkgGraph, 'package');

if (problems.length) {
  console.error(`check-cycles: ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`check-cycles: ${fileGraph.size} files, ${pkgGraph.size} packages, no cycles`);
