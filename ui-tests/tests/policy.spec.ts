/**
 * No side doors: each tool's category, as the policy applies it, is what
 * the README says; resources/read is under the read policy and in the
 * activity log; a run can be collected or answered only by the session that
 * started it; refusals name no tool the policy hides.
 */

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  ALLOW_ALL,
  call,
  connectHttp,
  disconnect,
  expect,
  REPO,
  setBridgeSettings,
  test,
  textOf
} from '../fixtures';
import { activityEntries, writeNotebook } from '../page-helpers';

const CATEGORIES = [
  'read',
  'edit',
  'execute',
  'kernel',
  'files',
  'terminal',
  'commands'
] as const;

/**
 * The category of each tool in the README's tool tables.
 */
function readmeCategories(): Map<string, string> {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf-8');
  const tools = readme.slice(
    readme.indexOf('\n## Tools\n'),
    readme.indexOf('\n### Resources\n')
  );
  const found = new Map<string, string>();
  for (const match of tools.matchAll(
    /^\| (?:\*\*)?`([a-z_-]+)`(?:\*\*)? \| `([a-z]+)` \|/gm
  )) {
    found.set(match[1], match[2]);
  }
  return found;
}

test.afterEach(async ({ lab }) => {
  await setBridgeSettings(lab, {});
});

test("each tool's category, found by denying one category at a time in tools/list, is the one the README gives", async ({
  lab,
  mcp
}) => {
  const names = async () =>
    new Set((await mcp.listTools()).tools.map(tool => tool.name));
  const all = await names();
  const derived = new Map<string, string>();
  for (const category of CATEGORIES) {
    // From everything listed, deny one category.
    await setBridgeSettings(lab, {});
    await expect.poll(async () => (await names()).size).toBe(all.size);
    await setBridgeSettings(lab, {
      categoryPolicy: { ...ALLOW_ALL.categoryPolicy, [category]: 'deny' }
    });
    await expect.poll(async () => (await names()).size).toBeLessThan(all.size);
    const listed = await names();
    for (const name of all) {
      if (!listed.has(name)) {
        expect(derived.get(name), name).toBeUndefined();
        derived.set(name, category);
      }
    }
  }
  // Every tool is in exactly one category...
  expect([...all].filter(name => !derived.has(name))).toEqual([]);
  // ...the one the README's tables give, for every tool and no other.
  const documented = readmeCategories();
  expect(Object.fromEntries([...documented].sort())).toEqual(
    Object.fromEntries([...derived].sort())
  );
  // Reading the user's files and their terminals' scrollback is not `read`.
  expect(derived.get('read_file')).toBe('files');
  expect(derived.get('list_files')).toBe('files');
  expect(derived.get('read_terminal_output')).toBe('terminal');

  // A refusal of an unknown tool names only the tools listed.
  await setBridgeSettings(lab, {
    categoryPolicy: { ...ALLOW_ALL.categoryPolicy, files: 'deny' }
  });
  await expect.poll(async () => (await names()).has('write_file')).toBe(false);
  const unknown = await call(mcp, 'no_such_tool', {});
  expect(unknown.isError).toBe(true);
  expect(textOf(unknown)).toContain('Unknown tool "no_such_tool"');
  expect(textOf(unknown)).toContain('read_cell');
  for (const hidden of ['write_file', 'read_file', 'delete_file']) {
    expect(textOf(unknown)).not.toContain(hidden);
  }
});

test('resources/read is under the read policy and in the activity log: refused under deny, asked under ask, logged when read', async ({
  lab,
  env,
  mcp
}) => {
  const name = 'resource.ipynb';
  writeNotebook(env, name, [{ id: 'x0', type: 'code', source: 'secret = 42' }]);
  await call(mcp, 'use_notebook', { notebook_path: name });
  const uri = `notebook://${name}`;

  const read = await mcp.readResource({ uri });
  const [first] = read.contents;
  expect('text' in first ? first.text : '').toContain('secret = 42');
  await expect
    .poll(async () => (await activityEntries(lab))[0])
    .toEqual({ tool: 'resources/read', outcome: 'ok', message: '' });

  await setBridgeSettings(lab, {
    categoryPolicy: { ...ALLOW_ALL.categoryPolicy, read: 'deny' }
  });
  await expect
    .poll(async () => (await mcp.listResources()).resources.length)
    .toBe(0);
  expect((await mcp.listResourceTemplates()).resourceTemplates).toEqual([]);
  const refused = await mcp.readResource({ uri }).then(
    () => null,
    (error: Error) => error
  );
  expect(refused?.message).toContain('resources/read is not allowed');
  expect(refused?.message).toContain(
    '"categoryPolicy" denies the read category'
  );
  expect(refused?.message).not.toContain('secret');
  const [entry] = await activityEntries(lab);
  expect(entry.tool).toBe('resources/read');
  expect(entry.outcome).toBe('denied');

  // Under ask, the user is asked.
  await setBridgeSettings(lab, {
    categoryPolicy: { ...ALLOW_ALL.categoryPolicy, read: 'ask' }
  });
  // The refusal is caught at once (it arrives while the test clicks).
  const asked = mcp.readResource({ uri }).then(
    () => null,
    (error: Error) => error
  );
  const dialog = lab.locator('.jp-McpBridge-approvalDialog');
  await expect(dialog).toHaveAttribute('data-tool', 'resources/read');
  await expect(dialog.locator('pre[data-argument="uri"]')).toHaveText(uri);
  await dialog.getByRole('button', { name: 'Deny' }).click();
  const denied = await asked;
  expect(denied?.message).toContain('The user denied resources/read');
});

test('a run can be collected or answered only by the session that started it, and its id is random', async ({
  env,
  mcp
}) => {
  const name = 'owned.ipynb';
  writeNotebook(env, name, [
    {
      id: 'o0',
      type: 'code',
      source: 'answer = input("name? ")\nprint("hi", answer)'
    }
  ]);
  await call(mcp, 'use_notebook', { notebook_path: name });
  const started = await call(mcp, 'execute_cell', {
    cell_index: 0,
    wait: false
  });
  const { execution_id: id } = started.structuredContent as {
    execution_id: string;
  };
  expect(id).toMatch(/^exec-[0-9a-f]{32}$/);

  let other: Client | null = null;
  try {
    other = (await connectHttp(env, { name: 'other-agent' })).client;
    await call(other, 'use_notebook', { notebook_path: name });
    for (const [tool, args] of [
      ['get_execution_result', { execution_id: id, timeout_seconds: 5 }],
      ['send_input', { execution_id: id, value: 'mallory' }]
    ] as const) {
      const refused = await call(other, tool, args);
      expect(refused.isError, tool).toBe(true);
      expect(textOf(refused)).toContain(
        `No run has execution_id "${id}" in this session`
      );
    }
  } finally {
    if (other) {
      await disconnect(other);
    }
  }

  // Its own session answers and collects it.
  await expect
    .poll(
      async () =>
        (
          (await call(mcp, 'get_execution_result', { execution_id: id }))
            .structuredContent as { state: string }
        ).state
    )
    .toBe('waiting_for_input');
  const answered = await call(mcp, 'send_input', {
    execution_id: id,
    value: 'alice'
  });
  expect(answered.isError).toBeFalsy();
  expect(textOf(answered)).toContain('hi alice');
});
