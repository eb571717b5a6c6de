/**
 * MCP prompts and completion with the SDK client: prompts listed with
 * their arguments, filled from the live page (what the user typed, the
 * cell they are on), notebook paths, cells and outputs completed, bad
 * arguments refused, and the user's policy and activity log applied.
 */

import type { Page } from '@playwright/test';
import { PromptListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { call, expect, setBridgeSettings, test, textOf } from '../fixtures';
import { panelId, stream, writeNotebook } from '../page-helpers';

const PATH = 'prompts/analysis.ipynb';

/** The text of a prompt's messages. */
function messagesText(result: {
  messages: { content: { type: string; text?: string } }[];
}): string {
  return result.messages
    .map(message =>
      message.content.type === 'text' ? message.content.text : ''
    )
    .join('\n');
}

async function openActivity(page: Page) {
  await page.evaluate(() =>
    (
      window as unknown as {
        jupyterapp: { commands: { execute(id: string): Promise<unknown> } };
      }
    ).jupyterapp.commands.execute('mcp-bridge:show-activity')
  );
  return page.locator('.jp-McpBridge-activity');
}

test.afterEach(async ({ lab }) => {
  await setBridgeSettings(lab, {});
});

test('prompts are listed, filled from the live page and completed', async ({
  lab,
  env,
  mcp
}) => {
  writeNotebook(env, PATH, [
    { id: 'intro', type: 'markdown', source: '# Sales analysis' },
    { id: 'load', type: 'code', source: 'rows = [1, 2, 3]', outputs: [] },
    {
      id: 'broken',
      type: 'code',
      source: 'print(total)',
      outputs: [
        stream('starting\n'),
        {
          output_type: 'error',
          ename: 'NameError',
          evalue: "name 'total' is not defined",
          traceback: [
            '\u001b[0;31mNameError\u001b[0m Traceback (most recent call last)',
            '----> 1 print(total)'
          ]
        }
      ]
    }
  ]);
  writeNotebook(env, 'prompts/other.ipynb', [
    { id: 'o', type: 'code', source: 'pass' }
  ]);

  expect(mcp.getServerCapabilities()?.prompts).toBeTruthy();
  expect(mcp.getServerCapabilities()?.completions).toEqual({});
  const { prompts } = await mcp.listPrompts();
  expect(prompts.map(prompt => prompt.name)).toEqual([
    'jupyter_cite',
    'explain_cell_error',
    'fix_cell_error',
    'summarize_notebook'
  ]);
  const cite = prompts.find(prompt => prompt.name === 'jupyter_cite');
  // The reference server's prompt: same name and arguments.
  expect(cite?.arguments?.map(arg => [arg.name, arg.required])).toEqual([
    ['prompt', true],
    ['cell_indices', true],
    ['notebook_path', false]
  ]);
  for (const prompt of prompts) {
    expect(prompt.description?.length).toBeGreaterThan(20);
  }

  // notebook_path from the files before anything is open: directories, then
  // the notebooks in the one typed. The server root is the worker's, so other
  // tests' files may share the prefix: only this folder is named `prompts`.
  const top = await mcp.complete({
    ref: { type: 'ref/prompt', name: 'jupyter_cite' },
    argument: { name: 'notebook_path', value: 'prompts' }
  });
  expect(top.completion.values).toEqual(['prompts/']);
  const partial = await mcp.complete({
    ref: { type: 'ref/prompt', name: 'jupyter_cite' },
    argument: { name: 'notebook_path', value: 'pro' }
  });
  expect(partial.completion.values).toContain('prompts/');
  for (const value of partial.completion.values) {
    expect(value.startsWith('pro')).toBe(true);
  }
  const inside = await mcp.complete({
    ref: { type: 'ref/prompt', name: 'jupyter_cite' },
    argument: { name: 'notebook_path', value: 'prompts/' }
  });
  expect(inside.completion.values).toEqual([
    'prompts/analysis.ipynb',
    'prompts/other.ipynb'
  ]);
  expect(inside.completion.hasMore).toBe(false);

  await call(mcp, 'use_notebook', { notebook_path: PATH, activate: true });
  const id = await panelId(lab, PATH);
  const cells = lab.locator(`[id="${id}"] .jp-Notebook .jp-Cell`);
  await expect(cells).toHaveCount(3);

  // Open notebooks come first.
  const open = await mcp.complete({
    ref: { type: 'ref/prompt', name: 'summarize_notebook' },
    argument: { name: 'notebook_path', value: '' }
  });
  expect(open.completion.values[0]).toBe(PATH);

  // The user types into cell 1 without saving: the citation shows it.
  await cells.nth(1).locator('.cm-content').click();
  await lab.keyboard.press('End');
  await lab.keyboard.type('  # typed by the user');
  await expect(cells.nth(1)).toContainText('typed by the user');
  const cited = await mcp.getPrompt({
    name: 'jupyter_cite',
    arguments: { prompt: 'Explain these cells', cell_indices: '0-1' }
  });
  expect(cited.messages).toHaveLength(1);
  expect(cited.messages[0].role).toBe('user');
  const citedText = messagesText(cited);
  expect(citedText).toContain(
    `Cite cells [0, 1] from notebook ${PATH}; here are the cells:`
  );
  expect(citedText).toContain(
    '=====Cell 0 | type: markdown | execution count: N/A | id: intro====='
  );
  expect(citedText).toContain('# Sales analysis');
  expect(citedText).toContain('rows = [1, 2, 3]  # typed by the user');
  expect(citedText).not.toContain('print(total)');
  expect(citedText).toContain("The user's instruction: Explain these cells");
  // The empty notebook_path a client may send counts as not given.
  const again = await mcp.getPrompt({
    name: 'jupyter_cite',
    arguments: { prompt: 'x', cell_indices: '2-', notebook_path: '' }
  });
  expect(messagesText(again)).toContain('print(total)');

  // A bad range is refused, naming the argument and the valid indexes.
  await expect(
    mcp.getPrompt({
      name: 'jupyter_cite',
      arguments: { prompt: 'x', cell_indices: '1-7' }
    })
  ).rejects.toThrow(
    /Argument "cell_indices" \("1-7"\): the range "1-7" goes past the last cell.*indexes 0 to 2/
  );
  await expect(
    mcp.getPrompt({ name: 'jupyter_cite', arguments: { prompt: 'x' } })
  ).rejects.toThrow(/Argument "cell_indices"/);

  // The user moves to the broken cell: the error prompts read the active cell.
  await lab.keyboard.press('Escape');
  await cells.nth(2).click();
  await expect(cells.nth(2)).toHaveClass(/jp-mod-active/);
  const errorCells = await mcp.complete({
    ref: { type: 'ref/prompt', name: 'explain_cell_error' },
    argument: { name: 'cell_index', value: '' }
  });
  expect(errorCells.completion.values).toEqual(['2']);
  const explained = messagesText(
    await mcp.getPrompt({ name: 'explain_cell_error' })
  );
  expect(explained).toContain(
    `Explain the error of cell 2 (id broken) of the notebook "${PATH}"`
  );
  expect(explained).toContain('print(total)');
  expect(explained).toContain("NameError: name 'total' is not defined");
  expect(explained).not.toContain('\u001b');
  const read = await call(mcp, 'read_cell', { cell_id: 'broken' });
  const version = (read.structuredContent as { version: string }).version;
  const fix = messagesText(
    await mcp.getPrompt({
      name: 'fix_cell_error',
      arguments: { notebook_path: PATH, cell_index: '2' }
    })
  );
  expect(fix).toContain(`expected_version "${version}"`);
  expect(fix).toContain('execute_cell');
  await expect(
    mcp.getPrompt({
      name: 'explain_cell_error',
      arguments: { cell_index: '1' }
    })
  ).rejects.toThrow(
    /Cell 1 \(id load, code\) .* shows no error; cells with an error: 2/
  );

  const summary = messagesText(
    await mcp.getPrompt({
      name: 'summarize_notebook',
      arguments: { focus: 'the failing cell' }
    })
  );
  expect(summary).toContain(`Summarize the notebook "${PATH}"`);
  expect(summary).toContain('Focus on: the failing cell');
  expect(summary).toContain(`# Notebook ${PATH}`);
  expect(summary).toContain('## Cell 2 · code · id broken');

  // The output:// template's variables.
  const template = {
    type: 'ref/resource' as const,
    uri: 'output://{+notebook_path}/{cell_id}/{output_index}'
  };
  const outPaths = await mcp.complete({
    ref: template,
    argument: { name: 'notebook_path', value: 'prompts/a' }
  });
  expect(outPaths.completion.values).toEqual([PATH]);
  const ids = await mcp.complete({
    ref: template,
    argument: { name: 'cell_id', value: '' },
    context: { arguments: { notebook_path: PATH } }
  });
  expect(ids.completion.values).toEqual(['broken']);
  const indexes = await mcp.complete({
    ref: template,
    argument: { name: 'output_index', value: '' },
    context: { arguments: { notebook_path: PATH, cell_id: 'broken' } }
  });
  expect(indexes.completion.values).toEqual(['0', '1']);
  // The URI completed reads.
  const output = await mcp.readResource({
    uri: 'output://prompts/analysis.ipynb/broken/1'
  });
  expect((output.contents[0] as { text: string }).text).toContain('NameError');

  await expect(
    mcp.complete({
      ref: { type: 'ref/prompt', name: 'no_such_prompt' },
      argument: { name: 'notebook_path', value: '' }
    })
  ).rejects.toThrow(/Unknown prompt "no_such_prompt"/);

  // Each prompt filled shows in the activity log, as tool calls do.
  const panel = await openActivity(lab);
  await expect(
    panel.locator('.jp-McpBridge-call[data-tool="summarize_notebook"]')
  ).toHaveAttribute('data-outcome', 'ok');
  await expect(
    panel.locator('.jp-McpBridge-call[data-tool="jupyter_cite"]').first()
  ).toHaveAttribute('data-outcome', 'error');
});

test("the user's policy applies to prompts", async ({ lab, env, mcp }) => {
  writeNotebook(env, 'policy.ipynb', [
    { id: 'a', type: 'code', source: 'x = 1' }
  ]);
  await call(mcp, 'use_notebook', { notebook_path: 'policy.ipynb' });
  let changed = 0;
  mcp.setNotificationHandler(PromptListChangedNotificationSchema, () => {
    changed += 1;
  });
  await setBridgeSettings(lab, { toolPolicy: { jupyter_cite: 'deny' } });
  await expect.poll(() => changed).toBeGreaterThan(0);
  const { prompts } = await mcp.listPrompts();
  expect(prompts.map(prompt => prompt.name)).not.toContain('jupyter_cite');
  expect(prompts.map(prompt => prompt.name)).toContain('summarize_notebook');
  await expect(
    mcp.getPrompt({
      name: 'jupyter_cite',
      arguments: { prompt: 'x', cell_indices: '0' }
    })
  ).rejects.toThrow(/policy/i);
  const allowed = await call(mcp, 'read_cell', { cell_id: 'a' });
  expect(textOf(allowed)).toContain('x = 1');
});
