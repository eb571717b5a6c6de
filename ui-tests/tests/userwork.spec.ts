/**
 * The user's work is never lost or disturbed by an agent: a run the agent
 * did not start is never interrupted for it, saving obeys the settings, and
 * a file the user has open keeps what they type while an agent writes it.
 */

import type { Page } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { call, expect, setBridgeSettings, test, textOf } from '../fixtures';
import { panelId, writeNotebook } from '../page-helpers';

/**
 * Run the active cell of the notebook in front, as the user does (without
 * waiting for it to finish).
 */
async function userRunsActiveCell(page: Page): Promise<void> {
  await page.evaluate(() => {
    void (
      window as unknown as {
        jupyterapp: { commands: { execute(id: string): Promise<unknown> } };
      }
    ).jupyterapp.commands.execute('notebook:run-cell');
  });
}

test('an agent never interrupts a run it did not start: its queued run and scratch code wait, the user cell ends normally', async ({
  lab,
  env,
  mcp
}) => {
  writeNotebook(env, 'busy.ipynb', [
    {
      id: 'user-cell',
      type: 'code',
      source: 'import time\ntime.sleep(8)\nprint("user done")'
    },
    { id: 'agent-cell', type: 'code', source: 'print("agent ran")' }
  ]);
  await call(mcp, 'use_notebook', {
    notebook_path: 'busy.ipynb',
    activate: true
  });
  const id = await panelId(lab, 'busy.ipynb');
  const prompts = lab.locator(`[id="${id}"] .jp-Cell .jp-InputPrompt`);
  await userRunsActiveCell(lab);
  await expect(prompts.first()).toContainText('*');

  // The agent's run waits behind the user's: at its timeout, even with
  // on_timeout "interrupt", nothing is interrupted.
  const queued = await call(mcp, 'execute_cell', {
    cell_id: 'agent-cell',
    timeout_seconds: 1,
    on_timeout: 'interrupt'
  });
  expect(queued.isError).toBeFalsy();
  expect(queued.structuredContent).toMatchObject({ state: 'queued' });
  expect(textOf(queued)).toContain('still queued');
  // Scratch code too.
  const scratch = await call(mcp, 'execute_code', {
    code: 'print("scratch")',
    timeout_seconds: 1
  });
  expect(scratch.structuredContent).toMatchObject({ state: 'queued' });
  expect(textOf(scratch)).toContain('left alone');

  // The user's cell ends as it would have, then the agent's runs.
  const userOutput = lab.locator(`[id="${id}"] .jp-Cell`).first();
  await expect(userOutput.locator('.jp-OutputArea-output')).toContainText(
    'user done',
    { timeout: 30_000 }
  );
  await expect(userOutput).not.toContainText('KeyboardInterrupt');
  const collected = await call(mcp, 'get_execution_result', {
    execution_id: (queued.structuredContent as { execution_id: string })
      .execution_id,
    timeout_seconds: 30
  });
  expect(collected.structuredContent).toMatchObject({ state: 'ok' });
  expect(textOf(collected)).toContain('agent ran');
});

test('running cells saves only when the settings say so', async ({
  lab,
  env,
  mcp
}) => {
  writeNotebook(env, 'unsaved.ipynb', [
    { id: 'c1', type: 'code', source: 'print("shown, not saved")' }
  ]);
  await setBridgeSettings(lab, { saveAfterEdit: false });
  try {
    await call(mcp, 'use_notebook', { notebook_path: 'unsaved.ipynb' });
    const run = await call(mcp, 'execute_cell', { cell_id: 'c1' });
    expect(textOf(run)).toContain('shown, not saved');
    const id = await panelId(lab, 'unsaved.ipynb');
    await expect(
      lab.locator(`[id="${id}"] .jp-Cell .jp-OutputArea-output`)
    ).toContainText('shown, not saved');
    const ran = await call(mcp, 'notebook_run-all-cells', {});
    expect(ran.isError).toBeFalsy();
    // Nothing was saved: the file on disk has no output, the page says so.
    expect(env.readNotebook('unsaved.ipynb').cells[0].outputs).toEqual([]);
    const listed = await call(mcp, 'list_notebooks', {});
    expect(JSON.stringify(listed.structuredContent)).toContain(
      '"unsaved_changes":true'
    );
  } finally {
    await setBridgeSettings(lab, {});
  }
});

test("terminal commands run in a terminal of the session's own, and a trailing comment does not hide their end", async ({
  lab,
  mcp
}) => {
  // The user has a terminal of their own.
  const userTerminal = await lab.evaluate(async () => {
    const app = (
      window as unknown as {
        jupyterapp: {
          commands: { execute(id: string): Promise<unknown> };
          serviceManager: {
            terminals: {
              refreshRunning(): Promise<void>;
              running(): Iterable<{ name: string }>;
            };
          };
        };
      }
    ).jupyterapp;
    await app.commands.execute('terminal:create-new');
    await app.serviceManager.terminals.refreshRunning();
    return [...app.serviceManager.terminals.running()].map(t => t.name);
  });
  expect(userTerminal).toHaveLength(1);

  const first = await call(mcp, 'run_terminal_command', {
    command: 'echo agent-here # says where it runs',
    timeout_seconds: 30
  });
  expect(first.isError, textOf(first)).toBeFalsy();
  expect(first.structuredContent).toMatchObject({
    state: 'completed',
    exit_code: 0
  });
  expect(textOf(first)).toContain('agent-here');
  const own = (first.structuredContent as { terminal_name: string })
    .terminal_name;
  expect(own).not.toBe(userTerminal[0]);

  const second = await call(mcp, 'run_terminal_command', {
    command: "printf 'it''s %s\\n' fine",
    timeout_seconds: 30
  });
  expect(second.structuredContent).toMatchObject({
    terminal_name: own,
    state: 'completed',
    exit_code: 0
  });
  expect(textOf(second)).toContain('its fine');
  const listed = await call(mcp, 'list_terminals', {});
  expect(
    (listed.structuredContent as { terminals: { name: string }[] }).terminals
      .map(t => t.name)
      .sort()
  ).toEqual([userTerminal[0], own].sort());
  await call(mcp, 'close_terminal', { terminal_name: own });
  await call(mcp, 'close_terminal', { terminal_name: userTerminal[0] });
});

test("insert_cell keeps the blank cell the user's cursor is in", async ({
  lab,
  mcp
}) => {
  const used = await call(mcp, 'use_notebook', {
    notebook_path: 'blank-start.ipynb',
    activate: true
  });
  expect(used.structuredContent).toMatchObject({ created: true });
  const id = await panelId(lab, 'blank-start.ipynb');
  const cells = lab.locator(`[id="${id}"] .jp-Notebook .jp-Cell`);
  await expect(cells).toHaveCount(1);
  // The user clicks into the blank cell to start typing.
  await cells.first().locator('.cm-content').click();
  await expect(cells.first().locator('.cm-editor')).toHaveClass(/cm-focused/);

  const inserted = await call(mcp, 'insert_cell', {
    cell_index: -1,
    cell_type: 'code',
    cell_source: 'from_agent = 1'
  });
  expect(inserted.structuredContent).toMatchObject({
    filled_blank_cell: false,
    index: 1,
    total_cells: 2
  });
  await expect(cells).toHaveCount(2);
  await expect(cells.first().locator('.cm-editor')).toHaveClass(/cm-focused/);
  await lab.keyboard.type('mine = 2');
  await expect(cells.first()).toContainText('mine = 2');
});

test('write_file over a file open in the editor keeps what the user types while it saves', async ({
  lab,
  env,
  mcp
}) => {
  writeFileSync(join(env.rootDir, 'typing.txt'), 'first line\n');
  await lab.evaluate(() =>
    (
      window as unknown as {
        jupyterapp: {
          commands: { execute(id: string, args: unknown): Promise<unknown> };
        };
      }
    ).jupyterapp.commands
      .execute('docmanager:open', { path: 'typing.txt' })
      .then(() => undefined)
  );
  const editor = lab.locator('.jp-FileEditor .cm-content');
  await expect(editor).toContainText('first line');
  await editor.click();

  // Hold the save of the file until the user has typed.
  let release = (): void => undefined;
  const held = new Promise<void>(resolve => (release = resolve));
  let putSeen = (): void => undefined;
  const saving = new Promise<void>(resolve => (putSeen = resolve));
  await lab.route('**/api/contents/typing.txt*', async route => {
    if (route.request().method() === 'PUT') {
      putSeen();
      await held;
    }
    await route.continue();
  });
  const writing = call(mcp, 'write_file', {
    path: 'typing.txt',
    content: 'from the agent\n'
  });
  await saving;
  await lab.keyboard.type('typed by the user');
  release();
  const written = await writing;
  expect(written.isError, textOf(written)).toBeFalsy();
  await lab.unroute('**/api/contents/typing.txt*');

  // The agent's text is on disk; the page shows it with what the user
  // typed, kept as their unsaved change.
  expect(readFileSync(join(env.rootDir, 'typing.txt'), 'utf-8')).toBe(
    'from the agent\n'
  );
  await expect(editor).toContainText('from the agent');
  await expect(editor).toContainText('typed by the user');
  await expect(
    lab.locator('.lm-TabBar-tab.jp-mod-dirty', { hasText: 'typing.txt' })
  ).toHaveCount(1);
});

test('inspect_variables behind the user’s running cell gives up saying so, and interrupts nothing', async ({
  lab,
  env,
  mcp
}) => {
  test.setTimeout(150_000);
  writeNotebook(env, 'inspect-busy.ipynb', [
    {
      id: 'user-cell',
      type: 'code',
      source: 'import time\nmine = 1\ntime.sleep(40)\nprint("user done")'
    }
  ]);
  await call(mcp, 'use_notebook', {
    notebook_path: 'inspect-busy.ipynb',
    activate: true
  });
  const id = await panelId(lab, 'inspect-busy.ipynb');
  const cell = lab.locator(`[id="${id}"] .jp-Cell`).first();
  await userRunsActiveCell(lab);
  await expect(cell.locator('.jp-InputPrompt')).toContainText('*');
  const inspected = await call(mcp, 'inspect_variables', {});
  expect(inspected.isError).toBe(true);
  expect(textOf(inspected)).toContain('did not answer the variable inspection');
  expect(textOf(inspected)).toContain('Nothing was interrupted');
  await expect(cell.locator('.jp-OutputArea-output')).toContainText(
    'user done',
    { timeout: 60_000 }
  );
  await expect(cell).not.toContainText('KeyboardInterrupt');
});

test.describe('a server that cannot tell what is there', () => {
  test.use({
    allowedConsoleErrors: [/status of 500 \(Internal Server Error\)/]
  });

  test('use_notebook never creates a notebook over a file it could not check', async ({
    lab,
    env,
    mcp
  }) => {
    writeNotebook(env, 'precious.ipynb', [
      { id: 'c0', type: 'code', source: 'precious = 1' }
    ]);
    const file = join(env.rootDir, 'precious.ipynb');
    const before = readFileSync(file, 'utf-8');
    // Every read of the contents service fails (writes go through).
    const failing = (url: URL): boolean =>
      url.pathname.includes('/api/contents');
    await lab.route(failing, route =>
      route.request().method() === 'GET'
        ? route.fulfill({ status: 500, body: 'the listing failed' })
        : route.continue()
    );
    const used = await call(mcp, 'use_notebook', {
      notebook_path: 'precious.ipynb'
    });
    await lab.unroute(failing);
    expect(used.isError).toBe(true);
    expect(textOf(used)).toContain('"precious.ipynb"');
    expect(readFileSync(file, 'utf-8')).toBe(before);
    await expect(
      lab.locator('.lm-TabBar-tab', { hasText: 'precious.ipynb' })
    ).toHaveCount(0);
  });
});
