/**
 * list_commands and execute_command: JupyterLab's command registry, the
 * allowlist, and commands acting on the live notebook (page and disk).
 */

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Page } from '@playwright/test';

import { call, connectHttp, expect, test, textOf } from '../fixtures';
import { frontPath, panelId, stream, writeNotebook } from '../page-helpers';

interface ICommandInfo {
  id: string;
  label: string;
  caption: string;
  enabled: boolean;
  allowed: boolean;
  args_schema?: { type?: string };
}

/** Rendered outputs of the notebook tab showing `path`. */
async function outputs(page: Page, path: string) {
  const id = await panelId(page, path);
  expect(id).not.toBe('');
  return page.locator(
    `[id="${id}"] .jp-Notebook .jp-Cell .jp-OutputArea-output`
  );
}

test.describe('JupyterLab commands', () => {
  let client: Client;

  test.beforeEach(async ({ env, lab }) => {
    expect(lab).toBeTruthy();
    client = (await connectHttp(env)).client;
  });

  test.afterEach(async () => {
    await client?.close();
  });

  test('list_commands describes commands and marks the allowed ones', async ({
    lab
  }) => {
    const listed = await call(client, 'list_commands', { query: 'run-all' });
    expect(listed.isError).toBeFalsy();
    const data = listed.structuredContent as {
      total: number;
      commands: ICommandInfo[];
    };
    const runAll = data.commands.find(
      command => command.id === 'notebook:run-all-cells'
    );
    const pageLabel = await lab.evaluate(() =>
      (
        window as unknown as {
          jupyterapp: { commands: { label(id: string): string } };
        }
      ).jupyterapp.commands.label('notebook:run-all-cells')
    );
    expect(pageLabel).toBe('Run All Cells');
    expect(runAll).toMatchObject({ label: pageLabel, allowed: true });
    expect(runAll?.args_schema?.type).toBe('object');
    const restartRunAll = data.commands.find(
      command => command.id === 'notebook:restart-run-all'
    );
    expect(restartRunAll).toMatchObject({ allowed: false });
    expect(
      data.commands.every(command =>
        /run-all/i.test(`${command.id} ${command.label} ${command.caption}`)
      )
    ).toBe(true);
    expect(textOf(listed)).toContain('notebook:run-all-cells');

    const allowed = await call(client, 'list_commands', {
      allowed_only: true,
      limit: 0
    });
    const allowedIds = (
      allowed.structuredContent as { commands: ICommandInfo[] }
    ).commands.map(c => c.id);
    expect(allowedIds).toEqual(
      expect.arrayContaining([
        'notebook:clear-all-cell-outputs',
        'docmanager:save'
      ])
    );
    expect(allowedIds).not.toContain('notebook:delete-cell');
    expect(
      (
        allowed.structuredContent as { commands: ICommandInfo[] }
      ).commands.every(c => c.allowed)
    ).toBe(true);

    // Paging.
    const first = await call(client, 'list_commands', {
      query: 'notebook:',
      limit: 2
    });
    const firstData = first.structuredContent as {
      total: number;
      commands: ICommandInfo[];
    };
    expect(firstData.commands).toHaveLength(2);
    expect(firstData.total).toBeGreaterThan(20);
    expect(textOf(first)).toContain('start_index=2');
    const second = await call(client, 'list_commands', {
      query: 'notebook:',
      start_index: 2,
      limit: 2
    });
    const secondIds = (
      second.structuredContent as { commands: ICommandInfo[] }
    ).commands.map(c => c.id);
    expect(secondIds).toHaveLength(2);
    expect(secondIds).not.toContain(firstData.commands[0].id);
    const pageCount = await lab.evaluate(
      () =>
        (
          window as unknown as {
            jupyterapp: { commands: { listCommands(): string[] } };
          }
        ).jupyterapp.commands
          .listCommands()
          .filter(id => id.toLowerCase().includes('notebook:')).length
    );
    expect(firstData.total).toBe(pageCount);

    const badLimit = await call(client, 'list_commands', { limit: -1 });
    expect(badLimit.isError).toBe(true);
    expect(textOf(badLimit)).toContain('"limit"');
  });

  test('execute_command runs an allowed command in the page, and docmanager:save saves', async ({
    lab,
    env
  }) => {
    writeNotebook(env, 'clear.ipynb', [
      {
        id: 'a1',
        type: 'code',
        source: 'print("one")',
        outputs: [stream('one\n')]
      },
      {
        id: 'a2',
        type: 'code',
        source: 'print("two")',
        outputs: [stream('two\n')]
      }
    ]);
    writeNotebook(env, 'background.ipynb', [
      {
        id: 'b1',
        type: 'code',
        source: 'print("bg")',
        outputs: [stream('bg\n')]
      }
    ]);
    await call(client, 'use_notebook', { notebook_path: 'background.ipynb' });
    const used = await call(client, 'use_notebook', {
      notebook_path: 'clear.ipynb',
      activate: true
    });
    expect(used.isError).toBeFalsy();
    await expect.poll(() => frontPath(lab)).toBe('clear.ipynb');
    const clearOutputs = await outputs(lab, 'clear.ipynb');
    const backgroundOutputs = await outputs(lab, 'background.ipynb');
    await expect(clearOutputs).toHaveCount(2);

    // The command acts on the notebook in front.
    const cleared = await call(client, 'execute_command', {
      command_id: 'notebook:clear-all-cell-outputs'
    });
    expect(cleared.isError).toBeFalsy();
    expect(cleared.structuredContent).toMatchObject({
      command_id: 'notebook:clear-all-cell-outputs',
      label: 'Clear Outputs of All Cells',
      status: 'done'
    });
    await expect(clearOutputs).toHaveCount(0);
    await expect(backgroundOutputs).toHaveCount(1);
    // Not saved yet: the file still has its outputs.
    expect(
      env.readNotebook('clear.ipynb').cells.map(cell => cell.outputs?.length)
    ).toEqual([1, 1]);

    const saved = await call(client, 'execute_command', {
      command_id: 'docmanager:save'
    });
    expect(saved.isError).toBeFalsy();
    expect(saved.structuredContent).toMatchObject({ status: 'done' });
    await expect
      .poll(() =>
        env.readNotebook('clear.ipynb').cells.map(cell => cell.outputs?.length)
      )
      .toEqual([0, 0]);
    expect(env.readNotebook('clear.ipynb').cells.map(cell => cell.id)).toEqual([
      'a1',
      'a2'
    ]);

    // With notebook_path, a notebook in the background, without taking focus.
    const background = await call(client, 'execute_command', {
      command_id: 'notebook:clear-all-cell-outputs',
      notebook_path: 'background.ipynb'
    });
    expect(background.isError).toBeFalsy();
    expect(background.structuredContent).toMatchObject({
      notebook_path: 'background.ipynb',
      args: {
        activate: false,
        semanticWidget: await panelId(lab, 'background.ipynb')
      },
      status: 'done'
    });
    await expect(backgroundOutputs).toHaveCount(0);
    expect(await frontPath(lab)).toBe('clear.ipynb');
  });

  test('refuses commands outside the allowlist and bad input, changing nothing', async ({
    lab,
    env
  }) => {
    writeNotebook(env, 'keep.ipynb', [
      { id: 'k1', type: 'code', source: 'x = 1' },
      { id: 'k2', type: 'code', source: 'y = 2' }
    ]);
    await call(client, 'use_notebook', {
      notebook_path: 'keep.ipynb',
      activate: true
    });
    await expect.poll(() => frontPath(lab)).toBe('keep.ipynb');
    const id = await panelId(lab, 'keep.ipynb');
    const cellList = lab.locator(`[id="${id}"] .jp-Notebook .jp-Cell`);
    await expect(cellList).toHaveCount(2);
    const before = JSON.stringify(env.readNotebook('keep.ipynb'));

    const refused = await call(client, 'execute_command', {
      command_id: 'notebook:delete-cell'
    });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain(
      '"command_id" "notebook:delete-cell" is not allowed'
    );
    expect(textOf(refused)).toContain('"allowedCommands" setting');

    const unknown = await call(client, 'execute_command', {
      command_id: 'no-such:command'
    });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toContain(
      '"command_id" "no-such:command" is not a JupyterLab command'
    );
    expect(textOf(unknown)).toContain('list_commands');

    const badTimeout = await call(client, 'execute_command', {
      command_id: 'notebook:run-all-cells',
      timeout_seconds: 99999
    });
    expect(badTimeout.isError).toBe(true);
    expect(textOf(badTimeout)).toContain(
      '"timeout_seconds" 99999 is above the maximum of 3600'
    );

    const badArgs = await call(client, 'execute_command', {
      command_id: 'docmanager:save',
      args: 'now'
    });
    expect(badArgs.isError).toBe(true);
    expect(textOf(badArgs)).toContain('"args"');

    const badPath = await call(client, 'execute_command', {
      command_id: 'notebook:run-all-cells',
      notebook_path: '../outside.ipynb'
    });
    expect(badPath.isError).toBe(true);
    expect(textOf(badPath)).toContain('may not contain ".."');

    // Nothing changed: no cell deleted, nothing ran, nothing saved.
    await expect(cellList).toHaveCount(2);
    await expect(cellList.locator('.jp-InputPrompt').first()).not.toContainText(
      '[1]'
    );
    expect(JSON.stringify(env.readNotebook('keep.ipynb'))).toBe(before);
  });
});
