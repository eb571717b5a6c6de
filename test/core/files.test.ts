import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  imageMimetype,
  isWithin,
  notebookJsonProblem,
  parentOf,
  resolveRootPath,
  textWindow
} from '../../src/core/files';

describe('resolveRootPath', () => {
  it('normalizes relative paths', () => {
    assert.deepEqual(resolveRootPath('./a//b/', 'path', ''), {
      ok: true,
      path: 'a/b'
    });
    assert.deepEqual(resolveRootPath('a\\b.txt', 'path', ''), {
      ok: true,
      path: 'a/b.txt'
    });
  });
  it('refuses ".." anywhere, naming the argument', () => {
    for (const bad of ['..', '../x', 'a/../../x', 'a/..', '/srv/root/../etc']) {
      const result = resolveRootPath(bad, 'new_path', '/srv/root');
      assert.equal(result.ok, false, bad);
      assert.match(
        (result as { error: string }).error,
        /"new_path" may not contain "\.\."|"new_path" must be relative/
      );
    }
  });
  it('accepts absolute paths inside the root only', () => {
    assert.deepEqual(resolveRootPath('/srv/root/d/f.py', 'path', '/srv/root'), {
      ok: true,
      path: 'd/f.py'
    });
    const outside = resolveRootPath('/etc/passwd', 'path', '/srv/root');
    assert.equal(outside.ok, false);
    assert.match(
      (outside as { error: string }).error,
      /"path" must be relative/
    );
    assert.equal(
      resolveRootPath('/srv/rootx/f', 'path', '/srv/root').ok,
      false
    );
    assert.equal(resolveRootPath('/x', 'path', '').ok, false);
    assert.equal(resolveRootPath('C:\\x', 'path', '').ok, false);
  });
  it('accepts the root only when allowed', () => {
    assert.equal(resolveRootPath('', 'path', '').ok, false);
    assert.deepEqual(resolveRootPath('.', 'path', '', true), {
      ok: true,
      path: ''
    });
    assert.deepEqual(resolveRootPath('/srv/root', 'path', '/srv/root', true), {
      ok: true,
      path: ''
    });
  });
});

describe('parentOf and isWithin', () => {
  it('work on root-relative paths', () => {
    assert.equal(parentOf('a/b/c.txt'), 'a/b');
    assert.equal(parentOf('c.txt'), '');
    assert.equal(isWithin('a/b', 'a'), true);
    assert.equal(isWithin('a', 'a'), true);
    assert.equal(isWithin('ab', 'a'), false);
  });
});

describe('textWindow', () => {
  it('cuts a window and says where the next one starts', () => {
    assert.deepEqual(textWindow('abcdef', 2, 3), {
      text: 'cde',
      offset: 2,
      end: 5,
      total: 6,
      next: 5
    });
    assert.deepEqual(textWindow('abcdef', 4, 10), {
      text: 'ef',
      offset: 4,
      end: 6,
      total: 6,
      next: null
    });
    assert.deepEqual(textWindow('abc', 10, 5), {
      text: '',
      offset: 3,
      end: 3,
      total: 3,
      next: null
    });
  });
});

describe('imageMimetype', () => {
  it('recognizes the image types by mimetype or extension', () => {
    assert.equal(imageMimetype('a.PNG', null), 'image/png');
    assert.equal(imageMimetype('a.jpeg', null), 'image/jpeg');
    assert.equal(imageMimetype('x', 'image/gif'), 'image/gif');
    assert.equal(imageMimetype('a.svg', 'image/svg+xml'), 'image/svg+xml');
    assert.equal(imageMimetype('a.bmp', 'image/bmp'), null);
    assert.equal(imageMimetype('a.txt', 'text/plain'), null);
  });
});

describe('notebookJsonProblem', () => {
  it('accepts notebook JSON and names what is wrong otherwise', () => {
    assert.equal(
      notebookJsonProblem(
        '{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}'
      ),
      null
    );
    assert.match(
      notebookJsonProblem('{oops') ?? '',
      /"content" is not valid JSON/
    );
    assert.match(notebookJsonProblem('[1, 2]') ?? '', /not a notebook/);
    assert.match(notebookJsonProblem('{"cells": []}') ?? '', /"nbformat"/);
  });
});
