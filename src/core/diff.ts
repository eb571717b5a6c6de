/**
 * Line diffs for showing what an edit changes: Myers' O((N+M)D) algorithm
 * on the lines between the common prefix and suffix, so that a one-line
 * change in a long file is found at once. Pure functions.
 */

/**
 * One line of a diff.
 */
export interface IDiffLine {
  /**
   * `' '` unchanged, `'-'` removed, `'+'` added.
   */
  kind: ' ' | '-' | '+';
  text: string;
  /**
   * Its line number (1-based) before the change, null when added.
   */
  oldNumber: number | null;
  /**
   * Its line number (1-based) after the change, null when removed.
   */
  newNumber: number | null;
}

/**
 * A part of a shortened diff: lines shown, or unchanged lines left out.
 */
export type DiffPart =
  { kind: 'lines'; lines: IDiffLine[] } | { kind: 'skip'; count: number };

/**
 * Every line of `before` and `after`, as unchanged, removed or added. The
 * edits are as few as Myers' algorithm finds within a bound of work;
 * past it (two long texts with little in common), the differing middle is
 * shown as removed then added, which is still exact.
 */
export function diffLines(before: string, after: string): IDiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) {
    start++;
  }
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const kinds: IDiffLine['kind'][] = [];
  for (let i = 0; i < start; i++) {
    kinds.push(' ');
  }
  const middle =
    Private.myers(a.slice(start, endA), b.slice(start, endB)) ??
    Private.replaceAll(endA - start, endB - start);
  kinds.push(...middle);
  for (let i = endA; i < a.length; i++) {
    kinds.push(' ');
  }
  const lines: IDiffLine[] = [];
  let i = 0;
  let j = 0;
  for (const kind of kinds) {
    if (kind === ' ') {
      lines.push({ kind, text: a[i], oldNumber: i + 1, newNumber: j + 1 });
      i++;
      j++;
    } else if (kind === '-') {
      lines.push({ kind, text: a[i], oldNumber: i + 1, newNumber: null });
      i++;
    } else {
      lines.push({ kind, text: b[j], oldNumber: null, newNumber: j + 1 });
      j++;
    }
  }
  return lines;
}

/**
 * The changed lines of a diff with `context` unchanged lines around each
 * change; the unchanged lines between are left out (counted).
 */
export function diffParts(lines: IDiffLine[], context: number): DiffPart[] {
  const keep = new Uint8Array(lines.length);
  lines.forEach((line, i) => {
    if (line.kind !== ' ') {
      const from = Math.max(0, i - context);
      const to = Math.min(lines.length - 1, i + context);
      for (let k = from; k <= to; k++) {
        keep[k] = 1;
      }
    }
  });
  const parts: DiffPart[] = [];
  for (let i = 0; i < lines.length;) {
    let end = i;
    while (end < lines.length && keep[end] === keep[i]) {
      end++;
    }
    parts.push(
      keep[i]
        ? { kind: 'lines', lines: lines.slice(i, end) }
        : { kind: 'skip', count: end - i }
    );
    i = end;
  }
  return parts;
}

/**
 * How many lines a diff removes and adds.
 */
export function diffStats(lines: IDiffLine[]): {
  removed: number;
  added: number;
} {
  let removed = 0;
  let added = 0;
  for (const line of lines) {
    removed += line.kind === '-' ? 1 : 0;
    added += line.kind === '+' ? 1 : 0;
  }
  return { removed, added };
}

/**
 * A unified-style diff of `before` and `after` as text (lines prefixed
 * `-`, `+`, or a space for context), with `context` unchanged lines around
 * each change and `…` where unchanged lines are left out.
 */
export function lineDiff(before: string, after: string, context = 2): string {
  if (before === after) {
    return '(no change)';
  }
  const out: string[] = [];
  for (const part of diffParts(diffLines(before, after), context)) {
    if (part.kind === 'skip') {
      out.push('  …');
    } else {
      for (const line of part.lines) {
        out.push(`${line.kind} ${line.text}`);
      }
    }
  }
  return out.join('\n');
}

namespace Private {
  /**
   * Most edits searched for (the trace of the search keeps about the
   * square of this many numbers).
   */
  const MAX_EDITS = 1500;

  /**
   * Most line comparisons of one search.
   */
  const MAX_COMPARISONS = 20_000_000;

  /**
   * All of `a` removed, then all of `b` added.
   */
  export function replaceAll(n: number, m: number): IDiffLine['kind'][] {
    return [
      ...new Array<IDiffLine['kind']>(n).fill('-'),
      ...new Array<IDiffLine['kind']>(m).fill('+')
    ];
  }

  /**
   * The shortest edit script from `a` to `b` (Myers 1986, greedy forward
   * search with a trace for the way back), or null past the bounds.
   */
  export function myers(a: string[], b: string[]): IDiffLine['kind'][] | null {
    const n = a.length;
    const m = b.length;
    if (n === 0 || m === 0) {
      return replaceAll(n, m);
    }
    const max = Math.min(n + m, MAX_EDITS);
    const offset = max + 1;
    const v = new Int32Array(2 * max + 3);
    // trace[d] holds v[k] for k in -d..d after step d.
    const trace: Int32Array[] = [];
    let comparisons = 0;
    let found = -1;
    for (let d = 0; d <= max && found < 0; d++) {
      for (let k = -d; k <= d; k += 2) {
        let x =
          k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])
            ? v[offset + k + 1]
            : v[offset + k - 1] + 1;
        let y = x - k;
        while (x < n && y < m && a[x] === b[y]) {
          x++;
          y++;
          comparisons++;
        }
        comparisons++;
        v[offset + k] = x;
        if (x >= n && y >= m) {
          found = d;
          break;
        }
      }
      trace.push(v.slice(offset - d, offset + d + 1));
      if (comparisons > MAX_COMPARISONS) {
        return null;
      }
    }
    if (found < 0) {
      return null;
    }
    const reversed: IDiffLine['kind'][] = [];
    let x = n;
    let y = m;
    for (let d = found; d > 0; d--) {
      const previous = trace[d - 1];
      const at = (k: number) => previous[k + d - 1];
      const k = x - y;
      const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
      const prevK = down ? k + 1 : k - 1;
      const prevX = at(prevK);
      const prevY = prevX - prevK;
      const midX = down ? prevX : prevX + 1;
      const midY = down ? prevY + 1 : prevY;
      while (x > midX && y > midY) {
        reversed.push(' ');
        x--;
        y--;
      }
      reversed.push(down ? '+' : '-');
      x = prevX;
      y = prevY;
    }
    while (x > 0 && y > 0) {
      reversed.push(' ');
      x--;
      y--;
    }
    return reversed.reverse();
  }
}
