import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  compileGlob,
  GlobBudget,
  GlobError,
  MAX_GLOB_LENGTH
} from '../../src/core/glob';

const match = (glob: string, path: string) => compileGlob(glob).test(path);

describe('compileGlob', () => {
  it('keeps * and ? within a segment', () => {
    assert.equal(match('*.csv', 'data.csv'), true);
    assert.equal(match('*.csv', '.csv'), true);
    assert.equal(match('*.csv', 'dir/data.csv'), false);
    assert.equal(match('file?.txt', 'file1.txt'), true);
    assert.equal(match('file?.txt', 'file10.txt'), false);
    assert.equal(match('a?b', 'a/b'), false);
  });

  it('lets ** span directories, including none', () => {
    assert.equal(match('**/*.py', 'a.py'), true);
    assert.equal(match('**/*.py', 'src/pkg/a.py'), true);
    assert.equal(match('src/**', 'src/a/b'), true);
    assert.equal(match('src/**', 'src/'), true);
    assert.equal(match('**/*.py', 'a.pyc'), false);
    assert.equal(match('a/**/b', 'a/b'), true);
    assert.equal(match('a/**/b', 'a/x/y/b'), true);
    assert.equal(match('a/**/b', 'ab'), false);
    assert.equal(match('**', 'any/thing/at/all'), true);
  });

  it('supports sets, ranges, negation and alternatives, and takes the rest literally', () => {
    assert.equal(match('*.{png,jpg}', 'a.jpg'), true);
    assert.equal(match('*.{png,jpg}', 'a.gif'), false);
    assert.equal(match('{src,test}/**/*.ts', 'test/core/a.ts'), true);
    assert.equal(match('{a,{b,c}d}', 'cd'), true);
    assert.equal(match('{a,{b,c}d}', 'c'), false);
    assert.equal(match('[ab]*.txt', 'b1.txt'), true);
    assert.equal(match('[!ab]*.txt', 'b1.txt'), false);
    assert.equal(match('[^ab]*.txt', 'c1.txt'), true);
    assert.equal(match('report[0-9].md', 'report7.md'), true);
    assert.equal(match('report[0-9].md', 'reportx.md'), false);
    assert.equal(match('a+b(1).txt', 'a+b(1).txt'), true);
    assert.equal(match('a.txt', 'abtxt'), false);
    assert.equal(match('^$|\\.txt', '^$|\\.txt'), true);
    // An unclosed set is a literal bracket; unclosed braces close at the end.
    assert.equal(match('a[b', 'a[b'), true);
    assert.equal(match('x{1,2', 'x2'), true);
    assert.equal(match('a,b}', 'a,b}'), true);
  });

  it('matches patterns that make a backtracking regular expression take minutes, in milliseconds', () => {
    // V8 took 4.4 s, 54 s and over 120 s on these as regular expressions.
    for (const times of [8, 10, 12]) {
      const glob = '*a'.repeat(times) + '*b';
      const path = 'a'.repeat(64);
      const started = performance.now();
      const matcher = compileGlob(glob);
      assert.equal(matcher.test(path), false);
      assert.equal(matcher.test(path + 'b'), true);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 100, `${glob} took ${elapsed.toFixed(1)} ms`);
    }
  });

  it('refuses a pattern longer than the maximum', () => {
    assert.throws(
      () => compileGlob('a'.repeat(MAX_GLOB_LENGTH + 1)),
      (error: unknown) =>
        error instanceof GlobError && /at most 1000/.test(error.message)
    );
  });
});

describe('GlobBudget', () => {
  it('charges each path by its length and the matcher size, and refuses past the limit', () => {
    const matcher = compileGlob('*.py');
    const budget = new GlobBudget((5 + 1) * matcher.size * 2);
    assert.equal(budget.test(matcher, 'a.py'), true);
    assert.equal(budget.test(matcher, 'b.txt'), false);
    assert.throws(() => budget.test(matcher, 'c.py'), GlobError);
    assert.ok(budget.spent <= budget.limit);
  });
});
