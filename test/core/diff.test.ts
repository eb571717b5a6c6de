import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { cellVersion } from '../../src/core/cells';
import {
  diffLines,
  diffParts,
  diffStats,
  lineDiff,
  type IDiffLine
} from '../../src/core/diff';

/**
 * The texts a diff goes between, rebuilt from its lines.
 */
function sides(lines: IDiffLine[]): { before: string; after: string } {
  return {
    before: lines
      .filter(line => line.kind !== '+')
      .map(line => line.text)
      .join('\n'),
    after: lines
      .filter(line => line.kind !== '-')
      .map(line => line.text)
      .join('\n')
  };
}

/**
 * The fewest removed plus added lines between two line lists (dynamic
 * programming over the longest common subsequence), to check against.
 */
function fewestEdits(a: string[], b: string[]): number {
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () =>
    new Array<number>(b.length + 1).fill(0)
  );
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] =
        a[i] === b[j]
          ? lcs[i + 1][j + 1] + 1
          : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  return a.length + b.length - 2 * lcs[0][0];
}

/**
 * A small deterministic pseudo-random generator (the cases stay the same
 * from run to run).
 */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('lineDiff', () => {
  it('shows changed lines with context', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng';
    const after = 'a\nb\nc\nD\ne\nf\ng';
    assert.equal(lineDiff(before, after, 1), '  …\n  c\n- d\n+ D\n  e\n  …');
  });
  it('handles additions at the end and no change', () => {
    assert.equal(lineDiff('x', 'x\ny'), '  x\n+ y');
    assert.equal(lineDiff('same', 'same'), '(no change)');
  });
});

describe('diffLines', () => {
  it('finds the fewest edits, and its lines rebuild both texts', () => {
    const random = generator(7);
    for (let round = 0; round < 400; round++) {
      const a = Array.from({ length: Math.floor(random() * 12) }, () =>
        'abc'.charAt(Math.floor(random() * 3))
      );
      const b = Array.from({ length: Math.floor(random() * 12) }, () =>
        'abc'.charAt(Math.floor(random() * 3))
      );
      const lines = diffLines(a.join('\n'), b.join('\n'));
      assert.deepEqual(sides(lines), {
        before: a.join('\n'),
        after: b.join('\n')
      });
      const { removed, added } = diffStats(lines);
      // Splitting '' gives one empty line, as for any text.
      const edits = fewestEdits(
        a.join('\n').split('\n'),
        b.join('\n').split('\n')
      );
      assert.equal(removed + added, edits, `${a} -> ${b}`);
    }
  });

  it('numbers the lines on both sides', () => {
    assert.deepEqual(diffLines('a\nb\nc', 'a\nc\nd'), [
      { kind: ' ', text: 'a', oldNumber: 1, newNumber: 1 },
      { kind: '-', text: 'b', oldNumber: 2, newNumber: null },
      { kind: ' ', text: 'c', oldNumber: 3, newNumber: 2 },
      { kind: '+', text: 'd', oldNumber: null, newNumber: 3 }
    ]);
  });

  it('shows a one-line change in a 2,001-line file as that line with its context', () => {
    const before = Array.from({ length: 2001 }, (_, i) => `line ${i + 1}`);
    const after = [...before];
    after[1000] = 'line 1001, changed';
    const started = performance.now();
    const lines = diffLines(before.join('\n'), after.join('\n'));
    assert.ok(performance.now() - started < 200);
    assert.deepEqual(diffStats(lines), { removed: 1, added: 1 });
    assert.equal(
      lineDiff(before.join('\n'), after.join('\n'), 2),
      [
        '  …',
        '  line 999',
        '  line 1000',
        '- line 1001',
        '+ line 1001, changed',
        '  line 1002',
        '  line 1003',
        '  …'
      ].join('\n')
    );
    const parts = diffParts(lines, 3);
    assert.deepEqual(
      parts.map(part =>
        part.kind === 'skip' ? part.count : part.lines.length
      ),
      [997, 8, 997]
    );
  });

  it('scattered changes in long files stay exact and quick', () => {
    const random = generator(11);
    const before = Array.from({ length: 20000 }, (_, i) => `row ${i}`);
    const after = before.filter(() => random() > 0.02);
    for (let i = 0; i < 300; i++) {
      after.splice(Math.floor(random() * after.length), 0, `new ${i}`);
    }
    const started = performance.now();
    const lines = diffLines(before.join('\n'), after.join('\n'));
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 2000, `${elapsed} ms`);
    assert.deepEqual(sides(lines), {
      before: before.join('\n'),
      after: after.join('\n')
    });
    assert.equal(diffStats(lines).added, 300);
  });

  it('two long texts with nothing in common: all removed, then all added', () => {
    const before = Array.from({ length: 5000 }, (_, i) => `a${i}`).join('\n');
    const after = Array.from({ length: 5000 }, (_, i) => `b${i}`).join('\n');
    const lines = diffLines(before, after);
    assert.deepEqual(diffStats(lines), { removed: 5000, added: 5000 });
    assert.deepEqual(sides(lines), { before, after });
  });
});

describe('cellVersion', () => {
  it('changes with the source and the type', () => {
    const v = cellVersion('code', 'x = 1');
    assert.match(v, /^[0-9a-f]{8}$/);
    assert.equal(v, cellVersion('code', 'x = 1'));
    assert.notEqual(v, cellVersion('code', 'x = 2'));
    assert.notEqual(v, cellVersion('markdown', 'x = 1'));
  });
});
