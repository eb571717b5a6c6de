import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  allowingPattern,
  DEFAULT_ALLOWED_COMMANDS,
  describeCommandResult,
  matchesQuery
} from '../../src/core/commands';

describe('allowingPattern', () => {
  it('admits exact ids and prefix wildcards only', () => {
    const patterns = ['docmanager:save', 'notebook:run-*'];
    assert.equal(
      allowingPattern('docmanager:save', patterns),
      'docmanager:save'
    );
    assert.equal(
      allowingPattern('notebook:run-all-cells', patterns),
      'notebook:run-*'
    );
    assert.equal(allowingPattern('docmanager:save-as', patterns), null);
    assert.equal(allowingPattern('notebook:restart-kernel', patterns), null);
    assert.equal(allowingPattern('anything', ['*']), '*');
    assert.equal(allowingPattern('x', ['', '  ']), null);
  });
  it('keeps dialog-opening and destructive commands out of the default', () => {
    for (const id of [
      'notebook:restart-kernel',
      'notebook:delete-cell',
      'docmanager:delete-file',
      'docmanager:save-as',
      'application:close-all',
      'mcp-bridge:stop'
    ]) {
      assert.equal(allowingPattern(id, DEFAULT_ALLOWED_COMMANDS), null, id);
    }
    assert.ok(
      allowingPattern('notebook:run-all-cells', DEFAULT_ALLOWED_COMMANDS)
    );
  });
});

describe('matchesQuery', () => {
  it('matches any field, ignoring case; empty matches all', () => {
    assert.equal(
      matchesQuery('RUN all', ['notebook:run-all-cells', 'Run All Cells']),
      true
    );
    assert.equal(
      matchesQuery('save', ['notebook:run-all-cells', 'Run All Cells']),
      false
    );
    assert.equal(matchesQuery(undefined, ['x']), true);
    assert.equal(matchesQuery('  ', ['x']), true);
  });
});

describe('describeCommandResult', () => {
  it('returns JSON values as they are', () => {
    assert.deepEqual(describeCommandResult(undefined), { kind: 'none' });
    assert.deepEqual(describeCommandResult(true), {
      kind: 'json',
      value: true
    });
    assert.deepEqual(describeCommandResult(null), {
      kind: 'json',
      value: null
    });
    assert.deepEqual(describeCommandResult({ a: [1, 'b', { c: null }] }), {
      kind: 'json',
      value: { a: [1, 'b', { c: null }] }
    });
  });
  it('summarizes class instances, cycles, functions and large values', () => {
    class Widget {
      id = 'w1';
      title = { label: 'demo.ipynb' };
    }
    assert.deepEqual(describeCommandResult(new Widget()), {
      kind: 'summary',
      summary: 'a Widget (id "w1", titled "demo.ipynb"), not JSON'
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(describeCommandResult(cyclic).kind, 'summary');
    assert.equal(describeCommandResult(() => 1).kind, 'summary');
    assert.equal(describeCommandResult(Number.NaN).kind, 'summary');
    const large = describeCommandResult('x'.repeat(100), 50);
    assert.deepEqual(large, {
      kind: 'summary',
      summary: 'a JSON value of 102 characters (too large to return)'
    });
  });
});
