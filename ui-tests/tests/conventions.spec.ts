/**
 * MCP conventions over the real tool list: one name per tool, a title and
 * all four annotations on each, an outputSchema on every tool that returns
 * structured content, and results that the SDK client accepts. The client
 * validates `structuredContent` against the listed `outputSchema` on every
 * call once it has listed the tools (a mismatch, or a success without
 * structured content, throws), so calling every tool here checks them all.
 */

import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  call,
  connectHttp,
  disconnect,
  expect,
  notebookCells,
  readWholeJson,
  test,
  textOf
} from '../fixtures';
import { PNG_B64 } from '../page-helpers';

/**
 * The cells of a notebook as saved, with every field.
 */
interface ISavedCells {
  cells: ({ source: string | string[] } & Record<string, unknown>)[];
}

/** Every tool of the page, by family. */
const ALL_TOOLS = [
  // notebooks
  'list_notebooks',
  'use_notebook',
  'unuse_notebook',
  'read_notebook',
  'get_notebook_changes',
  // cells
  'read_cell',
  'insert_cell',
  'overwrite_cell_source',
  'edit_cell_source',
  'delete_cell',
  'move_cell',
  'clear_cell_output',
  'change_cell_type',
  // execution
  'execute_cell',
  'insert_execute_code_cell',
  'get_execution_result',
  'send_input',
  'execute_code',
  'notebook_run-all-cells',
  // kernels
  'list_kernels',
  'start_kernel',
  'change_kernel',
  'interrupt_kernel',
  'restart_notebook',
  'shutdown_kernel',
  'inspect_variables',
  // files
  'list_files',
  'read_file',
  'write_file',
  'create_directory',
  'rename_file',
  'delete_file',
  // terminals
  'list_terminals',
  'create_terminal',
  'run_terminal_command',
  'read_terminal_output',
  'close_terminal',
  // commands and context
  'list_commands',
  'execute_command',
  'get_active_context'
];

/** The category each tool's approval falls under. */
const CATEGORIES: Record<string, string[]> = {
  read: [
    'list_notebooks',
    'read_notebook',
    'get_notebook_changes',
    'read_cell',
    'get_execution_result',
    'list_kernels',
    'inspect_variables',
    'list_files',
    'read_file',
    'list_terminals',
    'read_terminal_output',
    'list_commands',
    'get_active_context'
  ],
  edit: [
    'use_notebook',
    'unuse_notebook',
    'insert_cell',
    'overwrite_cell_source',
    'edit_cell_source',
    'delete_cell',
    'move_cell',
    'clear_cell_output',
    'change_cell_type'
  ],
  execute: [
    'execute_cell',
    'insert_execute_code_cell',
    'execute_code',
    'notebook_run-all-cells',
    'send_input',
    'interrupt_kernel',
    'start_kernel'
  ],
  kernel: ['restart_notebook', 'shutdown_kernel', 'change_kernel'],
  files: ['write_file', 'create_directory', 'rename_file', 'delete_file'],
  terminal: ['create_terminal', 'run_terminal_command', 'close_terminal'],
  commands: ['execute_command']
};

test('every tool has one name, a title, all annotations and an outputSchema, and its results pass the SDK client', async ({
  lab,
  env
}) => {
  const { client } = await connectHttp(env);
  const called = new Set<string>();

  /** Call a tool that must succeed with structured content. */
  async function ok(
    name: string,
    args: Record<string, unknown> = {}
  ): Promise<Record<string, unknown>> {
    const result: CallToolResult = await call(client, name, args);
    expect(result.isError, `${name}: ${textOf(result)}`).toBeFalsy();
    expect(result.structuredContent, name).toBeTruthy();
    called.add(name);
    return result.structuredContent as Record<string, unknown>;
  }

  try {
    // The list: what the client caches its validators from.
    const { tools } = await client.listTools();
    const names = tools.map(tool => tool.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...ALL_TOOLS].sort());
    expect(names).not.toContain('run_all_cells');
    expect(Object.values(CATEGORIES).flat().sort()).toEqual(
      [...ALL_TOOLS].sort()
    );
    // The Settings Editor's "Policy per tool" names every tool, by category.
    const schema = JSON.parse(
      readFileSync(
        join(__dirname, '..', '..', 'schema', 'plugin.json'),
        'utf-8'
      )
    ) as { properties: { toolPolicy: { description: string } } };
    const listed = /The tools, by category: (.*?)\. Tools that other/.exec(
      schema.properties.toolPolicy.description
    );
    expect(listed, 'toolPolicy description').toBeTruthy();
    expect(
      Object.fromEntries(
        (listed?.[1] ?? '').split('; ').map(entry => {
          const [category, list] = entry.split(': ');
          return [category, list.split(', ')];
        })
      )
    ).toEqual(CATEGORIES);
    for (const tool of tools) {
      expect(tool.title, tool.name).toBeTruthy();
      expect(tool.annotations?.title, tool.name).toBe(tool.title);
      for (const hint of [
        'readOnlyHint',
        'destructiveHint',
        'idempotentHint',
        'openWorldHint'
      ] as const) {
        expect(typeof tool.annotations?.[hint], `${tool.name}.${hint}`).toBe(
          'boolean'
        );
      }
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.outputSchema?.properties, tool.name).toBeTruthy();
    }
    const hints = Object.fromEntries(
      tools.map(tool => [tool.name, tool.annotations])
    );
    for (const name of CATEGORIES.read.filter(
      n => n !== 'get_execution_result'
    )) {
      expect(hints[name]?.readOnlyHint, name).toBe(true);
    }
    for (const name of ALL_TOOLS.filter(n => !CATEGORIES.read.includes(n))) {
      expect(hints[name]?.readOnlyHint, name).toBe(false);
    }

    // Notebooks and cells.
    const path = 'conventions.ipynb';
    await ok('use_notebook', { notebook_path: path });
    await ok('list_notebooks');
    const inserted = await ok('insert_cell', {
      cell_index: -1,
      cell_type: 'code',
      cell_source: 'value = 20'
    });
    expect(inserted).toMatchObject({ index: 0, filled_blank_cell: true });
    await ok('insert_cell', {
      cell_index: -1,
      cell_type: 'markdown',
      cell_source: '# Notes'
    });
    await ok('overwrite_cell_source', {
      cell_index: 0,
      cell_source: 'value = 21'
    });
    await ok('edit_cell_source', {
      cell_index: 0,
      old_text: '21',
      new_text: '2 * 21'
    });
    const ran = await ok('execute_cell', { cell_index: 0 });
    expect(ran).toMatchObject({ state: 'ok', index: 0 });
    const printed = await ok('insert_execute_code_cell', {
      cell_source: 'print(value)'
    });
    expect(printed).toMatchObject({ state: 'ok', index: 2, output_count: 1 });
    expect(
      await ok('get_execution_result', {
        execution_id: printed.execution_id
      })
    ).toMatchObject({ state: 'ok' });
    expect(
      await ok('read_cell', { cell_index: 2, output_index: 0 })
    ).toMatchObject({ output_index: 0, total_chars: 3 });
    expect(await ok('read_cell', { cell_index: 2 })).toMatchObject({
      source: 'print(value)',
      output_count: 1
    });
    expect(await ok('notebook_run-all-cells', {})).toMatchObject({
      status: 'ok'
    });
    const asked = await ok('insert_execute_code_cell', {
      cell_source: 'answer = input("name? ")'
    });
    expect(asked).toMatchObject({
      state: 'waiting_for_input',
      input_prompt: 'name? '
    });
    expect(
      await ok('send_input', {
        execution_id: asked.execution_id,
        value: 'Ada'
      })
    ).toMatchObject({ state: 'ok' });
    expect(
      await ok('execute_code', { code: 'print(answer, value)' })
    ).toMatchObject({ state: 'ok', output_count: 1 });
    await ok('move_cell', { cell_index: 1, to_index: -1 });
    expect(await ok('clear_cell_output', { cell_index: 1 })).toMatchObject({
      cleared: 1
    });
    const changed = await ok('change_cell_type', {
      cell_index: -1,
      cell_type: 'raw'
    });
    expect(changed).toMatchObject({ cell_type: 'raw', changed: true });
    await ok('delete_cell', { cell_indices: [2] });
    const read = await ok('read_notebook', { response_format: 'detailed' });
    expect(read).toMatchObject({ total_cells: 3 });
    expect(
      await ok('get_notebook_changes', {
        since_version: read.notebook_version,
        include_own: true
      })
    ).toMatchObject({ complete: true, added: [], edited: [] });

    // Kernels.
    const kernels = await ok('list_kernels');
    expect(kernels.default_kernelspec).toBe('python3');
    const variables = await ok('inspect_variables');
    expect(JSON.stringify(variables.variables)).toContain('"value"');
    await ok('interrupt_kernel');
    await ok('restart_notebook');
    expect(await ok('change_kernel', { kernel_name: 'python3' })).toMatchObject(
      { changed: false, previous_kernel: 'python3' }
    );
    await ok('shutdown_kernel');
    expect(await ok('start_kernel')).toMatchObject({
      kernel: { name: 'python3' }
    });

    // Files.
    await ok('create_directory', { path: 'conv/data' });
    await ok('write_file', { path: 'conv/data/a.txt', content: 'alpha\n' });
    expect(await ok('read_file', { path: 'conv/data/a.txt' })).toMatchObject({
      kind: 'text',
      total_chars: 6,
      next_offset: null
    });
    await ok('write_file', {
      path: 'conv/dot.svg',
      content:
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" fill="red"/></svg>'
    });
    expect(await ok('read_file', { path: 'conv/dot.svg' })).toMatchObject({
      kind: 'image'
    });
    expect(
      await ok('list_files', { path: 'conv', glob: '**/*.txt' })
    ).toMatchObject({ total: 1, next_start_index: null });
    await ok('rename_file', {
      path: 'conv/data/a.txt',
      new_path: 'conv/b.txt'
    });
    expect(
      await ok('delete_file', { path: 'conv', recursive: true })
    ).toMatchObject({ deleted_count: 4 });
    expect(existsSync(join(env.rootDir, 'conv'))).toBe(false);

    // Terminals.
    const terminal = await ok('create_terminal');
    const name = terminal.name as string;
    expect(
      await ok('run_terminal_command', {
        terminal_name: name,
        command: 'echo conventions-$((40 + 2))'
      })
    ).toMatchObject({ state: 'completed', exit_code: 0 });
    expect(
      await ok('read_terminal_output', { terminal_name: name })
    ).toMatchObject({ busy: false });
    await ok('list_terminals');
    await ok('close_terminal', { terminal_name: name });

    // Commands and the user's context.
    await ok('list_commands', { query: 'notebook:run', limit: 3 });
    expect(
      await ok('execute_command', {
        command_id: 'notebook:clear-all-cell-outputs',
        notebook_path: path
      })
    ).toMatchObject({ status: 'done', notebook_path: path });
    await ok('get_active_context');

    // What the page shows and what is on disk.
    const cells = await notebookCells(lab, path);
    await expect(cells).toHaveCount(3);
    await expect(cells.nth(0).locator('.cm-content')).toHaveText(
      'value = 2 * 21'
    );
    await expect(cells.nth(2)).toHaveClass(/jp-RawCell/);
    await expect(cells.nth(2).locator('.cm-content')).toHaveText('# Notes');
    await expect
      .poll(() => env.readNotebook(path).cells.map(cell => cell.cell_type))
      .toEqual(['code', 'code', 'raw']);
    const saved = env
      .readNotebook(path)
      .cells.map(cell => [cell.source].flat().join(''));
    expect(saved[0]).toBe('value = 2 * 21');
    expect(saved[2]).toBe('# Notes');

    await ok('unuse_notebook', { notebook_path: path });

    // Every tool was called, and the client accepted each result.
    expect([...called].sort()).toEqual([...ALL_TOOLS].sort());
  } finally {
    await disconnect(client);
  }
});

test.describe('attachments', () => {
  // The rendered markdown names its image "attachment:dot.png": Chromium
  // logs that it cannot load that scheme before JupyterLab resolves it.
  test.use({ allowedConsoleErrors: [/net::ERR_UNKNOWN_URL_SCHEME/] });

  test('change_cell_type keeps attachments, metadata and id between markdown and raw', async ({
    lab,
    env
  }) => {
    const { client } = await connectHttp(env);
    try {
      await client.listTools();
      const path = 'attached.ipynb';
      const attachments = { 'dot.png': { 'image/png': PNG_B64 } };
      const written = await call(client, 'write_file', {
        path,
        content: JSON.stringify({
          nbformat: 4,
          nbformat_minor: 5,
          metadata: {
            kernelspec: {
              name: 'python3',
              display_name: 'Python 3',
              language: 'python'
            }
          },
          cells: [
            {
              id: 'pic',
              cell_type: 'markdown',
              source: '![dot](attachment:dot.png)',
              metadata: { tags: ['figure'] },
              attachments
            }
          ]
        })
      });
      expect(written.isError).toBeFalsy();
      await call(client, 'use_notebook', { notebook_path: path });

      const toRaw = await call(client, 'change_cell_type', {
        cell_id: 'pic',
        cell_type: 'raw'
      });
      expect(toRaw.isError).toBeFalsy();
      expect(toRaw.structuredContent).toMatchObject({
        id: 'pic',
        cell_type: 'raw',
        changed: true
      });
      const cells = await notebookCells(lab, path);
      await expect(cells.nth(0)).toHaveClass(/jp-RawCell/);
      await expect
        .poll(() => env.readNotebook(path).cells[0].cell_type)
        .toBe('raw');
      let saved = readWholeJson(join(env.rootDir, path)) as ISavedCells;
      expect(saved.cells[0]).toMatchObject({
        id: 'pic',
        metadata: { tags: ['figure'] },
        attachments
      });
      expect([saved.cells[0].source].flat().join('')).toBe(
        '![dot](attachment:dot.png)'
      );

      const toCode = await call(client, 'change_cell_type', {
        cell_id: 'pic',
        cell_type: 'code'
      });
      expect(toCode.isError).toBe(true);
      expect(textOf(toCode)).toContain('has attachments (dot.png)');

      const back = await call(client, 'change_cell_type', {
        cell_id: 'pic',
        cell_type: 'markdown'
      });
      expect(back.isError).toBeFalsy();
      await expect(cells.nth(0)).toHaveClass(/jp-MarkdownCell/);
      await expect
        .poll(() => env.readNotebook(path).cells[0].cell_type)
        .toBe('markdown');
      saved = readWholeJson(join(env.rootDir, path)) as ISavedCells;
      expect(saved.cells[0]).toMatchObject({
        id: 'pic',
        metadata: { tags: ['figure'] },
        attachments
      });
    } finally {
      await disconnect(client);
    }
  });
});
