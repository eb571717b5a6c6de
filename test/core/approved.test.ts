import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { notApproved, textChanged } from '../../src/core/approved';

const approved = {
  cells: [
    { notebookPath: 'a.ipynb', cellId: 'c1', index: 0, source: 'x = 1' },
    { notebookPath: 'a.ipynb', cellId: '', index: 3, source: 'y = 2' }
  ]
};

describe('notApproved', () => {
  it('accepts exactly the cells shown, with the code shown', () => {
    assert.equal(
      notApproved(approved, 'a.ipynb', [
        { id: 'c1', index: 2, source: 'x = 1' },
        { id: 'other', index: 3, source: 'y = 2' }
      ]),
      null
    );
    assert.equal(notApproved(approved, 'a.ipynb', []), null);
  });

  it('refuses a cell whose code changed, quoting both', () => {
    const problem = notApproved(approved, 'a.ipynb', [
      { id: 'c1', index: 0, source: 'import os; os.remove("data.csv")' }
    ]);
    assert.match(
      problem ?? '',
      /changed while the user's approval dialog was open/
    );
    assert.match(problem ?? '', /It was not run; nothing was changed/);
    assert.match(problem ?? '', / {4}x = 1/);
    assert.match(problem ?? '', / {4}import os/);
  });

  it('refuses a cell that was not shown, or one of another notebook', () => {
    assert.match(
      notApproved(approved, 'a.ipynb', [{ id: 'c9', index: 1, source: '' }]) ??
        '',
      /not one of the cells whose code the user approved/
    );
    assert.match(
      notApproved(approved, 'b.ipynb', [
        { id: 'c1', index: 0, source: 'x = 1' }
      ]) ?? '',
      /not one of the cells/
    );
  });
});

describe('textChanged', () => {
  it('is null while the text holds, and says how it changed otherwise', () => {
    assert.equal(textChanged('The file "a.txt"', 'old', 'old'), null);
    assert.equal(textChanged('The file "a.txt"', null, null), null);
    assert.match(
      textChanged('The file "a.txt"', 'old', 'new') ?? '',
      /^The file "a.txt" changed while .*not what the approval dialog showed/
    );
    assert.match(
      textChanged('The file "a.txt"', null, 'new') ?? '',
      /did not exist when the user was asked/
    );
    assert.match(
      textChanged('The file "a.txt"', 'old', null) ?? '',
      /now it does not/
    );
  });
});
