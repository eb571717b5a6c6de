import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import type * as nbformat from '@jupyterlab/nbformat';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { YNotebook, type ISharedCodeCell } from '@jupyter/ydoc';
import { Signal } from '@lumino/signaling';

import {
  changeCellType,
  deleteCells,
  insertCell,
  moveCell,
  overwriteSource
} from '../../src/actions/cells';
import type { ICellChange } from '../../src/core/changes';
import { NotebookChanges } from '../../src/jupyter/changes';

/**
 * As much of a notebook panel as the change logs use, over a real
 * YNotebook.
 */
class FakePanel {
  constructor(shared: YNotebook) {
    this.context = {
      path: 'n.ipynb',
      pathChanged: new Signal<this, string>(this),
      ready: Promise.resolve(),
      model: { isDisposed: false, sharedModel: shared }
    };
  }
  isDisposed = false;
  disposed = new Signal<this, void>(this);
  context: {
    path: string;
    pathChanged: Signal<FakePanel, string>;
    ready: Promise<void>;
    model: { isDisposed: boolean; sharedModel: YNotebook };
  };
  dispose(): void {
    this.isDisposed = true;
    this.disposed.emit(undefined);
  }
}

/** What a test made, disposed after it (cells hold timers). */
const made: { dispose(): void }[] = [];

afterEach(() => {
  for (const item of made.splice(0)) {
    item.dispose();
  }
});

function setUp() {
  const shared = new YNotebook({ disableDocumentWideUndoRedo: false });
  shared.insertCells(0, [
    { cell_type: 'code', source: 'a = 1', id: 'a' },
    { cell_type: 'code', source: 'b = 2', id: 'b' },
    { cell_type: 'markdown', source: '# c', id: 'c' }
  ]);
  const panels: FakePanel[] = [];
  const tracker = {
    widgetAdded: new Signal<unknown, FakePanel>({}),
    forEach: (fn: (panel: FakePanel) => void) => panels.forEach(fn)
  };
  const changes = new NotebookChanges(tracker as unknown as INotebookTracker);
  made.push(changes, shared);
  const seen: ICellChange[] = [];
  let lists = 0;
  changes.changed.connect((_, change) => seen.push(change));
  changes.listChanged.connect(() => (lists += 1));
  const panel = new FakePanel(shared);
  panels.push(panel);
  tracker.widgetAdded.emit(panel);
  return {
    shared,
    changes,
    panel,
    asPanel: panel as unknown as NotebookPanel,
    seen,
    lists: () => lists
  };
}

const brief = (seen: ICellChange[]) =>
  seen.map(change => [change.kind, change.cellId, change.origin]);

describe('NotebookChanges', () => {
  it("logs the user's edits and an agent's, telling whose each is", async () => {
    const { shared, changes, asPanel, seen, lists } = setUp();
    assert.equal(lists(), 1);
    await Promise.resolve();
    const log = changes.log(asPanel);
    assert.ok(log);
    const start = log.tag;

    // The user types in cell b.
    shared.getCell(1).setSource('b = 3');
    // An agent's edits, in its scope.
    const inserted = changes.asAgent('s1', () =>
      insertCell(shared, { index: 0, type: 'code', source: 'new = 0' })
    );
    changes.asAgent('s1', () =>
      overwriteSource(shared, { cell_id: 'a' }, 'a = 10')
    );
    changes.asAgent('s2', () => moveCell(shared, { cell_id: 'c' }, 0));
    changes.asAgent('s1', () =>
      changeCellType(shared, { cell_id: 'b' }, 'raw')
    );
    deleteCells(shared, { ids: ['a'] });
    assert.deepEqual(brief(seen), [
      ['edited', 'b', null],
      ['added', inserted.id, 's1'],
      ['edited', 'a', 's1'],
      ['moved', 'c', 's2'],
      ['edited', 'b', 's1'],
      ['removed', 'a', null]
    ]);
    assert.equal(seen[seen.length - 1].version, log.tag);
    assert.equal(seen[0].path, 'n.ipynb');

    // What changed for s1: not its own insert, edit or type change.
    const ids = shared.cells.map(cell => cell.id);
    const forS1 = log.since(start, ids, 's1');
    assert.deepEqual(forS1.added, []);
    assert.deepEqual(forS1.removed, ['a']);
    assert.deepEqual(forS1.moved, [{ id: 'c', index: 0 }]);
    assert.deepEqual(forS1.edited, [{ id: 'b', index: 2 }]);
    const all = log.since(start, ids);
    assert.deepEqual(all.added, [{ id: inserted.id, index: 1 }]);
  });

  it("counts a run's outputs as the session's that runs it, and only that cell's", async () => {
    const { shared, changes, asPanel, seen } = setUp();
    await Promise.resolve();
    let finish = (): void => undefined;
    const run = new Promise<void>(resolve => (finish = resolve));
    changes.runBy(asPanel, 'a', 's1', run);
    const output: nbformat.IOutput = {
      output_type: 'stream',
      name: 'stdout',
      text: 'hi\n'
    };
    (shared.getCell(0) as ISharedCodeCell).setOutputs([output]);
    (shared.getCell(0) as ISharedCodeCell).execution_count = 1;
    (shared.getCell(1) as ISharedCodeCell).setOutputs([output]);
    finish();
    await run;
    await Promise.resolve();
    (shared.getCell(0) as ISharedCodeCell).setOutputs([]);
    assert.deepEqual(brief(seen), [
      ['outputs', 'a', 's1'],
      ['outputs', 'a', 's1'],
      ['outputs', 'b', null],
      ['outputs', 'a', null]
    ]);
    // The log folded the run's two changes of cell a into one entry.
    assert.equal(changes.log(asPanel)?.entries.length, 3);
  });

  it('stops logging a notebook once closed, and says the list changed', async () => {
    const { shared, changes, panel, asPanel, seen, lists } = setUp();
    await Promise.resolve();
    panel.dispose();
    assert.equal(lists(), 2);
    assert.equal(changes.log(asPanel), null);
    shared.getCell(0).setSource('after close');
    assert.deepEqual(seen, []);
  });
});
