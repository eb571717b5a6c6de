import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  cellsRunBy,
  commandCategories,
  runsCells
} from '../../src/core/commandcategories';
import { DEFAULT_ALLOWED_COMMANDS } from '../../src/core/commands';
import {
  decideCall,
  readPolicy,
  strictest,
  type IPolicy
} from '../../src/core/policy';

const policy = (categories: Record<string, string>): IPolicy =>
  readPolicy(categories, undefined).policy;

const executeCommand = { name: 'execute_command', category: 'commands' };

describe('commandCategories', () => {
  it('puts commands that run cells, restart kernels, open terminals, change files or cells in those categories', () => {
    assert.deepEqual(commandCategories('notebook:run-cell'), ['execute']);
    assert.deepEqual(commandCategories('notebook:run-all-cells'), ['execute']);
    assert.deepEqual(commandCategories('runmenu:run-all'), ['execute']);
    assert.deepEqual(commandCategories('console:run-forced'), ['execute']);
    assert.deepEqual(commandCategories('notebook:restart-run-all'), [
      'execute',
      'kernel'
    ]);
    assert.deepEqual(commandCategories('kernelmenu:restart'), ['kernel']);
    assert.deepEqual(commandCategories('notebook:interrupt-kernel'), [
      'execute'
    ]);
    assert.deepEqual(commandCategories('terminal:create-new'), ['terminal']);
    assert.deepEqual(commandCategories('docmanager:save'), ['files']);
    assert.deepEqual(commandCategories('filebrowser:delete'), ['files']);
    assert.deepEqual(commandCategories('notebook:delete-cell'), ['edit']);
    assert.deepEqual(commandCategories('notebook:clear-all-cell-outputs'), [
      'edit'
    ]);
    assert.deepEqual(commandCategories('notebook:run-cell-and-insert-below'), [
      'execute',
      'edit'
    ]);
    // Commands that only change the view count as commands alone.
    assert.deepEqual(commandCategories('application:toggle-left-area'), []);
    assert.deepEqual(commandCategories('filebrowser:refresh'), []);
    assert.deepEqual(commandCategories('notebook:collapse-all-headings'), []);
  });

  it('leaves none of the default allowed commands that run cells outside execute', () => {
    const running = DEFAULT_ALLOWED_COMMANDS.filter(runsCells);
    assert.deepEqual(running, [
      'notebook:run-cell',
      'notebook:run-cell-and-select-next',
      'notebook:run-all-cells',
      'notebook:run-all-above',
      'notebook:run-all-below'
    ]);
    for (const id of running) {
      assert.ok(commandCategories(id).includes('execute'), id);
    }
  });
});

describe('decideCall', () => {
  it('with execute denied, execute_command of a run command is denied, naming the category', () => {
    const denied = policy({ execute: 'deny', commands: 'allow' });
    assert.deepEqual(
      decideCall(
        executeCommand,
        commandCategories('notebook:run-cell'),
        denied
      ),
      {
        decision: 'deny',
        deniedBy:
          '"categoryPolicy" denies the execute category, which this call also belongs to'
      }
    );
    // A command that runs nothing is under commands alone.
    assert.equal(
      decideCall(
        executeCommand,
        commandCategories('application:toggle-left-area'),
        denied
      ).decision,
      'allow'
    );
  });

  it('takes the strictest of the tool and the categories of what it does', () => {
    const asks = policy({ execute: 'ask', commands: 'allow' });
    assert.equal(decideCall(executeCommand, ['execute'], asks).decision, 'ask');
    const toolAllowed = readPolicy(
      { files: 'deny' },
      { execute_command: 'allow' }
    ).policy;
    assert.equal(
      decideCall(executeCommand, ['files'], toolAllowed).decision,
      'deny'
    );
    assert.deepEqual(
      decideCall(
        executeCommand,
        [],
        readPolicy({}, { execute_command: 'deny' }).policy
      ),
      { decision: 'deny', deniedBy: '"toolPolicy" denies execute_command' }
    );
  });

  it('strictest orders deny over ask over allow', () => {
    assert.equal(strictest([]), 'allow');
    assert.equal(strictest(['allow', 'ask']), 'ask');
    assert.equal(strictest(['ask', 'deny', 'allow']), 'deny');
  });
});

describe('cellsRunBy', () => {
  const where = { count: 5, activeIndex: 2, selected: [1, 2] };
  it('follows JupyterLab: the selection, above, below, or everything', () => {
    assert.deepEqual(cellsRunBy('notebook:run-cell', where), [1, 2]);
    assert.deepEqual(
      cellsRunBy('notebook:run-cell', { ...where, selected: [] }),
      [2]
    );
    assert.deepEqual(cellsRunBy('notebook:run-all-above', where), [0, 1]);
    assert.deepEqual(cellsRunBy('notebook:run-all-below', where), [2, 3, 4]);
    assert.deepEqual(
      cellsRunBy('notebook:restart-and-run-to-selected', where),
      [0, 1, 2]
    );
    assert.deepEqual(
      cellsRunBy('notebook:run-all-cells', where),
      [0, 1, 2, 3, 4]
    );
    // A run command it does not know runs everything, as far as it is told.
    assert.deepEqual(
      cellsRunBy('runmenu:run-something-new', where),
      [0, 1, 2, 3, 4]
    );
  });
});
