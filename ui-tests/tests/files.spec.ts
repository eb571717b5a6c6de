/**
 * File tools: an MCP client lists, reads, writes, renames and deletes files
 * of the Jupyter server root. Checked on disk, in the file browser, and in
 * the tabs of open documents; paths never leave the root.
 */

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Page } from '@playwright/test';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { dirname, join } from 'node:path';

import { call, connectHttp, expect, test, textOf } from '../fixtures';

/** A 2x2 red PNG. */
const PNG_B64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==';

/** An item of the file browser's listing (of the root, which it shows). */
function browserItem(page: Page, name: string) {
  return page.locator('.jp-FileBrowser .jp-DirListing-item', {
    has: page.locator('.jp-DirListing-itemName', {
      hasText: new RegExp(`^${name.replace('.', '\\.')}$`)
    })
  });
}

/** The labels of the main-area tabs. */
function tabLabels(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const app = (
      window as unknown as {
        jupyterapp: {
          shell: {
            widgets(area: string): Iterable<{ title: { label: string } }>;
          };
        };
      }
    ).jupyterapp;
    return [...app.shell.widgets('main')].map(widget => widget.title.label);
  });
}

type Entry = {
  name: string;
  path: string;
  type: string;
  size: number | null;
  last_modified: string;
};

test.describe('files', () => {
  let client: Client;

  test.beforeEach(async ({ env, lab }) => {
    expect(lab).toBeTruthy();
    client = (await connectHttp(env)).client;
  });

  test.afterEach(async () => {
    await client?.close();
  });

  test('writes, reads, lists, renames and deletes files', async ({
    lab,
    env
  }) => {
    const { tools } = await client.listTools();
    const names = tools.map(tool => tool.name);
    for (const name of [
      'list_files',
      'read_file',
      'write_file',
      'create_directory',
      'rename_file',
      'delete_file'
    ]) {
      expect(names).toContain(name);
    }
    expect(
      tools.find(tool => tool.name === 'delete_file')?.annotations
        ?.destructiveHint
    ).toBe(true);
    expect(
      tools.find(tool => tool.name === 'read_file')?.annotations?.readOnlyHint
    ).toBe(true);
    const disk = (path: string) => join(env.rootDir, path);

    // Writing into a missing directory is refused; create_directory makes parents.
    const noDir = await call(client, 'write_file', {
      path: 'notes/a.txt',
      content: 'x'
    });
    expect(noDir.isError).toBe(true);
    expect(textOf(noDir)).toContain('"path"');
    expect(existsSync(disk('notes'))).toBe(false);
    const made = await call(client, 'create_directory', { path: 'notes/sub' });
    expect(made.isError).toBeFalsy();
    expect(made.structuredContent).toMatchObject({
      path: 'notes/sub',
      created: ['notes', 'notes/sub']
    });
    expect(statSync(disk('notes/sub')).isDirectory()).toBe(true);
    await expect(browserItem(lab, 'notes')).toHaveCount(1);
    const again = await call(client, 'create_directory', { path: 'notes/sub' });
    expect(again.structuredContent).toMatchObject({ created: [] });

    // Write: disk and the file browser.
    const text = 'line one\nline two\nline three\n';
    const written = await call(client, 'write_file', {
      path: 'notes/a.txt',
      content: text
    });
    expect(written.isError).toBeFalsy();
    expect(written.structuredContent).toMatchObject({
      path: 'notes/a.txt',
      created: true,
      size: text.length
    });
    expect(readFileSync(disk('notes/a.txt'), 'utf-8')).toBe(text);
    const top = await call(client, 'write_file', {
      path: 'top.txt',
      content: 'top\n'
    });
    expect(top.isError).toBeFalsy();
    await expect(browserItem(lab, 'top.txt')).toHaveCount(1);

    // overwrite=false refuses and leaves the file alone; the default overwrites.
    const kept = await call(client, 'write_file', {
      path: 'top.txt',
      content: 'changed',
      overwrite: false
    });
    expect(kept.isError).toBe(true);
    expect(textOf(kept)).toContain('"overwrite"');
    expect(readFileSync(disk('top.txt'), 'utf-8')).toBe('top\n');
    const over = await call(client, 'write_file', {
      path: 'top.txt',
      content: 'top 2\n'
    });
    expect(over.structuredContent).toMatchObject({ created: false });
    expect(readFileSync(disk('top.txt'), 'utf-8')).toBe('top 2\n');

    // Read: whole, and a window with the hint to read on.
    const read = await call(client, 'read_file', { path: 'notes/a.txt' });
    expect(read.isError).toBeFalsy();
    expect(textOf(read)).toContain(text);
    expect(read.structuredContent).toMatchObject({
      kind: 'text',
      total_chars: text.length,
      next_offset: null
    });
    const part = await call(client, 'read_file', {
      path: 'notes/a.txt',
      offset: 5,
      max_chars: 8
    });
    expect(part.content[1]).toEqual({ type: 'text', text: 'one\nline' });
    expect(part.structuredContent).toMatchObject({
      offset: 5,
      end: 13,
      next_offset: 13
    });
    expect(textOf(part)).toContain('read_file(path="notes/a.txt", offset=13)');
    const absolute = await call(client, 'read_file', { path: disk('top.txt') });
    expect(absolute.isError).toBeFalsy();
    expect(textOf(absolute)).toContain('top 2');

    // List: one level, deeper with a glob, paged.
    const listed = await call(client, 'list_files');
    const rootEntries = (listed.structuredContent as { entries: Entry[] })
      .entries;
    expect(rootEntries.map(e => e.path)).toEqual(
      expect.arrayContaining(['notes', 'top.txt'])
    );
    expect(rootEntries.map(e => e.path)).not.toContain('notes/a.txt');
    const topEntry = rootEntries.find(e => e.path === 'top.txt');
    expect(topEntry).toMatchObject({ name: 'top.txt', type: 'file', size: 6 });
    expect(Date.parse(topEntry?.last_modified ?? '')).not.toBeNaN();
    expect(rootEntries.find(e => e.path === 'notes')).toMatchObject({
      type: 'directory',
      size: null
    });
    const globbed = await call(client, 'list_files', { glob: '**/*.txt' });
    expect(
      (globbed.structuredContent as { entries: Entry[] }).entries.map(
        e => e.path
      )
    ).toEqual(['notes/a.txt', 'top.txt']);
    const shallow = await call(client, 'list_files', { glob: '*.txt' });
    expect(
      (shallow.structuredContent as { entries: Entry[] }).entries.map(
        e => e.path
      )
    ).toEqual(['top.txt']);
    const paged = await call(client, 'list_files', {
      path: 'notes',
      depth: 2,
      limit: 1
    });
    expect(paged.structuredContent).toMatchObject({
      total: 2,
      next_start_index: 1,
      entries: [{ path: 'notes/a.txt' }]
    });
    expect(textOf(paged)).toContain('start_index=1');
    const notDir = await call(client, 'list_files', { path: 'top.txt' });
    expect(notDir.isError).toBe(true);
    expect(textOf(notDir)).toContain('"path"');

    // Rename within a directory; refused onto an existing path.
    const renamed = await call(client, 'rename_file', {
      path: 'notes/a.txt',
      new_path: 'notes/b.txt'
    });
    expect(renamed.isError).toBeFalsy();
    expect(existsSync(disk('notes/a.txt'))).toBe(false);
    expect(readFileSync(disk('notes/b.txt'), 'utf-8')).toBe(text);
    const clash = await call(client, 'rename_file', {
      path: 'top.txt',
      new_path: 'notes/b.txt'
    });
    expect(clash.isError).toBe(true);
    expect(textOf(clash)).toContain('"new_path"');
    expect(readFileSync(disk('notes/b.txt'), 'utf-8')).toBe(text);
    expect(existsSync(disk('top.txt'))).toBe(true);

    // Move out of the root listing: the file browser follows.
    const moved = await call(client, 'rename_file', {
      path: 'top.txt',
      new_path: 'notes/sub/top.txt'
    });
    expect(moved.isError).toBeFalsy();
    expect(existsSync(disk('top.txt'))).toBe(false);
    expect(readFileSync(disk('notes/sub/top.txt'), 'utf-8')).toBe('top 2\n');
    await expect(browserItem(lab, 'top.txt')).toHaveCount(0);

    // Delete: a non-empty directory needs recursive; a file; then the tree.
    const refused = await call(client, 'delete_file', { path: 'notes' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('"recursive"');
    expect(existsSync(disk('notes/b.txt'))).toBe(true);
    const delFile = await call(client, 'delete_file', { path: 'notes/b.txt' });
    expect(delFile.isError).toBeFalsy();
    expect(existsSync(disk('notes/b.txt'))).toBe(false);
    const delTree = await call(client, 'delete_file', {
      path: 'notes',
      recursive: true
    });
    expect(delTree.isError).toBeFalsy();
    expect(delTree.structuredContent).toMatchObject({ deleted_count: 3 });
    expect(existsSync(disk('notes'))).toBe(false);
    await expect(browserItem(lab, 'notes')).toHaveCount(0);
    const missing = await call(client, 'read_file', { path: 'notes/b.txt' });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toContain('"path"');
  });

  test('keeps open notebooks consistent: rename follows, write reloads, unsaved changes refuse, delete closes', async ({
    lab,
    env
  }) => {
    const disk = (path: string) => join(env.rootDir, path);
    await call(client, 'use_notebook', { notebook_path: 'nb.ipynb' });
    // JupyterLab writes the kernel's language_info into the notebook once
    // the kernel answers, which leaves it with unsaved changes; wait for it,
    // so that the edit below saves it and write_file finds nothing unsaved.
    await lab.waitForFunction(() => {
      const app = (
        window as unknown as {
          jupyterapp: {
            shell: {
              widgets(area: string): Iterable<{
                context?: {
                  path: string;
                  model: { getMetadata(key: string): unknown };
                };
              }>;
            };
          };
        }
      ).jupyterapp;
      for (const widget of app.shell.widgets('main')) {
        if (widget.context?.path === 'nb.ipynb') {
          const info = widget.context.model.getMetadata('language_info') as
            { codemirror_mode?: unknown } | undefined;
          return !!info?.codemirror_mode;
        }
      }
      return false;
    });
    await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'markdown',
      cell_source: '# Original'
    });
    await expect(
      lab.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
        hasText: 'nb.ipynb'
      })
    ).toHaveCount(1);

    // Rename: the tab follows, and so does this session's notebook.
    const renamed = await call(client, 'rename_file', {
      path: 'nb.ipynb',
      new_path: 'renamed.ipynb'
    });
    expect(renamed.isError).toBeFalsy();
    expect(renamed.structuredContent).toMatchObject({
      open_documents_followed: 1,
      session_notebook: 'renamed.ipynb'
    });
    expect(existsSync(disk('nb.ipynb'))).toBe(false);
    expect(existsSync(disk('renamed.ipynb'))).toBe(true);
    await expect.poll(() => tabLabels(lab)).toContain('renamed.ipynb');
    expect(await tabLabels(lab)).not.toContain('nb.ipynb');
    const readBack = await call(client, 'read_notebook');
    expect(readBack.structuredContent).toMatchObject({ path: 'renamed.ipynb' });

    // Write: invalid notebook JSON is refused; a valid one reloads the open tab.
    const bad = await call(client, 'write_file', {
      path: 'renamed.ipynb',
      content: '{"not": "a notebook"}'
    });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain('"content"');
    expect(env.readNotebook('renamed.ipynb').cells[0].source).toContain(
      '# Original'
    );
    const notebook = {
      cells: [
        {
          cell_type: 'markdown',
          id: 'replaced',
          metadata: {},
          source: '# Replaced from disk'
        }
      ],
      metadata: {
        kernelspec: {
          name: 'python3',
          display_name: 'Python 3',
          language: 'python'
        }
      },
      nbformat: 4,
      nbformat_minor: 5
    };
    const written = await call(client, 'write_file', {
      path: 'renamed.ipynb',
      content: JSON.stringify(notebook)
    });
    expect(written.isError).toBeFalsy();
    expect(written.structuredContent).toMatchObject({
      reloaded_open_documents: 1
    });
    // Saved from the page, in JupyterLab's layout (sources as line lists).
    expect(
      [env.readNotebook('renamed.ipynb').cells[0].source].flat().join('')
    ).toBe('# Replaced from disk');
    await expect(
      lab.locator('.jp-Notebook .jp-Cell', { hasText: 'Replaced from disk' })
    ).toHaveCount(1);

    // Unsaved changes in the page: writing over it and deleting it are refused.
    await lab.evaluate(() => {
      const app = (
        window as unknown as {
          jupyterapp: {
            shell: {
              widgets(area: string): Iterable<{
                title: { label: string };
                content?: {
                  model?: {
                    dirty: boolean;
                    sharedModel: { insertCell(i: number, c: unknown): void };
                  };
                };
              }>;
            };
          };
        }
      ).jupyterapp;
      for (const widget of app.shell.widgets('main')) {
        if (widget.title.label === 'renamed.ipynb') {
          widget.content?.model?.sharedModel.insertCell(0, {
            cell_type: 'markdown',
            source: 'unsaved by user'
          });
        }
      }
    });
    const overDirty = await call(client, 'write_file', {
      path: 'renamed.ipynb',
      content: JSON.stringify(notebook)
    });
    expect(overDirty.isError).toBe(true);
    expect(textOf(overDirty)).toContain('unsaved changes');
    const deleteDirty = await call(client, 'delete_file', {
      path: 'renamed.ipynb'
    });
    expect(deleteDirty.isError).toBe(true);
    expect(textOf(deleteDirty)).toContain('unsaved changes');
    expect(existsSync(disk('renamed.ipynb'))).toBe(true);
    await expect(
      lab.locator('.jp-Notebook .jp-Cell', { hasText: 'unsaved by user' })
    ).toHaveCount(1);

    // Once saved, delete closes the tab and the file is gone.
    await lab.evaluate(async () => {
      const app = (
        window as unknown as {
          jupyterapp: {
            shell: {
              widgets(area: string): Iterable<{
                title: { label: string };
                context?: { save(): Promise<void> };
              }>;
            };
          };
        }
      ).jupyterapp;
      for (const widget of app.shell.widgets('main')) {
        if (widget.title.label === 'renamed.ipynb') {
          await widget.context?.save();
        }
      }
    });
    const deleted = await call(client, 'delete_file', {
      path: 'renamed.ipynb'
    });
    expect(deleted.isError).toBeFalsy();
    expect(deleted.structuredContent).toMatchObject({
      closed_documents: ['renamed.ipynb']
    });
    expect(existsSync(disk('renamed.ipynb'))).toBe(false);
    await expect.poll(() => tabLabels(lab)).not.toContain('renamed.ipynb');
    const listed = await call(client, 'list_notebooks');
    expect(listed.structuredContent).toMatchObject({ session_notebook: null });
  });

  test('refuses ".." and absolute paths outside the root in every path argument', async ({
    lab,
    env
  }) => {
    expect(lab).toBeTruthy();
    writeFileSync(join(env.rootDir, 'inside.txt'), 'inside\n');
    const outside = join(dirname(env.rootDir), `outside-${Date.now()}`);
    const cases: [string, Record<string, unknown>, string][] = [
      ['list_files', { path: '../' }, 'path'],
      ['list_files', { path: 'a/../../' }, 'path'],
      ['read_file', { path: '../etc/passwd' }, 'path'],
      ['read_file', { path: '/etc/passwd' }, 'path'],
      [
        'write_file',
        { path: `../${outside.split('/').pop()}`, content: 'x' },
        'path'
      ],
      ['write_file', { path: outside, content: 'x' }, 'path'],
      ['create_directory', { path: `../${outside.split('/').pop()}` }, 'path'],
      ['rename_file', { path: '../x', new_path: 'y.txt' }, 'path'],
      [
        'rename_file',
        { path: 'inside.txt', new_path: `../${outside.split('/').pop()}` },
        'new_path'
      ],
      ['rename_file', { path: 'inside.txt', new_path: outside }, 'new_path'],
      ['delete_file', { path: '../inside.txt' }, 'path'],
      ['delete_file', { path: 'sub/../../x', recursive: true }, 'path']
    ];
    for (const [tool, args, argument] of cases) {
      const result = await call(client, tool, args);
      expect(result.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(textOf(result)).toContain(`"${argument}"`);
    }
    expect(existsSync(outside)).toBe(false);
    expect(readFileSync(join(env.rootDir, 'inside.txt'), 'utf-8')).toBe(
      'inside\n'
    );
  });

  test('reads images as image content and binaries as metadata', async ({
    lab,
    env
  }) => {
    expect(lab).toBeTruthy();
    mkdirSync(join(env.rootDir, 'img'), { recursive: true });
    writeFileSync(
      join(env.rootDir, 'img/red.png'),
      Buffer.from(PNG_B64, 'base64')
    );
    writeFileSync(
      join(env.rootDir, 'img/box.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="blue"/></svg>'
    );
    writeFileSync(
      join(env.rootDir, 'img/data.bin'),
      Buffer.from([0, 255, 1, 254, 0xc3, 0x28])
    );

    const png = await call(client, 'read_file', { path: 'img/red.png' });
    expect(png.isError).toBeFalsy();
    const image = png.content.find(block => block.type === 'image') as
      { data: string; mimeType: string } | undefined;
    expect(image?.mimeType).toBe('image/png');
    expect(
      Buffer.from(image?.data ?? '', 'base64').equals(
        Buffer.from(PNG_B64, 'base64')
      )
    ).toBe(true);
    expect(png.structuredContent).toMatchObject({
      kind: 'image',
      mimetype: 'image/png'
    });

    const svg = await call(client, 'read_file', { path: 'img/box.svg' });
    const raster = svg.content.find(block => block.type === 'image') as
      { data: string; mimeType: string } | undefined;
    expect(raster?.mimeType).toBe('image/png');
    expect(
      Buffer.from(raster?.data ?? '', 'base64')
        .subarray(1, 4)
        .toString()
    ).toBe('PNG');

    const bin = await call(client, 'read_file', { path: 'img/data.bin' });
    expect(bin.isError).toBeFalsy();
    expect(bin.structuredContent).toMatchObject({ kind: 'binary', size: 6 });
    expect(bin.content.every(block => block.type === 'text')).toBe(true);
    expect(textOf(bin)).toContain('binary');

    const dir = await call(client, 'read_file', { path: 'img' });
    expect(dir.isError).toBe(true);
    expect(textOf(dir)).toContain('list_files');
  });
});
