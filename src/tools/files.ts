/**
 * File tools: list, read, write, create directories, rename/move, delete,
 * through the Jupyter contents service, inside the server root.
 */

import type { Contents } from '@jupyterlab/services';
import { z } from 'zod';

import { pageOf } from '../core/cells';
import { imageMimetype, isWithin, textWindow } from '../core/files';
import { fileEntry, FileWorkspace } from '../jupyter/files';
import { fitImage } from '../jupyter/images';
import {
  jsonOutput,
  ToolError,
  type IToolOutput,
  type ISessionState
} from '../mcp/tool';
import {
  defineJupyterTool,
  type IJupyterServices,
  type JupyterTool,
  type JupyterToolContext
} from './services';

const filePath = (what: string) =>
  z
    .string()
    .describe(
      `${what}, relative to the Jupyter server root (e.g. "data/results.csv"); ".." is refused.`
    );

/**
 * What read_file says about every file.
 */
const fileInfo = {
  path: z.string(),
  type: z.string().describe('"file" or "notebook".'),
  mimetype: z.string().nullable(),
  size: z.number().int().nullable().describe('Bytes.'),
  last_modified: z.string(),
  kind: z
    .enum(['text', 'image', 'binary', 'too_large'])
    .describe('How the content came back.')
};

const listFiles = defineJupyterTool({
  name: 'list_files',
  title: 'List files',
  description:
    'List files and directories under a directory of the Jupyter server (the file browser\'s tree): name, path, type ("file", "directory", "notebook"), size in bytes and last_modified. "depth" descends into subdirectories; "glob" filters by the path relative to the listed directory ("*.csv" in that directory, "**/*.py" at any depth). Results are sorted by path and paged with "start_index"/"limit".',
  category: 'files',
  input: {
    path: z
      .string()
      .default('')
      .describe(
        'Directory to list, relative to the Jupyter server root (default "": the root).'
      ),
    depth: z
      .number()
      .int()
      .min(1)
      .max(20)
      .optional()
      .describe(
        'How many levels to list: 1 (default) lists the directory itself; a glob with "**" defaults to 10.'
      ),
    glob: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Keep entries whose path relative to "path" matches, e.g. "*.csv" or "**/*.py" ("*" stays within a directory, "**" spans directories, {a,b} and [ab] work).'
      ),
    start_index: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Index of the first entry to return (default 0).'),
    limit: z
      .number()
      .int()
      .min(0)
      .default(100)
      .describe('Largest number of entries to return (default 100; 0 for all).')
  },
  output: {
    path: z.string().describe('The directory listed ("" is the root).'),
    depth: z.number().int(),
    total: z.number().int(),
    start_index: z.number().int(),
    next_start_index: z
      .number()
      .int()
      .nullable()
      .describe('Where the next page starts (null at the end).'),
    scan_truncated: z.boolean(),
    entries: z.array(z.object(fileEntry))
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    await Private.listedDirectory(args, context);
  },
  run: async (args, context) => {
    const files = context.services.files;
    const path = await Private.listedDirectory(args, context);
    const depth = args.depth ?? (args.glob?.includes('**') ? 10 : 1);
    const { entries, scanTruncated } = await files.list(path, {
      depth,
      glob: args.glob
    });
    const page = pageOf(entries.length, args.start_index, args.limit);
    const shown = entries.slice(page.start, page.end);
    const where = path ? `"${path}"` : 'the server root';
    const more =
      page.end < entries.length
        ? ` More follow: call again with start_index=${page.end}.`
        : '';
    const scan = scanTruncated
      ? ` The walk stopped after ${FileWorkspace.MAX_SCAN} entries: list a subdirectory or use less depth.`
      : '';
    return jsonOutput(
      `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} in ${where} (depth ${depth}${args.glob ? `, glob "${args.glob}"` : ''}); showing ${shown.length} from ${page.start}.${more}${scan}`,
      {
        path,
        depth,
        total: entries.length,
        start_index: page.start,
        next_start_index: page.end < entries.length ? page.end : null,
        scan_truncated: scanTruncated,
        entries: shown
      }
    );
  }
});

const readFile = defineJupyterTool({
  name: 'read_file',
  title: 'Read a file',
  description:
    'Read a file of the Jupyter server. Text files come back as text, "max_chars" characters from "offset" (the result says how to read the rest). PNG, JPEG, GIF and SVG images come back as an image (downscaled). Other binary files: only their type, mimetype and size. For notebooks prefer read_notebook (this returns their raw JSON).',
  category: 'files',
  input: {
    path: filePath('File to read'),
    offset: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Character offset to start reading text at (default 0).'),
    max_chars: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Largest number of characters of text to return (default and maximum from the settings, normally 20000).'
      )
  },
  output: {
    ...fileInfo,
    offset: z.number().int().optional().describe('Text: the window read.'),
    end: z.number().int().optional(),
    total_chars: z.number().int().optional(),
    next_offset: z
      .number()
      .int()
      .nullable()
      .optional()
      .describe('Text: where to read on (null at the end).')
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    await Private.readTarget(args, context);
  },
  run: async (args, context) => {
    const files = context.services.files;
    const { path, model, maxChars } = await Private.readTarget(args, context);
    const size = model.size ?? null;
    const info: IFileInfo = {
      path,
      type: model.type,
      mimetype: model.mimetype || null,
      size,
      last_modified: model.last_modified
    };
    if (size !== null && size > FileWorkspace.MAX_READ_BYTES) {
      return jsonOutput(
        `"${path}" is ${size} bytes, too large to read through the contents service (limit ${FileWorkspace.MAX_READ_BYTES}); inspect it in a terminal (head, tail, grep).`,
        { ...info, kind: 'too_large' as const }
      );
    }
    const image = imageMimetype(path, model.mimetype);
    const content = await files.read(
      path,
      image === 'image/svg+xml' ? 'text' : undefined
    );
    if (image) {
      return Private.image(path, image, content.content, info, context);
    }
    if (content.format === 'base64') {
      return jsonOutput(
        `"${path}" is a binary file (${info.mimetype ?? 'unknown type'}, ${size ?? '?'} bytes); its content is not shown.`,
        { ...info, kind: 'binary' as const }
      );
    }
    const window = textWindow(content.content, args.offset, maxChars);
    const header =
      window.total === 0
        ? `"${path}" is empty.`
        : window.next !== null || window.offset > 0
          ? `"${path}": characters ${window.offset} to ${window.end} of ${window.total}.` +
            (window.next !== null
              ? ` Read more with read_file(path="${path}", offset=${window.next}).`
              : ' This is the end of the file.')
          : `"${path}" (${window.total} characters):`;
    return {
      content: [
        { type: 'text', text: header },
        ...(window.text ? [{ type: 'text' as const, text: window.text }] : [])
      ],
      structuredContent: {
        ...info,
        kind: 'text' as const,
        offset: window.offset,
        end: window.end,
        total_chars: window.total,
        next_offset: window.next
      }
    };
  }
});

const writeFile = defineJupyterTool({
  name: 'write_file',
  title: 'Write a text file',
  description:
    'Write a text file on the Jupyter server, creating it or replacing its content (refused when "overwrite" is false and the file exists). The directory must exist (see create_directory). A file open in JupyterLab takes the new content in its tab (the user can undo it, and nothing they type meanwhile is lost) and is saved from there; a notebook is then saved in JupyterLab\'s layout of the same JSON. Writing over a document open with unsaved changes is refused. Writing a .ipynb requires valid notebook JSON (to edit notebooks, prefer the cell tools).',
  category: 'files',
  input: {
    path: filePath('File to write'),
    content: z.string().describe('The whole text content of the file (UTF-8).'),
    overwrite: z
      .boolean()
      .default(true)
      .describe(
        'Replace the file if it exists (default true); false refuses to touch an existing file.'
      )
  },
  output: {
    path: z.string(),
    created: z.boolean().describe('False when it replaced a file.'),
    size: z.number().int().nullable(),
    last_modified: z.string(),
    reloaded_open_documents: z
      .number()
      .int()
      .describe('Tabs open on the file that now show the new content.')
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    const files = context.services.files;
    await files.checkWrite(
      files.check(args.path, 'path'),
      args.content,
      args.overwrite
    );
  },
  preview: async (args, { target, services, preview }) => {
    const path = target.path;
    if (!path) {
      return;
    }
    const current = await Private.textNow(services, path);
    if (current === null) {
      preview.note(`${path} does not exist yet: it will be created.`);
    } else {
      const count =
        current.split('\n').length - (current.endsWith('\n') ? 1 : 0);
      preview.note(
        `${path} exists (${count} line${count === 1 ? '' : 's'}): its content is replaced.`
      );
    }
    preview.change(
      current === null ? `${path} (new file)` : path,
      current,
      args.content,
      {
        what: `The file "${path}"`,
        current: () => Private.textNow(services, path)
      }
    );
    preview.showsArguments('content');
  },
  run: async (args, context) => {
    const files = context.services.files;
    const path = files.check(args.path, 'path');
    const written = await files.write(path, args.content, args.overwrite);
    return jsonOutput(
      `${written.created ? 'Created' : 'Overwrote'} "${path}" (${args.content.length} characters).${written.reloaded ? ' Its open tab shows the new content.' : ''}`,
      {
        path,
        created: written.created,
        size: written.model.size ?? null,
        last_modified: written.model.last_modified,
        reloaded_open_documents: written.reloaded
      }
    );
  }
});

const createDirectory = defineJupyterTool({
  name: 'create_directory',
  title: 'Create a directory',
  description:
    'Create a directory on the Jupyter server, with any missing parent directories (like mkdir -p). Succeeds without change when it already exists.',
  category: 'files',
  input: {
    path: filePath('Directory to create')
  },
  output: {
    path: z.string(),
    created: z
      .array(z.string())
      .describe('The directories created (parents first; empty if it existed).')
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    const files = context.services.files;
    await files.checkDirectories(files.check(args.path, 'path'));
  },
  run: async (args, context) => {
    const files = context.services.files;
    const path = files.check(args.path, 'path');
    const created = await files.makeDirectories(path);
    return jsonOutput(
      created.length
        ? `Created ${created.map(p => `"${p}"`).join(', ')}.`
        : `"${path}" already exists.`,
      { path, created }
    );
  }
});

const renameFile = defineJupyterTool({
  name: 'rename_file',
  title: 'Rename or move a file',
  description:
    'Rename or move a file or directory on the Jupyter server. Refused when something already exists at "new_path" or its directory does not exist. Documents open in JupyterLab follow the move (their tabs stay open on the new path, unsaved changes kept); a notebook this session uses is followed too.',
  category: 'files',
  input: {
    path: filePath('File or directory to rename or move'),
    new_path: filePath('Its new path')
  },
  output: {
    path: z.string(),
    new_path: z.string(),
    type: z.string(),
    open_documents_followed: z.number().int(),
    session_notebook: z
      .string()
      .nullable()
      .describe("This session's notebook, after the move.")
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: false
  },
  check: async (args, context) => {
    const files = context.services.files;
    await files.checkMove(
      files.check(args.path, 'path'),
      files.check(args.new_path, 'new_path')
    );
  },
  run: async (args, context) => {
    const files = context.services.files;
    const path = files.check(args.path, 'path');
    const newPath = files.check(args.new_path, 'new_path');
    const moved = await files.move(path, newPath);
    if (Private.followSession(context.session, path, newPath)) {
      context.saveSession();
    }
    return jsonOutput(`Moved "${path}" to "${newPath}".`, {
      path,
      new_path: moved.path,
      type: moved.type,
      open_documents_followed: moved.followed,
      session_notebook: context.session.notebookPath
    });
  }
});

const deleteFile = defineJupyterTool({
  name: 'delete_file',
  title: 'Delete a file',
  description:
    'Delete a file or directory on the Jupyter server. A non-empty directory is refused unless "recursive" is true. Documents open in JupyterLab at the path are closed first (a notebook\'s kernel session is stopped), and the delete is refused when any has unsaved changes. The server may move deleted files to the trash, depending on its configuration.',
  category: 'files',
  input: {
    path: filePath('File or directory to delete'),
    recursive: z
      .boolean()
      .default(false)
      .describe(
        'Delete a directory with everything in it (default false: only empty directories).'
      )
  },
  output: {
    path: z.string(),
    type: z.string(),
    deleted_count: z
      .number()
      .int()
      .describe('Paths deleted, the contents of a directory included.'),
    closed_documents: z.array(z.string())
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  check: async (args, context) => {
    const files = context.services.files;
    await files.checkDelete(files.check(args.path, 'path'), args.recursive);
  },
  run: async (args, context) => {
    const files = context.services.files;
    const path = files.check(args.path, 'path');
    const deleted = await files.delete(path, args.recursive);
    if (
      context.session.notebookPath &&
      isWithin(context.session.notebookPath, path)
    ) {
      context.session.notebookPath = null;
      context.saveSession();
    }
    const { count, closed } = deleted;
    return jsonOutput(
      `Deleted "${path}"${count > 1 ? ` and ${count - 1} path(s) inside it` : ''}.${closed.length ? ` Closed ${closed.map(p => `"${p}"`).join(', ')}.` : ''}`,
      {
        path,
        type: deleted.type,
        deleted_count: count,
        closed_documents: closed
      }
    );
  }
});

/**
 * The file tools.
 */
export const fileTools: JupyterTool[] = [
  listFiles,
  readFile,
  writeFile,
  createDirectory,
  renameFile,
  deleteFile
];

/**
 * What read_file says about every file, before its content.
 */
type IFileInfo = Omit<z.output<z.ZodObject<typeof fileInfo>>, 'kind'>;

namespace Private {
  /**
   * The content of a text file now (null: no file), as write_file's
   * preview shows it and its approval checks it again.
   */
  export async function textNow(
    services: IJupyterServices,
    path: string
  ): Promise<string | null> {
    const model = await services.files.stat(path);
    if (!model) {
      return null;
    }
    if (model.type === 'directory') {
      throw new Error(`${path} is a directory`);
    }
    return (await services.files.read(path, 'text')).content;
  }

  /**
   * The directory list_files lists (checked: it exists and is a
   * directory), its glob compiled.
   */
  export async function listedDirectory(
    args: { path: string; glob?: string },
    context: JupyterToolContext
  ): Promise<string> {
    const files = context.services.files;
    const path = files.check(args.path, 'path', true);
    if (args.glob !== undefined) {
      FileWorkspace.checkGlob(args.glob);
    }
    const model = path ? await files.require(path, 'path') : null;
    if (model && model.type !== 'directory') {
      throw new ToolError(
        `"path": "${path}" is a ${model.type}, not a directory; read it with read_file.`
      );
    }
    return path;
  }

  /**
   * The file read_file reads (checked: it exists and is not a directory),
   * and how much of it.
   */
  export async function readTarget(
    args: { path: string; max_chars?: number },
    context: JupyterToolContext
  ): Promise<{ path: string; model: Contents.IModel; maxChars: number }> {
    const files = context.services.files;
    const limits = context.services.limits();
    const path = files.check(args.path, 'path');
    const maxChars = args.max_chars ?? limits.maxOutputChars;
    const cap = Math.max(limits.maxOutputChars, limits.maxResultChars);
    if (maxChars > cap) {
      throw new ToolError(
        `"max_chars" ${maxChars} is above the maximum of ${cap}; read the rest with "offset".`
      );
    }
    const model = await files.require(path, 'path');
    if (model.type === 'directory') {
      throw new ToolError(
        `"path": "${path}" is a directory; list it with list_files.`
      );
    }
    return { path, model, maxChars };
  }

  /**
   * An image file as image content (downscaled), or a note when images are
   * switched off.
   */
  export async function image(
    path: string,
    mimeType: string,
    data: string,
    info: IFileInfo,
    context: {
      services: {
        limits(): { includeImages: boolean; maxImageSide: number };
      };
    }
  ): Promise<IToolOutput<IFileInfo & { kind: 'image' }>> {
    const limits = context.services.limits();
    if (!limits.includeImages) {
      return jsonOutput(
        `"${path}" is an image (${mimeType}); images are switched off in the bridge settings.`,
        { ...info, kind: 'image' as const }
      );
    }
    const block = await fitImage(
      {
        type: 'image',
        mimeType,
        data: mimeType === 'image/svg+xml' ? data : data.replace(/\s+/g, '')
      },
      limits.maxImageSide
    );
    return {
      content: [
        {
          type: 'text',
          text: `"${path}": image (${mimeType}, ${info.size ?? '?'} bytes)${block.type === 'image' && block.mimeType !== mimeType ? `, returned as ${block.mimeType}` : ''}.`
        },
        block
      ],
      structuredContent: { ...info, kind: 'image' as const }
    };
  }

  /**
   * Follow a move in the session's notebook path; true when it changed.
   */
  export function followSession(
    session: ISessionState,
    path: string,
    newPath: string
  ): boolean {
    const current = session.notebookPath;
    if (!current || !isWithin(current, path)) {
      return false;
    }
    session.notebookPath = newPath + current.slice(path.length);
    return true;
  }
}
