import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

import {
  describeVariable,
  parseVariablesResult,
  variablesExpression,
  type IUserExpressionResult,
  type IVariablesResult
} from '../../src/core/variables';

const REPO = resolve(__dirname, '..', '..');

/**
 * Evaluate the expression as ipykernel does for `user_expressions`, in a
 * real IPython shell: the Python of the test host's virtual environment
 * (`build/venv`, made by scripts/python-env.sh, with IPython and pandas).
 */
function evaluate(setup: string, expression: string): IUserExpressionResult {
  const program = `
import json, sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_cell(sys.argv[1], store_history=True)
result = shell.user_expressions({'v': sys.argv[2]})['v']
print(json.dumps(result))
`;
  const out = execFileSync(
    join(REPO, 'build', 'venv', 'bin', 'python'),
    ['-c', program, setup, expression],
    { encoding: 'utf-8', env: { ...process.env, MPLBACKEND: 'Agg' } }
  );
  return JSON.parse(
    out.trim().split('\n').pop() ?? ''
  ) as IUserExpressionResult;
}

function inspect(setup: string, limit = 100, maxRepr = 80): IVariablesResult {
  const parsed = parseVariablesResult(
    evaluate(setup, variablesExpression({ limit, maxRepr }))
  );
  if (!parsed.ok) {
    assert.fail(parsed.error);
  }
  return parsed.result;
}

describe('variablesExpression in a real IPython shell', () => {
  it('reports user variables, with shapes and dtypes, and skips the rest', () => {
    const result = inspect(
      [
        'import os',
        'import numpy as np',
        'import pandas as pd',
        'df = pd.DataFrame({"a": [1, 2, 3], "b": [4.0, 5.0, 6.0]})',
        'arr = np.zeros((2, 5), dtype="float32")',
        'n = 42',
        'items = [1, 2, 3]',
        'text = "x" * 500',
        '_private = 1',
        'def f(): pass',
        'class K: pass',
        'r = 1 + 1',
        'r'
      ].join('\n')
    );
    const byName = new Map(result.variables.map(v => [v.name, v]));
    assert.deepEqual([...byName.keys()].sort(), [
      'arr',
      'df',
      'items',
      'n',
      'r',
      'text'
    ]);
    assert.equal(result.total, 6);
    assert.equal(result.truncated, false);
    const df = byName.get('df');
    assert.equal(df?.type, 'pandas.DataFrame');
    assert.deepEqual(df?.shape, [3, 2]);
    assert.equal(df?.dtypes, 'a: int64, b: float64');
    const arr = byName.get('arr');
    assert.equal(arr?.type, 'numpy.ndarray');
    assert.deepEqual(arr?.shape, [2, 5]);
    assert.equal(arr?.dtype, 'float32');
    assert.deepEqual(byName.get('n'), { name: 'n', type: 'int', repr: '42' });
    assert.deepEqual(byName.get('items'), {
      name: 'items',
      type: 'list',
      length: 3,
      repr: '[1, 2, 3]'
    });
    const text = byName.get('text');
    assert.equal(text?.length, 500);
    assert.ok((text?.repr.length ?? 0) <= 83, text?.repr);
  });

  it('honours the limit and leaves the namespace untouched', () => {
    const setup = 'a = 1\nb = 2\nc = 3';
    const result = inspect(setup, 2);
    assert.equal(result.variables.length, 2);
    assert.equal(result.total, 3);
    assert.equal(result.truncated, true);
    // A second run sees the same names: the first one defined nothing.
    assert.deepEqual(
      inspect(setup).variables.map(v => v.name),
      ['a', 'b', 'c']
    );
  });

  it('survives objects whose repr raises', () => {
    const result = inspect(
      'class Bad:\n    def __repr__(self):\n        raise ValueError("no")\nbad = Bad()'
    );
    assert.equal(result.variables.length, 1);
    assert.match(result.variables[0].repr, /repr failed: ValueError: no/);
    assert.equal(result.variables[0].type, 'Bad');
  });
});

describe('parseVariablesResult', () => {
  it('reports kernel errors and malformed results', () => {
    const error = parseVariablesResult({
      status: 'error',
      ename: 'NameError',
      evalue: "name 'x' is not defined"
    });
    assert.equal(error.ok, false);
    assert.match((error as { error: string }).error, /NameError/);
    assert.equal(parseVariablesResult(undefined).ok, false);
    assert.equal(
      parseVariablesResult({ status: 'ok', data: { 'text/plain': 'nope' } }).ok,
      false
    );
    assert.equal(
      parseVariablesResult({
        status: 'ok',
        data: {
          'text/plain':
            '{"variables": [{"name": 1}], "total": 1, "truncated": false}'
        }
      }).ok,
      false
    );
  });
  it('refuses bad options', () => {
    assert.throws(
      () => variablesExpression({ limit: 0, maxRepr: 10 }),
      /limit/
    );
  });
});

describe('describeVariable', () => {
  it('puts shape, dtypes and a one-line repr on one line', () => {
    assert.equal(
      describeVariable({
        name: 'df',
        type: 'pandas.DataFrame',
        shape: [3, 2],
        dtypes: 'a: int64, b: float64',
        repr: '   a    b\n0  1  4.0'
      }),
      'df: pandas.DataFrame shape (3, 2) [a: int64, b: float64] =    a    b ⏎ 0  1  4.0'
    );
    assert.equal(
      describeVariable({
        name: 'v',
        type: 'numpy.ndarray',
        shape: [4],
        dtype: 'int64',
        repr: 'array([0, 1, 2, 3])'
      }),
      'v: numpy.ndarray shape (4,) dtype int64 = array([0, 1, 2, 3])'
    );
  });
});
