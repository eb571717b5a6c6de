import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SessionStore } from '../../src/link/sessions';
import { MAX_SESSION_RUNS } from '../../src/mcp/tool';
import { MemoryStorage } from '../helpers';

function run(i: number) {
  return {
    id: `run-${i}`,
    notebookPath: 'a.ipynb',
    cellId: `c${i}`,
    startedAt: 1000 + i,
    pageId: 'p1'
  };
}

describe('session store', () => {
  it("keeps a session's state in the tab, and gives the relay the same", () => {
    const storage = new MemoryStorage();
    const store = new SessionStore(storage);
    const fresh = store.load('s1');
    assert.deepEqual(fresh, {
      id: 's1',
      notebookPath: null,
      terminalName: null,
      runs: [],
      tasks: []
    });
    const kept = store.save({
      ...fresh,
      notebookPath: 'a.ipynb',
      terminalName: '3',
      runs: [run(1)]
    });
    assert.deepEqual(kept, {
      notebookPath: 'a.ipynb',
      terminalName: '3',
      runs: [run(1)],
      tasks: []
    });
    // A reload of the tab reads it back.
    assert.deepEqual(new SessionStore(storage).load('s1'), {
      id: 's1',
      notebookPath: 'a.ipynb',
      terminalName: '3',
      runs: [run(1)],
      tasks: []
    });
  });

  it("prefers the relay's state (the session moved here), and takes over a session it continues", () => {
    const storage = new MemoryStorage();
    const store = new SessionStore(storage);
    store.save({ ...store.load('old'), notebookPath: 'mine.ipynb' });
    assert.equal(
      store.load('s1', { notebookPath: 'moved.ipynb' }).notebookPath,
      'moved.ipynb'
    );
    const continued = store.load('new', undefined, 'old');
    assert.equal(continued.id, 'new');
    assert.equal(continued.notebookPath, 'mine.ipynb');
    // The old session's copy is gone.
    assert.equal(store.load('old').notebookPath, null);
  });

  it('reads damaged or foreign state as fresh, and keeps the last runs only', () => {
    const storage = new MemoryStorage();
    const store = new SessionStore(storage);
    const state = store.load('s1', {
      notebookPath: 7,
      terminalName: null,
      runs: [
        { id: 'bad' },
        ...Array.from({ length: MAX_SESSION_RUNS + 5 }, (_, i) => run(i))
      ],
      tasks: [{ taskId: 't', status: 'unknown' }]
    });
    assert.equal(state.notebookPath, null);
    assert.equal(state.runs.length, MAX_SESSION_RUNS);
    assert.equal(state.runs[0].id, 'run-5');
    assert.deepEqual(state.tasks, []);
    store.save({ ...state, notebookPath: 'a.ipynb' });
    const [key] = storage.keys();
    storage.setItem(key, '{not json');
    assert.equal(store.load('s1').notebookPath, null);
  });

  it('works without storage (the relay keeps the state)', () => {
    const store = new SessionStore(null);
    const state = store.load('s1');
    assert.deepEqual(store.save({ ...state, notebookPath: 'a.ipynb' }), {
      notebookPath: 'a.ipynb',
      terminalName: null,
      runs: [],
      tasks: []
    });
    assert.equal(store.load('s1').notebookPath, null);
  });
});
