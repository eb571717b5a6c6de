/**
 * An MCP client edits and runs the notebook the user sees, over both
 * client transports: tool results, the page, and the file on disk.
 */

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';

import {
  call,
  connectHttp,
  connectStdio,
  disconnect,
  expect,
  notebookCells,
  savedNotebook,
  test,
  textOf
} from '../fixtures';

/** A 2x2 red PNG. */
const PNG_B64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==';

const EXPECTED_TOOLS = [
  'list_notebooks',
  'use_notebook',
  'unuse_notebook',
  'read_notebook',
  'read_cell',
  'insert_cell',
  'overwrite_cell_source',
  'edit_cell_source',
  'delete_cell',
  'move_cell',
  'clear_cell_output',
  'change_cell_type',
  'execute_cell',
  'insert_execute_code_cell',
  'get_execution_result',
  'send_input',
  'execute_code',
  'notebook_run-all-cells'
];

for (const transport of ['http', 'stdio'] as const) {
  test.describe(`over ${transport}`, () => {
    let client: Client;

    test.beforeEach(async ({ env, lab }) => {
      expect(lab).toBeTruthy();
      client =
        transport === 'http'
          ? (await connectHttp(env)).client
          : await connectStdio(env);
    });

    test.afterEach(async () => {
      await disconnect(client);
    });

    test('lists the tools with schemas and annotations', async ({ lab }) => {
      expect(lab).toBeTruthy();
      const { tools } = await client.listTools();
      expect(tools.map(tool => tool.name)).toEqual(
        expect.arrayContaining(EXPECTED_TOOLS)
      );
      expect(tools.map(tool => tool.name)).not.toContain('run_all_cells');
      for (const tool of tools) {
        expect(tool.title?.length ?? 0).toBeGreaterThan(3);
        expect(tool.description?.length ?? 0).toBeGreaterThan(40);
        expect(tool.inputSchema.type).toBe('object');
        expect(tool.outputSchema?.type).toBe('object');
        expect(typeof tool.annotations?.readOnlyHint).toBe('boolean');
        expect(typeof tool.annotations?.destructiveHint).toBe('boolean');
        expect(typeof tool.annotations?.idempotentHint).toBe('boolean');
        expect(typeof tool.annotations?.openWorldHint).toBe('boolean');
      }
      const read = tools.find(tool => tool.name === 'read_notebook');
      expect(read?.annotations?.readOnlyHint).toBe(true);
      const del = tools.find(tool => tool.name === 'delete_cell');
      expect(del?.annotations?.destructiveHint).toBe(true);
    });

    test('creates, edits and runs a notebook the user sees, and saves it', async ({
      lab,
      env
    }) => {
      const name = `demo-${transport}.ipynb`;
      const userTab = await lab.evaluate(() => {
        const app = (
          window as unknown as {
            jupyterapp: {
              shell: { currentWidget: { title: { label: string } } | null };
            };
          }
        ).jupyterapp;
        return app.shell.currentWidget?.title.label ?? null;
      });

      // Open (create) the notebook: a tab appears, the user keeps focus.
      const used = await call(client, 'use_notebook', { notebook_path: name });
      expect(used.isError).toBeFalsy();
      // JupyterLab keeps one blank cell in a new notebook.
      expect(used.structuredContent).toMatchObject({
        path: name,
        created: true,
        cell_count: 1
      });
      await expect(
        lab.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: name })
      ).toBeVisible();
      const current = await lab.evaluate(() => {
        const app = (
          window as unknown as {
            jupyterapp: {
              shell: { currentWidget: { title: { label: string } } | null };
            };
          }
        ).jupyterapp;
        return app.shell.currentWidget?.title.label ?? null;
      });
      expect(current).toBe(userTab);

      const listed = await call(client, 'list_notebooks');
      const notebooks = (
        listed.structuredContent as {
          notebooks: {
            path: string;
            in_use_by_this_session: boolean;
            kernel: { name: string } | null;
          }[];
        }
      ).notebooks;
      const mine = notebooks.find(nb => nb.path === name);
      expect(mine?.in_use_by_this_session).toBe(true);
      expect(mine?.kernel?.name).toBe('python3');

      // Insert cells.
      const printCell = await call(client, 'insert_cell', {
        cell_index: -1,
        cell_type: 'code',
        cell_source: 'print("hello from " + "mcp")'
      });
      expect(printCell.isError).toBeFalsy();
      const printId = (printCell.structuredContent as { id: string }).id;
      expect(printId).toMatch(/\S+/);
      expect(printCell.structuredContent).toMatchObject({
        index: 0,
        total_cells: 1,
        filled_blank_cell: true
      });
      await call(client, 'insert_cell', {
        cell_index: 0,
        cell_type: 'markdown',
        cell_source: '# Title'
      });
      await call(client, 'insert_cell', {
        cell_index: -1,
        cell_type: 'code',
        cell_source: '1/0'
      });
      await call(client, 'insert_cell', {
        cell_index: -1,
        cell_type: 'code',
        cell_source: `from IPython.display import Image, display\nimport base64\ndisplay(Image(data=base64.b64decode("${PNG_B64}")))`
      });
      const cellList = await notebookCells(lab, name);
      await expect(cellList).toHaveCount(4);
      await expect(cellList.nth(0)).toContainText('Title');

      // Run the print cell by id: result, page, disk.
      const run = await call(client, 'execute_cell', { cell_id: printId });
      expect(run.isError).toBeFalsy();
      expect(textOf(run)).toContain('hello from mcp');
      expect(run.structuredContent).toMatchObject({
        index: 1,
        id: printId,
        state: 'ok',
        execution_count: 1
      });
      await expect(
        cellList.nth(1).locator('.jp-OutputArea-output')
      ).toContainText('hello from mcp');
      await expect(cellList.nth(1).locator('.jp-InputPrompt')).toContainText(
        '[1]'
      );

      // An error: "Name: message" and a traceback without ANSI codes.
      const failed = await call(client, 'execute_cell', { cell_index: 2 });
      expect(failed.isError).toBeFalsy();
      expect(failed.structuredContent).toMatchObject({ state: 'error' });
      const failedText = textOf(failed);
      expect(failedText).toContain('ZeroDivisionError: division by zero');
      expect(failedText).toContain('1/0');
      expect(failedText).not.toContain('\u001b[');
      await expect(
        cellList.nth(2).locator('.jp-OutputArea-output')
      ).toContainText('ZeroDivisionError');

      // An image comes back as image content.
      const image = await call(client, 'execute_cell', { cell_index: 3 });
      const imageBlock = image.content.find(block => block.type === 'image');
      expect(imageBlock).toMatchObject({
        type: 'image',
        mimeType: 'image/png',
        data: PNG_B64
      });
      // Rendered in the agent's background tab: attached, not visible.
      await expect(
        cellList.nth(3).locator('.jp-OutputArea-output img')
      ).toBeAttached();

      // Read back.
      const read = await call(client, 'read_notebook', {});
      const readCells = (
        read.structuredContent as {
          cells: {
            index: number;
            id: string;
            type: string;
            execution_count: number | null;
            source: string;
          }[];
        }
      ).cells;
      expect(readCells.map(cell => cell.type)).toEqual([
        'markdown',
        'code',
        'code',
        'code'
      ]);
      expect(readCells[1]).toMatchObject({ id: printId, execution_count: 1 });
      const readCell = await call(client, 'read_cell', { cell_index: 3 });
      expect(readCell.content.some(block => block.type === 'image')).toBe(true);
      const readPrint = await call(client, 'read_cell', { cell_id: printId });
      expect(textOf(readPrint)).toContain('hello from mcp');

      // Overwrite shows in the editor.
      const overwrite = await call(client, 'overwrite_cell_source', {
        cell_id: printId,
        cell_source: 'print("rewritten")'
      });
      expect(overwrite.isError).toBeFalsy();
      await expect(cellList.nth(1).locator('.cm-content')).toContainText(
        'print("rewritten")'
      );

      // Delete the error cell.
      const deleted = await call(client, 'delete_cell', { cell_indices: [2] });
      expect(deleted.structuredContent).toMatchObject({ total_cells: 3 });
      await expect(cellList).toHaveCount(3);

      // Saved on disk: valid nbformat with cells and outputs.
      const saved = await savedNotebook(lab, env, name);
      expect(saved.nbformat).toBe(4);
      expect(saved.metadata.kernelspec?.name).toBe('python3');
      expect(saved.cells.map(cell => cell.cell_type)).toEqual([
        'markdown',
        'code',
        'code'
      ]);
      const savedPrint = saved.cells[1];
      expect(savedPrint.id).toBe(printId);
      expect([savedPrint.source].flat().join('')).toBe('print("rewritten")');
      expect(savedPrint.execution_count).toBe(1);
      expect(JSON.stringify(savedPrint.outputs)).toContain('hello from mcp');
      expect(saved.cells[2].outputs?.[0].data?.['image/png']).toBeTruthy();
    });

    test('runs all cells through the JupyterLab command', async ({
      lab,
      env
    }) => {
      const name = `runall-${transport}.ipynb`;
      await call(client, 'use_notebook', { notebook_path: name });
      await call(client, 'insert_cell', {
        cell_index: -1,
        cell_type: 'code',
        cell_source: 'x = 20'
      });
      await call(client, 'insert_cell', {
        cell_index: -1,
        cell_type: 'code',
        cell_source: 'print(x * 2 + 2)'
      });
      const result = await call(client, 'notebook_run-all-cells', {});
      expect(result.isError).toBeFalsy();
      const data = result.structuredContent as {
        status: string;
        cells: { execution_count: number; outputs: string }[];
      };
      expect(data.status).toBe('ok');
      expect(data.cells.map(cell => cell.execution_count)).toEqual([1, 2]);
      expect(data.cells[1].outputs).toContain('42');
      const cellList = await notebookCells(lab, name);
      await expect(
        cellList.nth(1).locator('.jp-OutputArea-output')
      ).toContainText('42');
      const saved = await savedNotebook(lab, env, name);
      expect(JSON.stringify(saved.cells[1].outputs)).toContain('42');
    });

    test('bad input gets a clear error and changes nothing', async ({
      lab,
      env
    }) => {
      const name = `bad-${transport}.ipynb`;
      await call(client, 'use_notebook', { notebook_path: name });
      await call(client, 'insert_cell', {
        cell_index: -1,
        cell_type: 'code',
        cell_source: 'a = 1'
      });
      const before = JSON.stringify(await savedNotebook(lab, env, name));

      const outOfRange = await call(client, 'read_cell', { cell_index: 7 });
      expect(outOfRange.isError).toBe(true);
      expect(textOf(outOfRange)).toContain('"cell_index" 7 is out of range');
      expect(textOf(outOfRange)).toContain('valid indexes are 0 to 0');

      const badType = await call(client, 'insert_cell', {
        cell_index: 0,
        cell_type: 'python',
        cell_source: 'x'
      });
      expect(badType.isError).toBe(true);
      expect(textOf(badType)).toContain('"cell_type"');
      expect(textOf(badType)).toMatch(/code.*markdown.*raw/);

      const wrongKind = await call(client, 'insert_cell', {
        cell_index: 'zero',
        cell_type: 'code',
        cell_source: 'x'
      });
      expect(wrongKind.isError).toBe(true);
      expect(textOf(wrongKind)).toContain('"cell_index"');

      const badInsert = await call(client, 'insert_cell', {
        cell_index: 5,
        cell_type: 'code',
        cell_source: 'x'
      });
      expect(badInsert.isError).toBe(true);
      expect(textOf(badInsert)).toContain('use 0 to 1');

      const badDelete = await call(client, 'delete_cell', {
        cell_indices: [0, 9]
      });
      expect(badDelete.isError).toBe(true);
      expect(textOf(badDelete)).toContain('No cell was deleted');

      const unknownNotebook = await call(client, 'read_notebook', {
        notebook_path: 'missing.ipynb'
      });
      expect(unknownNotebook.isError).toBe(true);
      expect(textOf(unknownNotebook)).toContain(
        'No notebook at "missing.ipynb"'
      );

      const escape = await call(client, 'use_notebook', {
        notebook_path: '../outside.ipynb'
      });
      expect(escape.isError).toBe(true);
      expect(textOf(escape)).toContain('may not contain ".."');

      const badTimeout = await call(client, 'execute_cell', {
        cell_index: 0,
        timeout_seconds: 99999
      });
      expect(badTimeout.isError).toBe(true);
      expect(textOf(badTimeout)).toContain('above the maximum of 3600');

      const unknownTool = await call(client, 'no_such_tool', {});
      expect(unknownTool.isError).toBe(true);

      // Nothing changed: page and disk.
      const cellList = await notebookCells(lab, name);
      await expect(cellList).toHaveCount(1);
      expect(JSON.stringify(await savedNotebook(lab, env, name))).toBe(before);
    });
  });
}
