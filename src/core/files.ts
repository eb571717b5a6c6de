/**
 * Paths and text windows for the file tools: pure functions (globs are in
 * `glob.ts`).
 */

/**
 * The outcome of checking a path argument.
 */
export type PathResolution =
  { ok: true; path: string } | { ok: false; error: string };

/**
 * Check a path argument and make it relative to the Jupyter server root.
 *
 * Relative paths are taken from the root. An absolute path is accepted only
 * when it lies inside `serverRoot` (the root's absolute path, when known).
 * `..` is refused everywhere, so a path can never leave the root. The empty
 * path (the root itself) is accepted only when `allowRoot` is true.
 */
export function resolveRootPath(
  path: string,
  argument: string,
  serverRoot: string,
  allowRoot = false
): PathResolution {
  let value = path.trim().replace(/\\/g, '/');
  const absolute = value.startsWith('/') || /^[a-zA-Z]:\//.test(value);
  if (absolute) {
    const root = serverRoot.replace(/\\/g, '/').replace(/\/+$/, '');
    if (root && (value === root || value.startsWith(root + '/'))) {
      value = value.slice(root.length);
    } else {
      return {
        ok: false,
        error: `"${argument}" must be relative to the Jupyter server root (e.g. "data/file.csv"); the absolute path "${path}" is outside it.`
      };
    }
  }
  const parts = value.split('/').filter(part => part !== '' && part !== '.');
  if (parts.includes('..')) {
    return {
      ok: false,
      error: `"${argument}" may not contain "..": paths are relative to the Jupyter server root and stay inside it (got "${path}").`
    };
  }
  if (parts.length === 0 && !allowRoot) {
    return {
      ok: false,
      error: `"${argument}" is empty: give a path relative to the Jupyter server root.`
    };
  }
  return { ok: true, path: parts.join('/') };
}

/**
 * The parent directory of a root-relative path ('' for the root).
 */
export function parentOf(path: string): string {
  const index = path.lastIndexOf('/');
  return index < 0 ? '' : path.slice(0, index);
}

/**
 * Whether `path` is `base` or lies under it.
 */
export function isWithin(path: string, base: string): boolean {
  return path === base || path.startsWith(base + '/');
}

/**
 * A window of a text: `max` characters from `offset`.
 */
export interface ITextWindow {
  text: string;
  offset: number;
  end: number;
  total: number;
  /**
   * Where the next window starts, or null at the end of the text.
   */
  next: number | null;
}

/**
 * Cut the window of `text` starting at `offset`, at most `max` characters.
 */
export function textWindow(
  text: string,
  offset: number,
  max: number
): ITextWindow {
  const start = Math.min(Math.max(0, offset), text.length);
  const end = Math.min(text.length, start + Math.max(0, max));
  return {
    text: text.slice(start, end),
    offset: start,
    end,
    total: text.length,
    next: end < text.length ? end : null
  };
}

/**
 * Image types returned as image content, by mimetype.
 */
export const IMAGE_MIMETYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/svg+xml'
];

/**
 * The image mimetype of a file from its server mimetype or its extension,
 * or null when it is not an image the tools return as an image.
 */
export function imageMimetype(
  path: string,
  mimetype: string | null | undefined
): string | null {
  if (mimetype && IMAGE_MIMETYPES.includes(mimetype)) {
    return mimetype;
  }
  const extension = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  const byExtension: Record<string, string> = {
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    svg: 'image/svg+xml'
  };
  return byExtension[extension] ?? null;
}

/**
 * Why `text` cannot be written as a `.ipynb` file (it must be notebook
 * JSON: an object with `cells` and `nbformat`), or null when it can.
 */
export function notebookJsonProblem(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `"content" is not valid JSON, and a .ipynb file must hold a notebook: ${(error as Error).message}.`;
  }
  const notebook = value as { cells?: unknown; nbformat?: unknown } | null;
  if (
    typeof notebook !== 'object' ||
    notebook === null ||
    !Array.isArray(notebook.cells) ||
    typeof notebook.nbformat !== 'number'
  ) {
    return '"content" is JSON but not a notebook (it needs "cells" and "nbformat").';
  }
  return null;
}
