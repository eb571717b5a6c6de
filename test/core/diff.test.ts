import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { cellVersion } from '../../src/core/cells';
import { lineDiff } from '../../src/core/diff';

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

describe('cellVersion', () => {
  it('changes with the source and the type', () => {
    const v = cellVersion('code', 'x = 1');
    assert.match(v, /^[0-9a-f]{8}$/);
    assert.equal(v, cellVersion('code', 'x = 1'));
    assert.notEqual(v, cellVersion('code', 'x = 2'));
    assert.notEqual(v, cellVersion('markdown', 'x = 1'));
  });
});
