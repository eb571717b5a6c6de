import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type * as nbformat from '@jupyterlab/nbformat';

import { cellVersion } from '../../src/core/cells';
import {
  citeText,
  completeFrom,
  errorCells,
  errorPromptText,
  MAX_COMPLETIONS,
  parseCellIndices,
  summaryText
} from '../../src/core/prompts';

const CELLS: nbformat.ICell[] = [
  { cell_type: 'markdown', id: 'm0', source: '# Title', metadata: {} },
  {
    cell_type: 'code',
    id: 'c1',
    source: ['import math\n', 'x = 1'],
    metadata: {},
    execution_count: 4,
    outputs: []
  },
  {
    cell_type: 'code',
    id: 'c2',
    source: 'print(y)',
    metadata: {},
    execution_count: 5,
    outputs: [
      { output_type: 'stream', name: 'stdout', text: 'before\n' },
      {
        output_type: 'error',
        ename: 'NameError',
        evalue: "name 'y' is not defined",
        traceback: [
          '\u001b[0;31mNameError\u001b[0m Traceback (most recent call last)',
          '----> 1 print(y)'
        ]
      }
    ]
  },
  { cell_type: 'raw', id: 'r3', source: 'raw text', metadata: {} }
];

describe('parseCellIndices', () => {
  it('reads indexes, ranges and open ranges, sorted and each once', () => {
    assert.deepEqual(parseCellIndices('0,1,2', 5), {
      ok: true,
      indices: [0, 1, 2]
    });
    assert.deepEqual(parseCellIndices('0-2,4', 5), {
      ok: true,
      indices: [0, 1, 2, 4]
    });
    assert.deepEqual(parseCellIndices(' 3 - ', 5), {
      ok: true,
      indices: [3, 4]
    });
    assert.deepEqual(parseCellIndices('2,0-1,1', 5), {
      ok: true,
      indices: [0, 1, 2]
    });
  });

  it('refuses what is not an index or goes past the notebook, naming the range', () => {
    for (const [text, why] of [
      ['', /it is empty/],
      ['5', /5 is out of range/],
      ['3-1', /ends before it starts/],
      ['2-9', /goes past the last cell/],
      ['-1', /is not an index or a range/],
      ['a', /"a" is not an index/],
      [',', /names no cell/]
    ] as const) {
      const result = parseCellIndices(text, 5);
      assert.equal(result.ok, false, text);
      if (!result.ok) {
        assert.match(result.error, why);
        assert.match(result.error, /Argument "cell_indices"/);
        assert.match(result.error, /indexes 0 to 4/);
      }
    }
    const empty = parseCellIndices('0', 0);
    assert.equal(empty.ok, false);
    if (!empty.ok) {
      assert.match(empty.error, /no cells/);
    }
  });
});

describe('citeText', () => {
  it('cites each cell between the reference markers, then the instruction', () => {
    const text = citeText('dir/a.ipynb', CELLS, [0, 1, 3], 'make it shorter');
    assert.equal(
      text,
      [
        'Cite cells [0, 1, 3] from notebook dir/a.ipynb; here are the cells:',
        '=====Cell 0 | type: markdown | execution count: N/A | id: m0=====',
        '# Title',
        '=====Cell 1 | type: code | execution count: 4 | id: c1=====',
        'import math\nx = 1',
        '=====Cell 3 | type: raw | execution count: N/A | id: r3=====',
        'raw text',
        '=====End of Cited Cells=====',
        "The user's instruction: make it shorter"
      ].join('\n')
    );
  });
});

describe('error prompts', () => {
  const input = {
    path: 'a.ipynb',
    language: 'python',
    cellsWithErrors: errorCells(CELLS),
    maxChars: 1000
  };

  it('finds the cells with an error output', () => {
    assert.deepEqual(errorCells(CELLS), [2]);
  });

  it('explains: the source and the cleaned traceback, no edit asked', () => {
    const result = errorPromptText(
      { ...input, index: 2, cell: CELLS[2] },
      false
    );
    assert.equal(result.ok, true);
    if (result.ok) {
      assert.match(
        result.text,
        /^Explain the error of cell 2 \(id c2\) of the notebook "a\.ipynb"/
      );
      assert.match(result.text, /Do not change the notebook/);
      assert.match(result.text, /```python\nprint\(y\)\n```/);
      assert.match(
        result.text,
        /NameError: name 'y' is not defined\nNameError Traceback/
      );
      assert.doesNotMatch(result.text, /\u001b/);
    }
  });

  it('fixes: names the cell id and its version for a safe edit, and the re-run', () => {
    const result = errorPromptText(
      { ...input, index: 2, cell: CELLS[2] },
      true
    );
    assert.equal(result.ok, true);
    if (result.ok) {
      const version = cellVersion('code', 'print(y)');
      assert.match(result.text, /^Fix the error of cell 2 \(id c2\)/);
      assert.ok(result.text.includes(`expected_version "${version}"`));
      assert.ok(result.text.includes(`version ${version}`));
      assert.match(result.text, /execute_cell/);
    }
  });

  it('refuses a cell without an error, naming the cells that have one', () => {
    const result = errorPromptText(
      { ...input, index: 1, cell: CELLS[1] },
      false
    );
    assert.deepEqual(result, {
      ok: false,
      error:
        'Cell 1 (id c1, code) of "a.ipynb" shows no error; cells with an error: 2. Pass "cell_index" to pick one.'
    });
    const none = errorPromptText(
      { ...input, cellsWithErrors: [], index: 0, cell: CELLS[0] },
      true
    );
    assert.equal(none.ok, false);
    if (!none.ok) {
      assert.match(none.error, /no cell of it shows an error/);
    }
  });

  it('cuts a long source and traceback to the limit', () => {
    const long: nbformat.ICell = {
      ...CELLS[2],
      source: 'x'.repeat(5000)
    } as nbformat.ICell;
    const result = errorPromptText(
      { ...input, index: 2, cell: long, maxChars: 200 },
      false
    );
    assert.equal(result.ok, true);
    if (result.ok) {
      assert.match(result.text, /characters cut/);
      assert.ok(result.text.length < 1500);
    }
  });
});

describe('summaryText', () => {
  it('asks for the summary, with the focus, then the notebook', () => {
    const text = summaryText(
      'a.ipynb',
      '# Notebook a.ipynb\nbody',
      'the model',
      100
    );
    assert.match(text, /^Summarize the notebook "a\.ipynb"/);
    assert.match(text, /Focus on: the model/);
    assert.ok(text.endsWith('# Notebook a.ipynb\nbody'));
    assert.doesNotMatch(summaryText('a.ipynb', 'body', '', 100), /Focus on/);
  });

  it('cuts a long notebook and says how to read the rest', () => {
    const text = summaryText('a.ipynb', 'y'.repeat(500), '', 100);
    assert.ok(text.includes('y'.repeat(100)));
    assert.ok(!text.includes('y'.repeat(101)));
    assert.match(
      text,
      /cut at 100 characters: read the rest with read_notebook/
    );
  });
});

describe('completeFrom', () => {
  it('keeps the values starting with the prefix, case-insensitively, once each', () => {
    assert.deepEqual(
      completeFrom(['a.ipynb', 'B.ipynb', 'b/', 'a.ipynb'], 'b'),
      {
        values: ['B.ipynb', 'b/'],
        total: 2,
        hasMore: false
      }
    );
    assert.deepEqual(completeFrom(['x'], ''), {
      values: ['x'],
      total: 1,
      hasMore: false
    });
  });

  it('returns at most 100 values and says there are more', () => {
    const many = Array.from({ length: 150 }, (_, i) => `n${i}.ipynb`);
    const result = completeFrom(many, 'n');
    assert.equal(result.values.length, MAX_COMPLETIONS);
    assert.equal(result.total, 150);
    assert.equal(result.hasMore, true);
  });
});
