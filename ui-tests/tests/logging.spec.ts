/**
 * MCP logging: the page tells clients what they would want to know (a call
 * refused by policy, a run interrupted) at the level they set.
 */

import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import {
  ALLOW_ALL,
  call,
  expect,
  setBridgeSettings,
  test,
  textOf
} from '../fixtures';

test('clients hear of calls refused by policy and of interrupted runs, at their level', async ({
  lab,
  mcp
}) => {
  const messages: { level: string; data: string }[] = [];
  mcp.setNotificationHandler(LoggingMessageNotificationSchema, note => {
    messages.push({ level: note.params.level, data: String(note.params.data) });
  });
  await mcp.setLoggingLevel('notice');
  await setBridgeSettings(lab, {
    categoryPolicy: { ...ALLOW_ALL.categoryPolicy, files: 'deny' }
  });
  try {
    const refused = await call(mcp, 'write_file', {
      path: 'refused.txt',
      content: 'no'
    });
    expect(refused.isError).toBe(true);
    await expect
      .poll(() => messages.find(m => m.level === 'warning')?.data ?? '')
      .toContain('write_file');

    await call(mcp, 'use_notebook', { notebook_path: 'logged.ipynb' });
    const run = await call(mcp, 'insert_execute_code_cell', {
      cell_source: 'import time\ntime.sleep(30)',
      timeout_seconds: 2,
      on_timeout: 'interrupt'
    });
    expect(textOf(run)).toContain('interrupted');
    await expect
      .poll(() => messages.find(m => m.level === 'notice')?.data ?? '')
      .toContain('was interrupted');
    // Below the level the client set, nothing comes.
    expect(messages.filter(m => m.level === 'info')).toEqual([]);
  } finally {
    await setBridgeSettings(lab, {});
  }
});
