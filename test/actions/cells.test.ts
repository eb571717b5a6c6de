import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';

import type * as nbformat from '@jupyterlab/nbformat';
import { YNotebook, type ISharedCodeCell } from '@jupyter/ydoc';

import {
  changeCellType,
  clearOutputs,
  deleteCells,
  editSource,
  insertCell,
  moveCell,
  overwriteSource,
  versionOf
} from '../../src/actions/cells';
import { describeCell } from '../../src/actions/notebooks';
import { cellVersion } from '../../src/core/cells';
import { ToolError } from '../../src/mcp/tool';

let notebook: YNotebook;

/** A notebook with cells of these sources (code cells). */
function make(...sources: string[]): YNotebook {
  const made = new YNotebook({ disableDocumentWideUndoRedo: false });
  made.insertCells(
    0,
    sources.map(source => ({ cell_type: 'code', source }))
  );
  // Building the notebook is not an undo step of the tests.
  made.undoManager.clear();
  return made;
}

/** The notebook as JSON, to show that a refusal changed nothing. */
function snapshot(): string {
  return JSON.stringify(notebook.toJSON());
}

/** The sources of the notebook's cells. */
function sources(): string[] {
  return notebook.cells.map(cell => cell.getSource());
}

/** Assert that `action` throws a ToolError matching `pattern` and changes nothing. */
function refuses(action: () => unknown, pattern: RegExp): void {
  const before = snapshot();
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof ToolError, String(error));
    assert.match(error.message, pattern);
    return true;
  });
  assert.equal(snapshot(), before);
}

const OUTPUT: nbformat.IOutput = {
  output_type: 'stream',
  name: 'stdout',
  text: 'hello\n'
};

beforeEach(() => {
  notebook = make('a = 1', 'b = 2', 'c = 3');
});

afterEach(() => {
  notebook.dispose();
});

describe('insertCell', () => {
  it('inserts before an index, and appends with -1 or the count', () => {
    const middle = insertCell(notebook, {
      index: 1,
      type: 'markdown',
      source: '# title'
    });
    assert.deepEqual(
      { ...middle, id: typeof middle.id },
      {
        index: 1,
        id: 'string',
        version: cellVersion('markdown', '# title'),
        total_cells: 4,
        filled_blank_cell: false
      }
    );
    assert.equal(notebook.cells[1].id, middle.id);
    assert.equal(notebook.cells[1].cell_type, 'markdown');
    assert.equal(
      insertCell(notebook, { index: -1, type: 'raw', source: 'r' }).index,
      4
    );
    assert.equal(
      insertCell(notebook, { index: 5, type: 'code', source: 'x' }).index,
      5
    );
    assert.deepEqual(sources(), [
      'a = 1',
      '# title',
      'b = 2',
      'c = 3',
      'r',
      'x'
    ]);
  });

  it('refuses an index out of range, naming the argument and the range', () => {
    refuses(
      () => insertCell(notebook, { index: 4, type: 'code', source: 'x' }),
      /"cell_index" 4 is out of range for an insertion: use 0 to 3/
    );
    refuses(
      () => insertCell(notebook, { index: -2, type: 'code', source: 'x' }),
      /"cell_index" -2/
    );
  });

  it("fills a new notebook's lone blank cell instead of adding after it", () => {
    notebook.dispose();
    notebook = make('');
    const inserted = insertCell(notebook, {
      index: -1,
      type: 'code',
      source: 'print(1)'
    });
    assert.equal(inserted.filled_blank_cell, true);
    assert.equal(inserted.index, 0);
    assert.equal(inserted.total_cells, 1);
    assert.deepEqual(sources(), ['print(1)']);
  });

  it('keeps a lone blank cell that ran or has outputs', () => {
    notebook.dispose();
    notebook = make('');
    (notebook.cells[0] as ISharedCodeCell).execution_count = 1;
    const inserted = insertCell(notebook, {
      index: -1,
      type: 'code',
      source: 'x'
    });
    assert.equal(inserted.filled_blank_cell, false);
    assert.deepEqual(sources(), ['', 'x']);
  });
});

describe('overwriteSource', () => {
  it('replaces the source by index or id and returns a diff and the new version', () => {
    const byIndex = overwriteSource(notebook, { cell_index: -1 }, 'c = 30');
    assert.equal(byIndex.index, 2);
    assert.equal(byIndex.version, cellVersion('code', 'c = 30'));
    assert.match(byIndex.diff, /- c = 3\n\+ c = 30/);
    const id = notebook.cells[0].id;
    overwriteSource(notebook, { cell_id: id }, 'a = 10');
    assert.deepEqual(sources(), ['a = 10', 'b = 2', 'c = 30']);
  });

  it('refuses a stale expected_version, showing the current source', () => {
    const read = versionOf(notebook.cells[1]);
    notebook.cells[1].setSource('b = 20'); // the user types
    refuses(
      () => overwriteSource(notebook, { cell_index: 1 }, 'b = 3', read),
      /"expected_version": cell 1 .* changed since you read it[\s\S]*b = 20/
    );
    const fresh = versionOf(notebook.cells[1]);
    overwriteSource(notebook, { cell_index: 1 }, 'b = 3', fresh);
    assert.equal(notebook.cells[1].getSource(), 'b = 3');
  });

  it('refuses a missing or doubly named cell and an unknown id', () => {
    refuses(
      () => overwriteSource(notebook, { cell_index: 3 }, 'x'),
      /"cell_index" 3 is out of range: the notebook has 3 cells: valid indexes are 0 to 2/
    );
    refuses(
      () => overwriteSource(notebook, {}, 'x'),
      /exactly one of "cell_index" or "cell_id"/
    );
    refuses(
      () => overwriteSource(notebook, { cell_index: 0, cell_id: 'x' }, 'x'),
      /exactly one/
    );
    refuses(
      () => overwriteSource(notebook, { cell_id: 'nope' }, 'x'),
      /No cell has id "nope"/
    );
  });
});

describe('editSource', () => {
  it('replaces one exact occurrence, or all with replaceAll', () => {
    notebook.cells[0].setSource('x = 1\ny = x + x');
    const one = editSource(
      notebook,
      { cell_index: 0 },
      {
        oldText: 'y =',
        newText: 'z =',
        replaceAll: false
      }
    );
    assert.equal(one.replacements, 1);
    const all = editSource(
      notebook,
      { cell_index: 0 },
      {
        oldText: 'x',
        newText: 'w',
        replaceAll: true
      }
    );
    assert.equal(all.replacements, 3);
    assert.equal(notebook.cells[0].getSource(), 'w = 1\nz = w + w');
    assert.equal(all.version, versionOf(notebook.cells[0]));
  });

  it('refuses text not found or found several times without replaceAll', () => {
    refuses(
      () =>
        editSource(
          notebook,
          { cell_index: 0 },
          {
            oldText: 'zzz',
            newText: '',
            replaceAll: false
          }
        ),
      /"old_text" was not found in cell 0/
    );
    notebook.cells[0].setSource('x x');
    refuses(
      () =>
        editSource(
          notebook,
          { cell_index: 0 },
          {
            oldText: 'x',
            newText: 'y',
            replaceAll: false
          }
        ),
      /"old_text" occurs 2 times .* "replace_all": true/
    );
  });

  it('inserts "$" patterns literally', () => {
    editSource(
      notebook,
      { cell_index: 0 },
      {
        oldText: '1',
        newText: "'$&$1'",
        replaceAll: false
      }
    );
    assert.equal(notebook.cells[0].getSource(), "a = '$&$1'");
  });
});

describe('deleteCells', () => {
  it('deletes several cells by index (negative from the end) or id', () => {
    const result = deleteCells(notebook, { indices: [-1, 0, 0] });
    assert.deepEqual(
      result.deleted.map(cell => cell.index),
      [0, 2]
    );
    assert.equal(result.total_cells, 1);
    assert.deepEqual(sources(), ['b = 2']);
    const id = notebook.cells[0].id;
    assert.deepEqual(deleteCells(notebook, { ids: [id] }).deleted, [
      { index: 0, id }
    ]);
  });

  it('deletes nothing when any reference is invalid', () => {
    refuses(
      () => deleteCells(notebook, { indices: [0, 7] }),
      /"cell_indices"\[1\] = 7 is out of range: the notebook has 3 cells: valid indexes are 0 to 2.*No cell was deleted/
    );
    refuses(
      () => deleteCells(notebook, { ids: [notebook.cells[0].id, 'gone'] }),
      /"cell_ids"\[1\] = "gone".*No cell was deleted/
    );
    refuses(() => deleteCells(notebook, {}), /exactly one of "cell_indices"/);
    refuses(
      () => deleteCells(notebook, { indices: [0], ids: ['x'] }),
      /exactly one/
    );
    refuses(
      () => deleteCells(notebook, { indices: [] }),
      /"cell_indices" is empty/
    );
  });
});

describe('moveCell', () => {
  it('moves a cell to its index after the move, -1 for the end', () => {
    const id = notebook.cells[0].id;
    assert.deepEqual(moveCell(notebook, { cell_id: id }, -1), {
      id,
      from_index: 0,
      index: 2
    });
    assert.deepEqual(sources(), ['b = 2', 'c = 3', 'a = 1']);
    assert.equal(notebook.cells[2].id, id);
    moveCell(notebook, { cell_index: 2 }, 1);
    assert.deepEqual(sources(), ['b = 2', 'a = 1', 'c = 3']);
  });

  it('refuses a target out of range', () => {
    refuses(
      () => moveCell(notebook, { cell_index: 0 }, 3),
      /"to_index" 3 is out of range: the notebook has 3 cells: valid indexes are 0 to 2/
    );
  });
});

describe('clearOutputs', () => {
  beforeEach(() => {
    for (const cell of notebook.cells as ISharedCodeCell[]) {
      cell.setOutputs([OUTPUT]);
      cell.execution_count = 4;
    }
    notebook.undoManager.clear();
  });

  it('clears one cell, or all of them', () => {
    assert.deepEqual(
      clearOutputs(notebook, { ref: { cell_index: 1 }, all: false }),
      {
        cleared: 1,
        indexes: [1]
      }
    );
    const middle = notebook.cells[1] as ISharedCodeCell;
    assert.deepEqual(middle.getOutputs(), []);
    assert.equal(middle.execution_count, null);
    assert.equal((notebook.cells[0] as ISharedCodeCell).getOutputs().length, 1);
    assert.deepEqual(clearOutputs(notebook, { ref: {}, all: true }), {
      cleared: 2,
      indexes: [0, 1, 2]
    });
  });

  it('refuses "all" together with a cell', () => {
    refuses(
      () => clearOutputs(notebook, { ref: { cell_index: 0 }, all: true }),
      /either "all": true or one cell/
    );
  });
});

describe('changeCellType', () => {
  it('keeps id, source, metadata and attachments from markdown to raw and back', () => {
    notebook.insertCell(0, {
      cell_type: 'markdown',
      source: '![a](attachment:a.png)',
      metadata: { tags: ['keep'] },
      attachments: { 'a.png': { 'image/png': 'iVBORw0KGgo=' } }
    });
    const id = notebook.cells[0].id;
    const raw = changeCellType(notebook, { cell_id: id }, 'raw');
    assert.deepEqual(raw, {
      index: 0,
      id,
      cell_type: 'raw',
      version: cellVersion('raw', '![a](attachment:a.png)'),
      changed: true
    });
    const json = notebook.cells[0].toJSON() as nbformat.IRawCell;
    assert.equal(json.id, id);
    assert.equal(json.source, '![a](attachment:a.png)');
    assert.deepEqual(json.metadata, { tags: ['keep'] });
    assert.deepEqual(json.attachments, {
      'a.png': { 'image/png': 'iVBORw0KGgo=' }
    });
    changeCellType(notebook, { cell_index: 0 }, 'markdown');
    const back = notebook.cells[0].toJSON() as nbformat.IMarkdownCell;
    assert.deepEqual(back.attachments, {
      'a.png': { 'image/png': 'iVBORw0KGgo=' }
    });
    assert.equal(back.id, id);
  });

  it('refuses to make a code cell of a cell with attachments', () => {
    notebook.insertCell(0, {
      cell_type: 'markdown',
      source: 'x',
      attachments: { 'a.png': { 'image/png': 'iVBORw0KGgo=' } }
    });
    refuses(
      () => changeCellType(notebook, { cell_index: 0 }, 'code'),
      /"cell_type": cell 0 .* has attachments \(a.png\)/
    );
  });

  it('drops outputs when a code cell stops being code; no change when the type is the same', () => {
    (notebook.cells[0] as ISharedCodeCell).setOutputs([OUTPUT]);
    const same = changeCellType(notebook, { cell_index: 0 }, 'code');
    assert.equal(same.changed, false);
    const id = notebook.cells[0].id;
    changeCellType(notebook, { cell_index: 0 }, 'markdown');
    const json = notebook.cells[0].toJSON();
    assert.equal(json.cell_type, 'markdown');
    assert.equal(json.id, id);
    assert.equal('outputs' in json, false);
  });

  it('refuses a stale expected_version', () => {
    refuses(
      () => changeCellType(notebook, { cell_index: 0 }, 'raw', 'deadbeef'),
      /"expected_version"/
    );
  });
});

describe('undo', () => {
  it('makes each action one undo step, apart from the user typing before it', () => {
    notebook.cells[0].setSource('a = 100'); // the user types
    deleteCells(notebook, { indices: [1, 2] });
    assert.deepEqual(sources(), ['a = 100']);
    notebook.undo();
    assert.deepEqual(sources(), ['a = 100', 'b = 2', 'c = 3']);

    insertCell(notebook, { index: 0, type: 'markdown', source: '# t' });
    changeCellType(notebook, { cell_index: 0 }, 'raw');
    notebook.undo();
    assert.equal(notebook.cells[0].cell_type, 'markdown');
    notebook.undo();
    assert.deepEqual(sources(), ['a = 100', 'b = 2', 'c = 3']);

    overwriteSource(notebook, { cell_index: 1 }, 'b = 5');
    editSource(
      notebook,
      { cell_index: 1 },
      {
        oldText: '5',
        newText: '6',
        replaceAll: false
      }
    );
    notebook.undo();
    assert.equal(notebook.cells[1].getSource(), 'b = 5');
    notebook.undo();
    assert.equal(notebook.cells[1].getSource(), 'b = 2');
    notebook.undo();
    assert.equal(notebook.cells[0].getSource(), 'a = 1');
  });
});

describe('describeCell', () => {
  it('gives the first line when brief, the source and an output summary when detailed', () => {
    notebook.cells[0].setSource('x = 1\ny = 2');
    (notebook.cells[0] as ISharedCodeCell).setOutputs([OUTPUT]);
    (notebook.cells[0] as ISharedCodeCell).execution_count = 3;
    const brief = describeCell(notebook, 0, false, 1000);
    assert.equal(brief.source, 'x = 1 …');
    assert.equal(brief.outputs, undefined);
    assert.equal(brief.execution_count, 3);
    const detailed = describeCell(notebook, 0, true, 1000);
    assert.equal(detailed.source, 'x = 1\ny = 2');
    assert.match(detailed.outputs ?? '', /hello/);
    assert.equal(detailed.version, versionOf(notebook.cells[0]));
  });
});
