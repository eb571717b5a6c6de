/**
 * A compact line diff for showing what an edit changed: pure functions.
 */

/**
 * A unified-style diff of `before` and `after` (lines prefixed `-`, `+`,
 * or a space for context), with `context` unchanged lines around each
 * change. Very large inputs fall back to a summary.
 */
export function lineDiff(before: string, after: string, context = 2): string {
  if (before === after) {
    return '(no change)';
  }
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length * b.length > Private.MAX_CELLS) {
    return `(${a.length} lines replaced by ${b.length} lines)`;
  }
  const ops = Private.diffOps(a, b);
  const keep = new Set<number>();
  ops.forEach((op, i) => {
    if (op.kind !== ' ') {
      for (let j = i - context; j <= i + context; j++) {
        keep.add(j);
      }
    }
  });
  const lines: string[] = [];
  let skipped = false;
  ops.forEach((op, i) => {
    if (keep.has(i)) {
      lines.push(`${op.kind} ${op.line}`);
      skipped = false;
    } else if (!skipped) {
      lines.push('  …');
      skipped = true;
    }
  });
  return lines.join('\n');
}

namespace Private {
  export const MAX_CELLS = 4_000_000;

  export interface IOp {
    kind: ' ' | '-' | '+';
    line: string;
  }

  /**
   * Longest-common-subsequence diff.
   */
  export function diffOps(a: string[], b: string[]): IOp[] {
    const n = a.length;
    const m = b.length;
    const lcs: Uint32Array[] = [];
    for (let i = 0; i <= n; i++) {
      lcs.push(new Uint32Array(m + 1));
    }
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i][j] =
          a[i] === b[j]
            ? lcs[i + 1][j + 1] + 1
            : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    const ops: IOp[] = [];
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[i] === b[j]) {
        ops.push({ kind: ' ', line: a[i] });
        i++;
        j++;
      } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
        ops.push({ kind: '-', line: a[i++] });
      } else {
        ops.push({ kind: '+', line: b[j++] });
      }
    }
    while (i < n) {
      ops.push({ kind: '-', line: a[i++] });
    }
    while (j < m) {
      ops.push({ kind: '+', line: b[j++] });
    }
    return ops;
  }
}
