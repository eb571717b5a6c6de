/**
 * JupyterLab commands as agents see them: the allowlist, search, and
 * command results made JSON. Pure functions.
 */

/**
 * A JSON value.
 */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Commands agents may run when the user has not changed the
 * `allowedCommands` setting: they open no blocking dialog and change
 * nothing beyond the notebook (or the layout) they act on.
 */
export const DEFAULT_ALLOWED_COMMANDS: readonly string[] = [
  'notebook:run-cell',
  'notebook:run-cell-and-select-next',
  'notebook:run-all-cells',
  'notebook:run-all-above',
  'notebook:run-all-below',
  'notebook:render-all-markdown',
  'notebook:interrupt-kernel',
  'notebook:clear-cell-output',
  'notebook:clear-all-cell-outputs',
  'notebook:hide-all-cell-outputs',
  'notebook:show-all-cell-outputs',
  'notebook:hide-all-cell-code',
  'notebook:show-all-cell-code',
  'notebook:collapse-all-headings',
  'notebook:expand-all-headings',
  'notebook:toggle-all-cell-line-numbers',
  'docmanager:save',
  'filebrowser:refresh',
  'application:toggle-left-area',
  'application:toggle-right-area'
];

/**
 * The allowlist pattern that admits `id`, or null. A pattern is an exact
 * id, or ends in `*` to admit every id starting with what precedes it
 * (`notebook:run-*`; `*` alone admits everything).
 */
export function allowingPattern(
  id: string,
  patterns: readonly string[]
): string | null {
  for (const raw of patterns) {
    const pattern = raw.trim();
    if (!pattern) {
      continue;
    }
    if (pattern.endsWith('*')) {
      if (id.startsWith(pattern.slice(0, -1))) {
        return pattern;
      }
    } else if (id === pattern) {
      return pattern;
    }
  }
  return null;
}

/**
 * Whether any of `fields` contains `query`, ignoring case (an empty query
 * matches everything).
 */
export function matchesQuery(
  query: string | undefined,
  fields: readonly string[]
): boolean {
  const needle = (query ?? '').trim().toLowerCase();
  if (!needle) {
    return true;
  }
  return fields.some(field => field.toLowerCase().includes(needle));
}

/**
 * What a command returned, as a tool can report it.
 */
export type CommandResult =
  | { kind: 'none' }
  | { kind: 'json'; value: JsonValue }
  | { kind: 'summary'; summary: string };

/**
 * Report a command's return value: JSON values as they are, nothing for
 * `undefined`, and a one-line summary for anything else (widgets, models,
 * cyclic or too large values).
 */
export function describeCommandResult(
  value: unknown,
  maxChars = 20000
): CommandResult {
  if (value === undefined) {
    return { kind: 'none' };
  }
  if (Private.isJson(value, new Set(), 0)) {
    const text = JSON.stringify(value);
    if (text.length <= maxChars) {
      return { kind: 'json', value: value as JsonValue };
    }
    return {
      kind: 'summary',
      summary: `a JSON value of ${text.length} characters (too large to return)`
    };
  }
  return { kind: 'summary', summary: Private.summarize(value) };
}

namespace Private {
  const MAX_DEPTH = 32;

  /**
   * Whether `value` is plain JSON: primitives, arrays and plain objects,
   * without cycles.
   */
  export function isJson(
    value: unknown,
    seen: Set<object>,
    depth: number
  ): boolean {
    if (value === null) {
      return true;
    }
    switch (typeof value) {
      case 'boolean':
      case 'string':
        return true;
      case 'number':
        return Number.isFinite(value);
      case 'object':
        break;
      default:
        return false;
    }
    const object = value as object;
    if (depth > MAX_DEPTH || seen.has(object)) {
      return false;
    }
    seen.add(object);
    let ok: boolean;
    if (Array.isArray(object)) {
      ok = object.every(item => isJson(item, seen, depth + 1));
    } else {
      const proto = Object.getPrototypeOf(object) as unknown;
      ok =
        (proto === Object.prototype || proto === null) &&
        Object.values(object).every(
          item => item === undefined || isJson(item, seen, depth + 1)
        );
    }
    seen.delete(object);
    return ok;
  }

  /**
   * A one-line description of a value that is not JSON.
   */
  export function summarize(value: unknown): string {
    if (typeof value !== 'object' || value === null) {
      return `a value of type ${typeof value}`;
    }
    const record = value as Record<string, unknown>;
    const name =
      (value as { constructor?: { name?: string } }).constructor?.name ||
      'object';
    const parts: string[] = [];
    if (typeof record.id === 'string' && record.id) {
      parts.push(`id "${record.id}"`);
    }
    const title = record.title as { label?: unknown } | undefined;
    if (title && typeof title.label === 'string' && title.label) {
      parts.push(`titled "${title.label}"`);
    }
    return `a ${name}${parts.length ? ` (${parts.join(', ')})` : ''}, not JSON`;
  }
}
