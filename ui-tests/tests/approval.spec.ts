/**
 * The user stays in charge: calls under "ask" wait for the approval dialog,
 * denials and timeouts change nothing, and denied categories leave the tool
 * list (with list_changed to the client). These specs use the schema's
 * default policy (files, terminal, kernel and commands ask).
 */

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ToolListChangedNotificationSchema,
  type CallToolResult
} from '@modelcontextprotocol/sdk/types.js';
import type { Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  call,
  expect,
  notebookCells,
  setBridgeSettings,
  test,
  textOf
} from '../fixtures';
import { writeNotebook } from '../page-helpers';

test.use({
  bridgeDefaults: {},
  // Writing a new file probes it first through the contents service
  // (FileWorkspace.stat, and the approval preview), which answers 404 and
  // Chromium logs each one. Nothing else may fail.
  allowedConsoleErrors: [
    /^Failed to load resource: the server responded with a status of 404/
  ]
});

/**
 * Call a tool with a progress token; the progress messages land in
 * `progress`.
 */
function callWithProgress(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  progress: string[]
): Promise<CallToolResult> {
  return client.callTool({ name, arguments: args }, undefined, {
    onprogress: p => progress.push(p.message ?? ''),
    timeout: 110_000
  }) as Promise<CallToolResult>;
}

function dialogOf(page: Page) {
  return page.locator('.jp-McpBridge-approvalDialog');
}

test.afterEach(async ({ lab }) => {
  await setBridgeSettings(lab, {});
});

test('a call under ask waits for the dialog; Allow once runs it, Allow for this session runs the next ones without asking', async ({
  lab,
  env,
  mcp
}) => {
  const status = lab.locator('.jp-McpBridge-status');
  const file = join(env.rootDir, 'approved.py');
  const content = 'import os\n\nprint("hello from the agent")\n';
  const progress: string[] = [];
  const first = callWithProgress(
    mcp,
    'write_file',
    { path: 'approved.py', content },
    progress
  );

  const dialog = dialogOf(lab);
  await expect(dialog).toBeVisible();
  await expect(dialog).toHaveAttribute('data-tool', 'write_file');
  await expect(dialog.locator('.jp-Dialog-header')).toContainText(
    'e2e-http 1.0.0 wants to run write_file'
  );
  await expect(dialog.locator('.jp-McpBridge-approvalClient')).toContainText(
    'http'
  );
  // The file's content in full, as written: a new file is all added lines.
  const added = await dialog
    .locator('.jp-McpBridge-diffAdded')
    .allTextContents();
  expect(added.map(line => line.slice(2)).join('')).toBe(content);
  await expect(dialog.locator('.jp-McpBridge-approvalTarget')).toHaveText(
    'File: approved.py'
  );
  await expect(status).toHaveAttribute('data-pending', '1');
  // The client hears that the call waits, so it does not give up.
  await expect
    .poll(() => progress.join('\n'))
    .toContain('Waiting for the user to approve write_file');
  expect(existsSync(file)).toBe(false);

  await dialog.getByRole('button', { name: 'Allow once' }).click();
  const result = await first;
  expect(result.isError).toBeFalsy();
  expect(readFileSync(file, 'utf-8')).toBe(content);
  await expect(status).toHaveAttribute('data-pending', '0');

  // "Once" means once: the next call asks again.
  const second = mcp.callTool({
    name: 'write_file',
    arguments: { path: 'approved.py', content: 'x = 2\n' }
  });
  await expect(dialog).toBeVisible();
  // An edit of a file shows the change as a diff against what is there.
  const diff = dialog.locator('.jp-McpBridge-diff');
  await expect(diff.locator('.jp-McpBridge-diffRemoved')).toContainText([
    '- import os',
    '- print("hello from the agent")'
  ]);
  await expect(diff.locator('.jp-McpBridge-diffAdded')).toContainText([
    '+ x = 2'
  ]);
  await dialog.getByRole('button', { name: 'Allow for this session' }).click();
  expect(((await second) as CallToolResult).isError).toBeFalsy();
  expect(readFileSync(file, 'utf-8')).toBe('x = 2\n');

  // Allowed for the session: no dialog for the next call.
  const third = (await call(mcp, 'write_file', {
    path: 'approved.py',
    content: 'x = 3\n'
  })) as CallToolResult;
  expect(third.isError).toBeFalsy();
  expect(readFileSync(file, 'utf-8')).toBe('x = 3\n');
  await expect(dialog).toHaveCount(0);
});

test('an edit under ask shows the diff; Deny gives the agent the error and changes nothing in the page or on disk', async ({
  lab,
  env,
  mcp
}) => {
  const name = 'review.ipynb';
  writeNotebook(env, name, [
    { id: 'c0', type: 'code', source: 'a = 1\nb = 2\nc = a + b' }
  ]);
  await call(mcp, 'use_notebook', { notebook_path: name });
  const cells = await notebookCells(lab, name);
  const onDisk = readFileSync(join(env.rootDir, name), 'utf-8');

  // The user wants to review every edit.
  await setBridgeSettings(lab, { categoryPolicy: { edit: 'ask' } });
  const pending = call(mcp, 'overwrite_cell_source', {
    cell_index: 0,
    cell_source: 'a = 1\nb = 20\nc = a + b'
  });
  const dialog = dialogOf(lab);
  await expect(dialog).toHaveAttribute('data-tool', 'overwrite_cell_source');
  await expect(dialog.locator('.jp-McpBridge-approvalTarget')).toHaveText(
    `Notebook: ${name}, cell 0 (id c0)`
  );
  const diff = dialog.locator('.jp-McpBridge-diff');
  await expect(diff.locator('.jp-McpBridge-diffRemoved')).toHaveText([
    '- b = 2'
  ]);
  await expect(diff.locator('.jp-McpBridge-diffAdded')).toHaveText([
    '+ b = 20'
  ]);
  await dialog.getByRole('button', { name: 'Deny' }).click();

  const result = await pending;
  expect(result.isError).toBe(true);
  expect(textOf(result)).toContain(
    'The user denied overwrite_cell_source in JupyterLab'
  );
  expect(textOf(result)).toContain('nothing was changed');
  await expect(cells.nth(0).locator('.cm-content')).toHaveText(
    /a = 1\s*b = 2\s*c = a \+ b/
  );
  expect(readFileSync(join(env.rootDir, name), 'utf-8')).toBe(onDisk);
  const read = await call(mcp, 'read_cell', { cell_index: 0 });
  expect((read.structuredContent as { source: string }).source).toBe(
    'a = 1\nb = 2\nc = a + b'
  );
});

test('no answer within the approval timeout counts as deny', async ({
  lab,
  env,
  mcp
}) => {
  await setBridgeSettings(lab, { approvalTimeoutSeconds: 2 });
  const dialog = dialogOf(lab);
  const pending = call(mcp, 'write_file', {
    path: 'late.txt',
    content: 'too late'
  });
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('.jp-McpBridge-approvalCountdown')).toContainText(
    'No answer within'
  );
  const result = await pending;
  expect(result.isError).toBe(true);
  expect(textOf(result)).toContain(
    'did not answer the approval dialog for write_file within 2 s'
  );
  expect(textOf(result)).toContain('nothing was changed');
  await expect(dialog).toHaveCount(0);
  expect(existsSync(join(env.rootDir, 'late.txt'))).toBe(false);
});

test('pending approvals queue: one dialog at a time, in order', async ({
  lab,
  env,
  mcp
}) => {
  const dialog = dialogOf(lab);
  const a = call(mcp, 'write_file', { path: 'q1.txt', content: 'one' });
  await expect(dialog).toHaveCount(1);
  const b = call(mcp, 'write_file', { path: 'q2.txt', content: 'two' });
  await expect(lab.locator('.jp-McpBridge-status')).toHaveAttribute(
    'data-pending',
    '2'
  );
  await expect(dialog).toHaveCount(1);
  await expect(dialog.locator('.jp-McpBridge-approvalTarget')).toHaveText(
    'File: q1.txt'
  );
  await dialog.getByRole('button', { name: 'Deny' }).click();
  expect((await a).isError).toBe(true);
  await expect(dialog.locator('.jp-McpBridge-approvalTarget')).toHaveText(
    'File: q2.txt'
  );
  await expect(dialog).toHaveCount(1);
  await dialog.getByRole('button', { name: 'Allow once' }).click();
  expect((await b).isError).toBeFalsy();
  expect(existsSync(join(env.rootDir, 'q1.txt'))).toBe(false);
  expect(readFileSync(join(env.rootDir, 'q2.txt'), 'utf-8')).toBe('two');
});

test('a denied category leaves tools/list at once, the client hears list_changed, and calls are refused', async ({
  lab,
  env,
  mcp
}) => {
  let changes = 0;
  mcp.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
    changes += 1;
  });
  const names = async () => (await mcp.listTools()).tools.map(t => t.name);
  expect(await names()).toEqual(
    expect.arrayContaining(['write_file', 'read_file', 'read_cell'])
  );

  await setBridgeSettings(lab, {
    categoryPolicy: { files: 'deny' },
    toolPolicy: { read_file: 'ask' }
  });
  await expect.poll(() => changes).toBeGreaterThan(0);
  const listed = await names();
  expect(listed).not.toContain('write_file');
  expect(listed).not.toContain('delete_file');
  // A tool's own entry overrides its category.
  expect(listed).toContain('read_file');
  expect(listed).toContain('read_cell');

  const refused = await call(mcp, 'write_file', {
    path: 'denied.txt',
    content: 'no'
  });
  expect(refused.isError).toBe(true);
  expect(textOf(refused)).toContain('write_file is not allowed');
  expect(textOf(refused)).toContain('"categoryPolicy" denies the files');
  expect(textOf(refused)).toContain('nothing was changed');
  await expect(dialogOf(lab)).toHaveCount(0);
  expect(existsSync(join(env.rootDir, 'denied.txt'))).toBe(false);

  // Back to the defaults: listed again, and the client is told.
  const before = changes;
  await setBridgeSettings(lab, {});
  await expect.poll(() => changes).toBeGreaterThan(before);
  expect(await names()).toContain('write_file');
});
