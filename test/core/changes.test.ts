import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  affects,
  ChangeLog,
  diffOrder,
  parseVersionTag,
  type ICellChange
} from '../../src/core/changes';

describe('ChangeLog', () => {
  it('numbers changes and folds a burst on one cell into one entry', () => {
    const log = new ChangeLog('abc');
    assert.equal(log.tag, 'abc.0');
    log.record('a', 'edited', null);
    log.record('a', 'edited', null);
    log.record('a', 'edited', null);
    log.record('a', 'outputs', 's1');
    log.record('a', 'outputs', 's1');
    log.record('a', 'edited', 's1');
    assert.equal(log.version, 6);
    assert.equal(log.tag, 'abc.6');
    assert.deepEqual(log.entries, [
      { version: 3, cellId: 'a', kind: 'edited', origin: null },
      { version: 5, cellId: 'a', kind: 'outputs', origin: 's1' },
      { version: 6, cellId: 'a', kind: 'edited', origin: 's1' }
    ]);
    // Structure is never folded.
    log.record('b', 'added', null);
    log.record('b', 'moved', null);
    log.record('b', 'moved', null);
    assert.equal(log.entries.length, 6);
  });

  it('tells added, removed, moved, edited and outputs since a version, by id', () => {
    const log = new ChangeLog('x1');
    log.record('a', 'edited', null);
    const since = log.tag;
    log.record('new', 'added', null);
    log.record('b', 'removed', null);
    log.record('c', 'moved', null);
    log.record('a', 'edited', null);
    log.record('d', 'outputs', null);
    const changes = log.since(since, ['new', 'a', 'c', 'd']);
    assert.deepEqual(changes, {
      complete: true,
      added: [{ id: 'new', index: 0 }],
      removed: ['b'],
      moved: [{ id: 'c', index: 2 }],
      edited: [{ id: 'a', index: 1 }],
      outputs: [{ id: 'd', index: 3 }]
    });
    // Nothing since now.
    assert.deepEqual(log.since(log.tag, ['new', 'a', 'c', 'd']), {
      complete: true,
      added: [],
      removed: [],
      moved: [],
      edited: [],
      outputs: []
    });
  });

  it('nets out a cell added then removed, and one removed then restored', () => {
    const log = new ChangeLog('x1');
    log.record('t', 'added', null);
    log.record('t', 'edited', null);
    log.record('t', 'removed', null);
    log.record('u', 'removed', null);
    log.record('u', 'added', null);
    const changes = log.since('x1.0', ['u']);
    assert.deepEqual(
      [changes.added, changes.removed, changes.edited],
      [[], [], []]
    );
  });

  it("leaves out a session's own changes, but not others' changes to its cells", () => {
    const log = new ChangeLog('x1');
    log.record('mine', 'added', 'me');
    log.record('mine', 'edited', 'me');
    log.record('theirs', 'edited', null);
    log.record('mine', 'edited', null);
    log.record('gone', 'removed', 'me');
    log.record('ran', 'outputs', 'me');
    const ids = ['mine', 'theirs', 'ran'];
    const others = log.since('x1.0', ids, 'me');
    assert.deepEqual(others.added, []);
    assert.deepEqual(others.removed, []);
    assert.deepEqual(others.outputs, []);
    assert.deepEqual(others.edited, [
      { id: 'mine', index: 0 },
      { id: 'theirs', index: 1 }
    ]);
    const all = log.since('x1.0', ids);
    assert.deepEqual(all.added, [{ id: 'mine', index: 0 }]);
    assert.deepEqual(all.removed, ['gone']);
    assert.deepEqual(all.outputs, [{ id: 'ran', index: 2 }]);
  });

  it('refuses versions it cannot answer, saying why', () => {
    const log = new ChangeLog('x1', 3);
    for (let i = 0; i < 5; i++) {
      log.record(`c${i}`, 'added', null);
    }
    const cases: [string, RegExp][] = [
      ['nonsense', /not a notebook version \(they look like "x1\.5"\)/],
      [
        'other.2',
        /another opening of the notebook, or of another JupyterLab tab/
      ],
      ['x1.9', /at version x1\.5, before that one/],
      ['x1.1', /keeps the last 3 changes only, from version x1\.2/]
    ];
    for (const [tag, why] of cases) {
      const changes = log.since(tag, []);
      assert.equal(changes.complete, false, tag);
      assert.match(changes.reason ?? '', why);
      assert.deepEqual(changes.added, []);
    }
    assert.equal(log.since('x1.2', ['c3', 'c4']).complete, true);
    assert.equal(log.entries.length, 3);
  });

  it('reads version tags', () => {
    assert.deepEqual(parseVersionTag('ab12.7'), { logId: 'ab12', n: 7 });
    assert.equal(parseVersionTag('ab12'), null);
    assert.equal(parseVersionTag('AB.1'), null);
    assert.equal(parseVersionTag('a.-1'), null);
  });
});

describe('diffOrder', () => {
  it('finds added and removed cells, and tells moves from cells replaced in place', () => {
    assert.deepEqual(
      diffOrder(
        ['a', 'b', 'c', 'd'],
        ['b', 'c', 'a', 'e', 'd'],
        new Set(['a'])
      ),
      { added: ['e'], removed: [], moved: ['a'], replaced: [] }
    );
    assert.deepEqual(diffOrder(['a', 'b'], ['a', 'b'], new Set(['b'])), {
      added: [],
      removed: [],
      moved: [],
      replaced: ['b']
    });
    assert.deepEqual(diffOrder(['a', 'b', 'c'], ['c'], new Set()), {
      added: [],
      removed: ['a', 'b'],
      moved: [],
      replaced: []
    });
  });
});

describe('affects', () => {
  const change = (kind: ICellChange['kind'], cellId = 'c1'): ICellChange => ({
    path: 'dir/n.ipynb',
    cellId,
    kind,
    origin: null,
    version: 'x.1'
  });

  it("a notebook by any change of its cells, an output by its cell's outputs", () => {
    const notebook = { kind: 'notebook' as const, path: 'dir/n.ipynb' };
    const output = {
      kind: 'output' as const,
      path: 'dir/n.ipynb',
      cellId: 'c1',
      outputIndex: 0
    };
    assert.equal(affects(notebook, change('edited')), true);
    assert.equal(
      affects({ ...notebook, path: 'other.ipynb' }, change('edited')),
      false
    );
    assert.equal(affects(output, change('outputs')), true);
    assert.equal(affects(output, change('removed')), true);
    assert.equal(affects(output, change('edited')), false);
    assert.equal(affects(output, change('outputs', 'c2')), false);
  });
});
