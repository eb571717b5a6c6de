/**
 * The JupyterLab command registry as tools see it: describing commands and
 * running one with a time limit.
 */

import { PageConfig } from '@jupyterlab/coreutils';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { CommandRegistry } from '@lumino/commands';
import { z } from 'zod';

import {
  allowingPattern,
  describeCommandResult,
  matchesQuery,
  type CommandResult,
  type JsonValue
} from '../core/commands';
import type { ICellToRun } from '../core/approved';
import { cellsRunBy } from '../core/commandcategories';
import { withTimeout } from '../core/timeout';
import { ToolError } from '../mcp/tool';

/**
 * A command as list_commands reports it (its output schema of one).
 * `enabled` is JupyterLab's `isEnabled` evaluated with no arguments (it
 * usually reflects the tab the user has in front); `allowed`, whether
 * the `allowedCommands` setting lets execute_command run it.
 */
export const commandInfo = {
  id: z.string(),
  label: z.string(),
  caption: z.string(),
  enabled: z.boolean(),
  allowed: z.boolean().describe('Whether execute_command may run it.'),
  args_schema: z
    .json()
    .optional()
    .describe('The JSON schema of its arguments, when declared.')
};

/**
 * A command as list_commands reports it.
 */
export type ICommandInfo = z.output<z.ZodObject<typeof commandInfo>>;

/**
 * The ids of registered commands matching `query` (in id, label or
 * caption), sorted.
 */
export function findCommands(
  commands: CommandRegistry,
  query: string | undefined,
  allowedOnly: boolean,
  allowlist: readonly string[]
): string[] {
  return commands
    .listCommands()
    .filter(
      id =>
        (!allowedOnly || allowingPattern(id, allowlist) !== null) &&
        matchesQuery(query, [
          id,
          Private.safe(() => commands.label(id), ''),
          Private.safe(() => commands.caption(id), '')
        ])
    )
    .sort();
}

/**
 * Describe one command.
 */
export async function describeCommand(
  commands: CommandRegistry,
  id: string,
  allowlist: readonly string[]
): Promise<ICommandInfo> {
  const info: ICommandInfo = {
    id,
    label: Private.safe(() => commands.label(id), ''),
    caption: Private.safe(() => commands.caption(id), ''),
    enabled: Private.safe(() => commands.isEnabled(id), false),
    allowed: allowingPattern(id, allowlist) !== null
  };
  try {
    const description = await commands.describedBy(id);
    if (description.args) {
      info.args_schema = JSON.parse(
        JSON.stringify(description.args)
      ) as JsonValue;
    }
  } catch {
    // Commands whose description fails are listed without a schema.
  }
  return info;
}

/**
 * The notebook a `notebook:*` command acts on: the one its
 * `semanticWidget` argument names, else the one JupyterLab has current.
 */
export function commandNotebook(
  tracker: INotebookTracker,
  args: ReadonlyPartialJSONObject
): NotebookPanel | null {
  const id = args.semanticWidget;
  if (typeof id === 'string') {
    return tracker.find(panel => panel.id === id) ?? null;
  }
  return tracker.currentWidget;
}

/**
 * The code cells a cell-running command would run in `panel` now (its
 * active and selected cells, those above or below, or all), with their
 * code.
 */
export function cellsRunByCommand(
  id: string,
  panel: NotebookPanel
): ICellToRun[] {
  const notebook = panel.content;
  const selected: number[] = [];
  notebook.widgets.forEach((cell, index) => {
    if (notebook.isSelectedOrActive(cell)) {
      selected.push(index);
    }
  });
  const cells = panel.context.model.sharedModel.cells;
  return cellsRunBy(id, {
    count: cells.length,
    activeIndex: notebook.activeCellIndex,
    selected
  })
    .filter(index => cells[index]?.cell_type === 'code')
    .map(index => ({
      id: cells[index].id,
      index,
      source: cells[index].getSource()
    }));
}

/**
 * The outcome of running a command.
 */
export type CommandRun =
  | { status: 'done'; result: CommandResult }
  | { status: 'running' }
  | { status: 'failed'; error: string };

/**
 * Refuse, with a {@link ToolError} naming `command_id`, an id that is not
 * a command of the page or that the `allowlist` does not allow.
 */
export function checkCommand(
  commands: CommandRegistry,
  id: string,
  allowlist: readonly string[]
): void {
  if (!commands.hasCommand(id)) {
    throw new ToolError(
      `"command_id" "${id}" is not a JupyterLab command of this page; list_commands (with "query") shows the ids.`
    );
  }
  if (allowingPattern(id, allowlist) === null) {
    throw new ToolError(
      `"command_id" "${id}" is not allowed by the "allowedCommands" setting (Settings Editor → MCP Bridge), so it was not run. Allowed: ${
        allowlist.join(', ') || '(none)'
      }. Only the user can change this setting.`
    );
  }
}

/**
 * Run a command the `allowlist` allows (see {@link checkCommand}), waiting
 * at most `timeoutSeconds` for it to finish (it goes on running
 * afterwards). The result is made JSON, and the page's Jupyter token is
 * never returned.
 */
export async function runCommand(
  commands: CommandRegistry,
  id: string,
  args: ReadonlyPartialJSONObject,
  options: {
    allowlist: readonly string[];
    timeoutSeconds: number;
    maxChars: number;
  }
): Promise<CommandRun> {
  checkCommand(commands, id, options.allowlist);
  const run = commands.execute(id, args).then(
    (value: unknown): CommandRun => ({
      status: 'done',
      result: Private.redact(describeCommandResult(value, options.maxChars))
    }),
    (reason: unknown): CommandRun => ({
      status: 'failed',
      error: Private.redactText(
        reason instanceof Error ? reason.message : String(reason)
      )
    })
  );
  const outcome = await withTimeout(run, options.timeoutSeconds * 1000);
  return outcome.timedOut ? { status: 'running' } : outcome.value;
}

namespace Private {
  /**
   * Call `get`, or return `fallback` when it throws (some commands' label
   * or state functions need arguments or a current widget).
   */
  export function safe<T>(get: () => T, fallback: T): T {
    try {
      return get();
    } catch {
      return fallback;
    }
  }

  /**
   * Remove the Jupyter token from text.
   */
  export function redactText(text: string): string {
    const token = PageConfig.getToken();
    return token && token.length >= 4
      ? text.split(token).join('[redacted]')
      : text;
  }

  /**
   * Remove the Jupyter token from a command result.
   */
  export function redact(result: CommandResult): CommandResult {
    if (result.kind === 'none') {
      return result;
    }
    if (result.kind === 'summary') {
      return { kind: 'summary', summary: redactText(result.summary) };
    }
    const text = JSON.stringify(result.value);
    const clean = redactText(text);
    return clean === text
      ? result
      : { kind: 'json', value: JSON.parse(clean) as JsonValue };
  }
}
