import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { addedLines, ApprovalPreview, cellTitle } from '../../src/core/preview';

describe('approval preview', () => {
  it('shows a change as a diff and binds the approval to the text shown', async () => {
    const preview = new ApprovalPreview();
    preview.change('cell 1 (id b) of a.ipynb', 'x = 1\ny = 2', 'x = 1\ny = 3', {
      what: 'Cell 1 (id b) of "a.ipynb"',
      current: async () => 'x = 1\ny = 2'
    });
    assert.deepEqual(
      preview.changes[0].lines.map(line => `${line.kind}${line.text}`),
      [' x = 1', '-y = 2', '+y = 3']
    );
    assert.equal(preview.bound.length, 1);
    assert.equal(preview.bound[0].shown, 'x = 1\ny = 2');
    assert.equal(await preview.bound[0].current(), 'x = 1\ny = 2');
    assert.deepEqual(preview.approved, { cells: [] });
  });

  it('shows a new text as every line added, bound to nothing being there', () => {
    const preview = new ApprovalPreview();
    preview.change('new.py (new file)', null, 'a\nb\n', {
      what: 'The file "new.py"',
      current: async () => null
    });
    assert.deepEqual(preview.changes[0].lines, [
      { kind: '+', text: 'a', oldNumber: null, newNumber: 1 },
      { kind: '+', text: 'b', oldNumber: null, newNumber: 2 }
    ]);
    assert.equal(preview.bound[0].shown, null);
  });

  it('binds a run to exactly the cells shown, and code of a new cell to none', () => {
    const preview = new ApprovalPreview();
    preview.run('a.ipynb', [
      { id: 'c1', index: 0, source: 'print(1)' },
      { id: '', index: 2, source: 'print(3)' }
    ]);
    preview.newCode('a new cell at index 3 of a.ipynb', 'print(4)');
    assert.deepEqual(
      preview.code.map(code => [code.title, code.code, code.cellId]),
      [
        ['cell 0 (id c1) of a.ipynb', 'print(1)', 'c1'],
        ['cell 2 of a.ipynb', 'print(3)', ''],
        ['a new cell at index 3 of a.ipynb', 'print(4)', '']
      ]
    );
    assert.deepEqual(preview.approved.cells, [
      { notebookPath: 'a.ipynb', cellId: 'c1', index: 0, source: 'print(1)' },
      { notebookPath: 'a.ipynb', cellId: '', index: 2, source: 'print(3)' }
    ]);
  });

  it('keeps notes and the arguments it shows', () => {
    const preview = new ApprovalPreview();
    assert.deepEqual(preview.shown, []);
    preview.note('a.txt does not exist yet: it will be created.');
    preview.showsArguments('old_text', 'new_text');
    assert.deepEqual(preview.notes, [
      'a.txt does not exist yet: it will be created.'
    ]);
    assert.deepEqual(preview.shown, ['old_text', 'new_text']);
  });

  it('names cells with and without an id; an empty text adds no line', () => {
    assert.equal(cellTitle(3, 'abc', 'n.ipynb'), 'cell 3 (id abc) of n.ipynb');
    assert.equal(cellTitle(3, '', 'n.ipynb'), 'cell 3 of n.ipynb');
    assert.deepEqual(addedLines(''), []);
    assert.deepEqual(
      addedLines('one').map(line => line.text),
      ['one']
    );
    assert.deepEqual(
      addedLines('one\n\n').map(line => line.text),
      ['one', '']
    );
  });
});
