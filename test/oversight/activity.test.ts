import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  ActivityLog,
  clientLabel,
  type IActivityEntry
} from '../../src/oversight/activity';

function entry(callId: number): IActivityEntry {
  return {
    callId,
    startedAt: 1000 + callId,
    sessionId: 's1',
    client: 'agent 1.0',
    tool: 'read_cell',
    category: 'read',
    durationMs: null,
    outcome: 'running',
    message: '',
    notebookPath: 'a.ipynb',
    cellId: null,
    cellIndex: 0,
    path: null
  };
}

describe('activity log', () => {
  it('keeps the last calls, newest first, and says when it changes', () => {
    const log = new ActivityLog(3);
    let changes = 0;
    log.changed.connect(() => (changes += 1));
    for (let i = 1; i <= 5; i++) {
      log.add(entry(i));
    }
    assert.deepEqual(
      log.entries.map(e => e.callId),
      [5, 4, 3]
    );
    assert.equal(changes, 5);
    assert.equal(log.find(2), undefined);
    assert.equal(ActivityLog.DEFAULT_LIMIT, 500);
  });

  it('updates a call in place, and ignores a call that left the log', () => {
    const log = new ActivityLog(2);
    log.add(entry(1));
    log.add(entry(2));
    const before = log.entries;
    log.update(1, { outcome: 'ok', durationMs: 12, cellId: 'c0' });
    assert.deepEqual(
      [log.find(1)?.outcome, log.find(1)?.durationMs, log.find(1)?.cellId],
      ['ok', 12, 'c0']
    );
    // A new array: a view holding the old one sees the change.
    assert.notEqual(log.entries, before);
    assert.equal(before[1].outcome, 'running');
    log.add(entry(3));
    let changed = false;
    log.changed.connect(() => (changed = true));
    log.update(1, { outcome: 'error' });
    assert.equal(changed, false);
    assert.deepEqual(
      log.entries.map(e => e.callId),
      [3, 2]
    );
  });

  it('names a client by name and version', () => {
    assert.equal(clientLabel({ name: 'claude', version: '1.2' }), 'claude 1.2');
    assert.equal(clientLabel({ name: 'claude', version: '' }), 'claude');
    assert.equal(clientLabel({ name: '', version: '1' }), '');
    assert.equal(clientLabel(undefined), '');
  });
});
