import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { notebookFingerprint } from '../../src/jupyter/baselines';

const cell = (source: string, extra: Record<string, unknown> = {}) => ({
  cell_type: 'code',
  source,
  execution_count: null,
  metadata: {},
  ...extra
});

describe('notebookFingerprint', () => {
  it('ignores what JupyterLab changes on opening a notebook', () => {
    assert.equal(
      notebookFingerprint([cell('a = 1', { metadata: { trusted: true } })]),
      notebookFingerprint([cell('a = 1')])
    );
  });

  it("tells the user's edits, runs, tags and cell order", () => {
    const base = notebookFingerprint([cell('a = 1'), cell('b = 2')]);
    for (const changed of [
      [cell('a = 1 # mine'), cell('b = 2')],
      [cell('a = 1', { execution_count: 3 }), cell('b = 2')],
      [cell('a = 1', { metadata: { tags: ['x'] } }), cell('b = 2')],
      [cell('b = 2'), cell('a = 1')],
      [cell('a = 1'), cell('b = 2', { cell_type: 'markdown' })],
      [cell('a = 1')]
    ]) {
      assert.notEqual(notebookFingerprint(changed), base);
    }
  });
});
