/**
 * A unified diff (`diff -u` format, 3 lines of context) of two texts, or '' when they are equal. Line-based
 * LCS: rendered Kubernetes objects are small (hundreds of lines), so the quadratic table is cheap.
 */
export function unifiedDiff(a: string, b: string, labels: { from: string; to: string }, context = 3): string {
  if (a === b) return '';
  const x = a === '' ? [] : a.replace(/\n$/, '').split('\n');
  const y = b === '' ? [] : b.replace(/\n$/, '').split('\n');
  const n = x.length;
  const m = y.length;
  // lcs[i][j] = LCS length of x[i..] and y[j..]
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  type Op = { t: ' ' | '-' | '+'; line: string; ai: number; bi: number };
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      ops.push({ t: ' ', line: x[i]!, ai: i, bi: j });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ t: '-', line: x[i]!, ai: i, bi: j });
      i++;
    } else {
      ops.push({ t: '+', line: y[j]!, ai: i, bi: j });
      j++;
    }
  }
  // Group changes into hunks with `context` lines around them.
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  let k = 0;
  while (k < ops.length) {
    while (k < ops.length && ops[k]!.t === ' ') k++;
    if (k >= ops.length) break;
    const start = Math.max(0, k - context);
    let end = k;
    for (;;) {
      while (end < ops.length && ops[end]!.t !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next]!.t === ' ') next++;
      if (next < ops.length && next - end <= 2 * context) end = next;
      else {
        end = Math.min(ops.length, end + context);
        break;
      }
    }
    const hunk = ops.slice(start, end);
    const aLines = hunk.filter((o) => o.t !== '+').length;
    const bLines = hunk.filter((o) => o.t !== '-').length;
    const aStart = aLines === 0 ? hunk[0]!.ai : hunk[0]!.ai + 1;
    const bStart = bLines === 0 ? hunk[0]!.bi : hunk[0]!.bi + 1;
    out.push(`@@ -${aStart},${aLines} +${bStart},${bLines} @@`);
    for (const o of hunk) out.push(`${o.t}${o.line}`);
    k = end;
  }
  return `${out.join('\n')}\n`;
}
