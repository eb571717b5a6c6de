/**
 * get_active_context: the notebook, cell, selection and editor text the
 * user has in the page, as an agent reads them.
 */

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Page } from '@playwright/test';

import { call, connectHttp, expect, test, textOf } from '../fixtures';
import { frontPath, panelId, stream, writeNotebook } from '../page-helpers';

interface IContext {
  front_tab: { label: string; kind: string; path: string | null } | null;
  notebook: {
    path: string;
    in_front: boolean;
    mode: string;
    cell_count: number;
    active_cell: {
      index: number;
      id: string;
      type: string;
      source: string;
      version: string;
      outputs?: string;
    } | null;
    selected_cells: { index: number; id: string; type: string }[];
    editor: {
      has_focus: boolean;
      cursor: { line: number; column: number };
      selection: {
        start: { line: number; column: number };
        end: { line: number; column: number };
        text: string;
      } | null;
    } | null;
    in_use_by_this_session: boolean;
  } | null;
  session_notebook: string | null;
}

interface INotebookHandle {
  content: {
    activeCellIndex: number;
    deselectAll(): void;
    select(cell: unknown): void;
    widgets: readonly {
      editor: {
        setSelection(range: {
          start: { line: number; column: number };
          end: { line: number; column: number };
        }): void;
      } | null;
    }[];
  };
}

/** Act on the notebook panel `id` in the page. */
async function onNotebook(
  page: Page,
  id: string,
  action: string,
  index: number
): Promise<void> {
  await page.evaluate(
    ({ panel, what, at }) => {
      const app = (
        window as unknown as {
          jupyterapp: {
            shell: { widgets(area: string): Iterable<{ id: string }> };
          };
        }
      ).jupyterapp;
      let found: INotebookHandle | null = null;
      for (const widget of app.shell.widgets('main')) {
        if (widget.id === panel) {
          found = widget as unknown as INotebookHandle;
        }
      }
      if (!found) {
        throw new Error(`no panel ${panel}`);
      }
      const notebook = found.content;
      if (what === 'activate') {
        notebook.activeCellIndex = at;
        notebook.deselectAll();
      } else if (what === 'select') {
        notebook.select(notebook.widgets[at]);
      } else {
        notebook.widgets[notebook.activeCellIndex].editor?.setSelection({
          start: { line: 1, column: 0 },
          end: { line: 1, column: at }
        });
      }
    },
    { panel: id, what: action, at: index }
  );
}

async function context(client: Client): Promise<IContext> {
  const result = await call(client, 'get_active_context');
  expect(result.isError).toBeFalsy();
  return result.structuredContent as unknown as IContext;
}

test.describe("the user's context", () => {
  let client: Client;

  test.beforeEach(async ({ env, lab }) => {
    expect(lab).toBeTruthy();
    client = (await connectHttp(env)).client;
  });

  test.afterEach(async () => {
    await client?.close();
  });

  test('get_active_context returns the cell, selection and text the user has', async ({
    lab,
    env
  }) => {
    // No notebook open yet: the launcher is in front.
    const empty = await context(client);
    expect(empty.notebook).toBeNull();
    expect(empty.session_notebook).toBeNull();

    writeNotebook(env, 'ctx.ipynb', [
      { id: 'm0', type: 'markdown', source: '# Heading' },
      { id: 'c1', type: 'code', source: 'alpha = 1\nbeta = 2' },
      {
        id: 'c2',
        type: 'code',
        source: 'print(alpha + beta)',
        outputs: [stream('3\n')]
      }
    ]);
    await call(client, 'use_notebook', {
      notebook_path: 'ctx.ipynb',
      activate: true
    });
    await expect.poll(() => frontPath(lab)).toBe('ctx.ipynb');
    const id = await panelId(lab, 'ctx.ipynb');
    const cellList = lab.locator(`[id="${id}"] .jp-Notebook .jp-Cell`);
    await expect(cellList).toHaveCount(3);

    // The user clicks the last cell's prompt.
    await cellList.nth(2).locator('.jp-InputPrompt').click();
    await expect(cellList.nth(2)).toHaveClass(/jp-mod-active/);
    const clicked = await context(client);
    expect(clicked.front_tab).toMatchObject({
      kind: 'notebook',
      path: 'ctx.ipynb',
      label: 'ctx.ipynb'
    });
    expect(clicked.session_notebook).toBe('ctx.ipynb');
    expect(clicked.notebook).toMatchObject({
      path: 'ctx.ipynb',
      in_front: true,
      mode: 'command',
      cell_count: 3,
      in_use_by_this_session: true,
      active_cell: {
        index: 2,
        id: 'c2',
        type: 'code',
        source: 'print(alpha + beta)'
      },
      selected_cells: [{ index: 2, id: 'c2', type: 'code' }]
    });
    expect(clicked.notebook?.active_cell?.outputs).toContain('3');
    const read = await call(client, 'read_cell', { cell_id: 'c2' });
    expect(clicked.notebook?.active_cell?.version).toBe(
      (read.structuredContent as { version: string }).version
    );
    expect(textOf(await call(client, 'get_active_context'))).toContain(
      'on cell 2 (id c2, code)'
    );

    // The active cell moves to 1, cell 2 is selected too, and "beta" is selected in the editor.
    await onNotebook(lab, id, 'activate', 1);
    await onNotebook(lab, id, 'select', 2);
    await onNotebook(lab, id, 'text', 4);
    await expect(cellList.nth(1)).toHaveClass(/jp-mod-active/);
    await expect(cellList.nth(2)).toHaveClass(/jp-mod-selected/);
    await expect(cellList.nth(0)).not.toHaveClass(
      /jp-mod-selected|jp-mod-active/
    );
    const selected = await context(client);
    expect(selected.notebook?.active_cell).toMatchObject({
      index: 1,
      id: 'c1',
      source: 'alpha = 1\nbeta = 2'
    });
    expect(selected.notebook?.selected_cells.map(cell => cell.id)).toEqual([
      'c1',
      'c2'
    ]);
    expect(selected.notebook?.editor?.selection).toEqual({
      start: { line: 1, column: 0 },
      end: { line: 1, column: 4 },
      text: 'beta'
    });
    expect(selected.notebook?.editor?.cursor).toEqual({ line: 1, column: 4 });

    // The user types in the cell: edit mode, editor focused.
    await cellList.nth(1).locator('.cm-content').click();
    await expect(cellList.nth(1)).toHaveClass(/jp-mod-active/);
    await expect
      .poll(async () => (await context(client)).notebook?.mode)
      .toBe('edit');
    const editing = await context(client);
    expect(editing.notebook?.editor?.has_focus).toBe(true);
    expect(editing.notebook?.active_cell?.id).toBe('c1');

    // Another kind of tab in front: the notebook is reported as the last one used.
    await lab.evaluate(async () => {
      await (
        window as unknown as {
          jupyterapp: { commands: { execute(id: string): Promise<unknown> } };
        }
      ).jupyterapp.commands.execute('launcher:create');
    });
    await expect.poll(() => frontPath(lab)).not.toBe('ctx.ipynb');
    const away = await context(client);
    expect(away.front_tab).toMatchObject({ kind: 'other', path: null });
    expect(away.notebook).toMatchObject({
      path: 'ctx.ipynb',
      in_front: false,
      active_cell: { id: 'c1' }
    });
    expect(textOf(await call(client, 'get_active_context'))).toContain(
      'was last in "ctx.ipynb"'
    );

    // Reading the context changed nothing in the page.
    await expect(cellList.nth(1)).toHaveClass(/jp-mod-active/);
    expect(env.readNotebook('ctx.ipynb').cells.map(cell => cell.id)).toEqual([
      'm0',
      'c1',
      'c2'
    ]);
  });
});
