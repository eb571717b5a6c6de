/**
 * Cell editing: versions and stale-edit refusal, diffs, find and replace,
 * moves, clearing outputs, cell types, undo.
 */

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';

import {
  call,
  expect,
  notebookCells,
  savedNotebook,
  test,
  textOf
} from '../fixtures';

async function freshNotebook(client: Client, name: string, sources: string[]) {
  await call(client, 'use_notebook', { notebook_path: name });
  for (const source of sources) {
    await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'code',
      cell_source: source
    });
  }
  const read = await call(client, 'read_notebook', {
    response_format: 'detailed'
  });
  return (
    read.structuredContent as {
      cells: { id: string; version: string; source: string }[];
    }
  ).cells;
}

test('a stale edit is refused after the user typed in the cell, and their text is kept', async ({
  lab,
  env,
  mcp: client
}) => {
  const name = 'stale.ipynb';
  const [cell] = await freshNotebook(client, name, ['value = 1']);
  expect(cell.version).toMatch(/^[0-9a-f]{8}$/);

  // The user brings the agent's tab to the front and types into the cell.
  await lab
    .locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: name })
    .click();
  const cells = await notebookCells(lab, name);
  await cells.nth(0).locator('.cm-content').click();
  await lab.keyboard.press('End');
  await lab.keyboard.type('  # user note');
  await expect(cells.nth(0).locator('.cm-content')).toContainText(
    'value = 1  # user note'
  );

  const overwrite = await call(client, 'overwrite_cell_source', {
    cell_id: cell.id,
    cell_source: 'value = 2',
    expected_version: cell.version
  });
  expect(overwrite.isError).toBe(true);
  expect(textOf(overwrite)).toContain('changed since you read it');
  expect(textOf(overwrite)).toContain('value = 1  # user note');

  const edit = await call(client, 'edit_cell_source', {
    cell_id: cell.id,
    old_text: '1',
    new_text: '3',
    expected_version: cell.version
  });
  expect(edit.isError).toBe(true);

  // The user's text is still there, in the page and in the model.
  await expect(cells.nth(0).locator('.cm-content')).toContainText(
    'value = 1  # user note'
  );
  const read = await call(client, 'read_cell', { cell_id: cell.id });
  const fresh = read.structuredContent as { source: string; version: string };
  expect(fresh.source).toBe('value = 1  # user note');

  // With the fresh version the edit goes through, with a diff.
  const ok = await call(client, 'overwrite_cell_source', {
    cell_id: cell.id,
    cell_source: 'value = 2  # user note',
    expected_version: fresh.version
  });
  expect(ok.isError).toBeFalsy();
  expect(textOf(ok)).toContain('- value = 1  # user note');
  expect(textOf(ok)).toContain('+ value = 2  # user note');
  await expect(cells.nth(0).locator('.cm-content')).toContainText(
    'value = 2  # user note'
  );
  expect(
    [(await savedNotebook(lab, env, name)).cells[0].source].flat().join('')
  ).toBe('value = 2  # user note');
});

test('edit_cell_source replaces exactly, once or all, and refuses ambiguity', async ({
  lab,
  env,
  mcp: client
}) => {
  const name = 'edit.ipynb';
  const [cell] = await freshNotebook(client, name, [
    'a = 1\nb = 1\nprint(a + b)'
  ]);

  const ambiguous = await call(client, 'edit_cell_source', {
    cell_id: cell.id,
    old_text: '= 1',
    new_text: '= 5'
  });
  expect(ambiguous.isError).toBe(true);
  expect(textOf(ambiguous)).toContain('occurs 2 times');

  const missing = await call(client, 'edit_cell_source', {
    cell_id: cell.id,
    old_text: 'zzz',
    new_text: 'y'
  });
  expect(missing.isError).toBe(true);
  expect(textOf(missing)).toContain('was not found');

  const one = await call(client, 'edit_cell_source', {
    cell_id: cell.id,
    old_text: 'b = 1',
    new_text: 'b = 2'
  });
  expect(one.structuredContent).toMatchObject({ replacements: 1 });
  expect(textOf(one)).toContain('+ b = 2');

  const all = await call(client, 'edit_cell_source', {
    cell_id: cell.id,
    old_text: 'a',
    new_text: 'x',
    replace_all: true
  });
  expect(all.structuredContent).toMatchObject({ replacements: 2 });
  const cells = await notebookCells(lab, name);
  await expect(cells.nth(0).locator('.cm-content')).toContainText(
    'print(x + b)'
  );
  expect(
    [(await savedNotebook(lab, env, name)).cells[0].source].flat().join('')
  ).toBe('x = 1\nb = 2\nprint(x + b)');
});

test('move, clear outputs, change type; every result names index and id', async ({
  lab,
  env,
  mcp: client
}) => {
  const name = 'arrange.ipynb';
  const [first, second, third] = await freshNotebook(client, name, [
    'print("one")',
    'print("two")',
    '# heading'
  ]);

  const moved = await call(client, 'move_cell', {
    cell_id: third.id,
    to_index: 0
  });
  expect(moved.structuredContent).toMatchObject({
    id: third.id,
    from_index: 2,
    index: 0
  });
  const cells = await notebookCells(lab, name);
  await expect(cells.nth(0).locator('.cm-content')).toContainText('# heading');
  expect(
    (await savedNotebook(lab, env, name)).cells.map(cell => cell.id)
  ).toEqual([third.id, first.id, second.id]);

  const badMove = await call(client, 'move_cell', {
    cell_id: third.id,
    to_index: 9
  });
  expect(badMove.isError).toBe(true);
  expect(textOf(badMove)).toContain('valid indexes are 0 to 2');

  const typed = await call(client, 'change_cell_type', {
    cell_index: 0,
    cell_type: 'markdown'
  });
  expect(typed.structuredContent).toMatchObject({
    index: 0,
    id: third.id,
    cell_type: 'markdown'
  });
  await expect(cells.nth(0)).toHaveClass(/jp-MarkdownCell/);
  expect((await savedNotebook(lab, env, name)).cells[0]).toMatchObject({
    id: third.id,
    cell_type: 'markdown'
  });

  await call(client, 'execute_cell', { cell_id: first.id });
  await call(client, 'execute_cell', { cell_id: second.id });
  await expect(cells.nth(1).locator('.jp-OutputArea-output')).toContainText(
    'one'
  );

  const clearOne = await call(client, 'clear_cell_output', {
    cell_id: first.id
  });
  expect(clearOne.structuredContent).toMatchObject({ cleared: 1 });
  await expect(cells.nth(1).locator('.jp-OutputArea-output')).toHaveCount(0);
  await expect(cells.nth(2).locator('.jp-OutputArea-output')).toContainText(
    'two'
  );

  const clearAll = await call(client, 'clear_cell_output', { all: true });
  expect(clearAll.structuredContent).toMatchObject({ cleared: 1 });
  await expect(cells.nth(2).locator('.jp-OutputArea-output')).toHaveCount(0);
  const saved = await savedNotebook(lab, env, name);
  expect(saved.cells[1].outputs).toEqual([]);
  expect(saved.cells[2].outputs).toEqual([]);
  expect(saved.cells[2].execution_count).toBeNull();
});

test('agent edits are steps on the undo stacks', async ({
  lab,
  env,
  mcp: client
}) => {
  const name = 'undo.ipynb';
  const [cell] = await freshNotebook(client, name, ['x = 1']);
  await call(client, 'insert_cell', {
    cell_index: -1,
    cell_type: 'code',
    cell_source: 'y = 2'
  });
  await call(client, 'overwrite_cell_source', {
    cell_id: cell.id,
    cell_source: 'x = 100'
  });
  const cells = await notebookCells(lab, name);
  await expect(cells).toHaveCount(2);

  // Undo the overwrite on the cell's stack, then the insertion on the notebook's.
  const after = await lab.evaluate(n => {
    type Shared = { undo(): void; getSource(): string; cells: Shared[] };
    const app = (
      window as unknown as {
        jupyterapp: {
          shell: {
            widgets(area: string): Iterable<{
              title: { label: string };
              context?: { model: { sharedModel: Shared } };
            }>;
          };
        };
      }
    ).jupyterapp;
    for (const widget of app.shell.widgets('main')) {
      if (widget.title.label === n && widget.context) {
        const notebook = widget.context.model.sharedModel;
        notebook.cells[0].undo();
        const source = notebook.cells[0].getSource();
        notebook.undo();
        return { source, count: notebook.cells.length };
      }
    }
    return null;
  }, name);
  expect(after).toEqual({ source: 'x = 1', count: 1 });
  await expect(cells).toHaveCount(1);
  await expect(cells.nth(0).locator('.cm-content')).toContainText('x = 1');
});
