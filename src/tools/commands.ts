/**
 * Command tools: list JupyterLab's commands, and run the ones the user
 * allows (the `allowedCommands` setting).
 */

import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { z } from 'zod';

import { pageOf } from '../core/cells';
import type { JsonValue } from '../core/commands';
import { cellsRunBy, runsCells } from '../core/commandcategories';
import {
  cellsRunByCommand,
  checkCommand,
  commandInfo,
  commandNotebook,
  describeCommand,
  findCommands,
  runCommand,
  type ICommandInfo
} from '../jupyter/commands';
import { jsonOutput, ToolError, type IPreviewContext } from '../mcp/tool';
import {
  defineJupyterTool,
  type IJupyterServices,
  type JupyterTool
} from './services';
import { checkTimeout, notebookFor } from './arguments';
import { approvedRun } from './binding';
import { checkNotebook } from './checks';

const listCommands = defineJupyterTool({
  name: 'list_commands',
  title: 'List JupyterLab commands',
  description:
    'List the commands of the user\'s JupyterLab (the ids behind its menus, palette and shortcuts, e.g. "notebook:run-all-cells"): id, label, caption, whether JupyterLab says it is enabled right now (this usually depends on the tab the user has in front), the JSON schema of its arguments where JupyterLab declares one, and "allowed": whether execute_command may run it (the user\'s "allowedCommands" setting). Filter with "query" (matches id, label or caption) and page with "start_index"/"limit".',
  category: 'read',
  input: {
    query: z
      .string()
      .optional()
      .describe(
        'Only commands whose id, label or caption contains this text, ignoring case (e.g. "run", "notebook:", "save").'
      ),
    allowed_only: z
      .boolean()
      .default(false)
      .describe('Only the commands execute_command may run (default false).'),
    start_index: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Index of the first matching command to return (default 0).'),
    limit: z
      .number()
      .int()
      .min(0)
      .default(50)
      .describe('Most commands to return (default 50; 0 for all).')
  },
  output: {
    total: z.number().int().describe('Commands matching.'),
    start_index: z.number().int(),
    commands: z.array(z.object(commandInfo)),
    allowed_commands_setting: z.array(z.string())
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  run: async (args, context) => {
    const { commands } = context.services;
    const allowlist = context.services.limits().allowedCommands;
    const ids = findCommands(
      commands,
      args.query,
      args.allowed_only,
      allowlist
    );
    const page = pageOf(ids.length, args.start_index, args.limit);
    const listed: ICommandInfo[] = [];
    for (const id of ids.slice(page.start, page.end)) {
      listed.push(await describeCommand(commands, id, allowlist));
    }
    const more =
      page.end < ids.length
        ? ` More follow: call again with start_index=${page.end}.`
        : '';
    return jsonOutput(
      ids.length
        ? `Commands ${page.start} to ${page.end - 1} of ${ids.length} matching.${more}`
        : 'No command matches.',
      {
        total: ids.length,
        start_index: page.start,
        commands: listed,
        allowed_commands_setting: allowlist
      }
    );
  }
});

const executeCommand = defineJupyterTool({
  name: 'execute_command',
  title: 'Run a JupyterLab command',
  description:
    'Run a JupyterLab command by id with JSON arguments, as if the user chose it from a menu, but only if the user\'s "allowedCommands" setting allows it (see list_commands, "allowed"). Most notebook commands act on the notebook the user has in front, and on its active or selected cells; pass "notebook_path" to make notebook:* commands act on that notebook instead, without bringing it to the front (this adds the arguments semanticWidget and activate=false). Document commands such as docmanager:save always act on the tab in front. Waits up to "timeout_seconds" for the command; returns its result when it is JSON, else a one-line summary, and status "done", "running" (still going at the timeout) or the error.',
  category: 'commands',
  input: {
    command_id: z
      .string()
      .min(1)
      .describe('The command id, e.g. "notebook:clear-all-cell-outputs".'),
    args: z
      .record(z.string(), z.unknown())
      .default({})
      .describe(
        "The command's arguments as a JSON object (see its args_schema in list_commands); default {}."
      ),
    notebook_path: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Run a notebook:* command on this notebook (relative to the Jupyter server root; opened in the background if needed) instead of the one the user has in front. Its focus is not taken.'
      ),
    timeout_seconds: z
      .number()
      .positive()
      .default(60)
      .describe(
        'Seconds to wait for the command to finish (default 60; at most the configured maximum, normally 3600). It goes on running after.'
      )
  },
  output: {
    command_id: z.string(),
    label: z.string(),
    args: z.record(z.string(), z.json()).describe('The arguments it ran with.'),
    notebook_path: z.string().nullable(),
    status: z
      .enum(['done', 'running'])
      .describe('"done", or "running" at the timeout.'),
    result: z
      .json()
      .optional()
      .describe('What the command returned, when it is JSON.'),
    result_summary: z
      .string()
      .optional()
      .describe('A one-line summary of a result that is not JSON.')
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true
  },
  check: async (args, context) => {
    const limits = context.services.limits();
    checkCommand(
      context.services.commands,
      args.command_id.trim(),
      limits.allowedCommands
    );
    checkTimeout(args.timeout_seconds, context);
    Private.jsonArgs(args.args);
    if (args.notebook_path !== undefined) {
      await checkNotebook(args, context);
    }
  },
  preview: async (args, context) => {
    const id = args.command_id.trim();
    if (runsCells(id)) {
      await Private.previewRun(id, args, context);
    }
  },
  run: async (args, context) => {
    const limits = context.services.limits();
    const { commands } = context.services;
    const id = args.command_id.trim();
    checkCommand(commands, id, limits.allowedCommands);
    checkTimeout(args.timeout_seconds, context);
    let commandArgs = Private.jsonArgs(args.args);
    let notebook: string | null = null;
    if (args.notebook_path !== undefined) {
      const panel = await notebookFor(args, context);
      notebook = panel.context.path;
      commandArgs = {
        semanticWidget: panel.id,
        activate: false,
        ...commandArgs
      };
    }
    // Approval binds to the cells the dialog showed; the command reads
    // their code as runCommand calls it.
    const target = runsCells(id)
      ? commandNotebook(context.services.tracker, commandArgs)
      : null;
    if (target) {
      approvedRun(
        context,
        target.context.path
      )?.(cellsRunByCommand(id, target));
    }
    const run = await runCommand(commands, id, commandArgs, {
      allowlist: limits.allowedCommands,
      timeoutSeconds: args.timeout_seconds,
      maxChars: limits.maxOutputChars
    });
    if (run.status === 'failed') {
      throw new ToolError(`The command "${id}" failed: ${run.error}`);
    }
    const label = commands.label(id);
    const data: {
      command_id: string;
      label: string;
      args: Record<string, JsonValue>;
      notebook_path: string | null;
      status: 'done' | 'running';
      result?: JsonValue;
      result_summary?: string;
    } = {
      command_id: id,
      label,
      args: commandArgs,
      notebook_path: notebook,
      status: run.status
    };
    let summary: string;
    if (run.status === 'running') {
      summary = `"${id}" (${label}) is still running after ${args.timeout_seconds} s; it goes on in the page.`;
    } else if (run.result.kind === 'json') {
      data.result = run.result.value;
      summary = `Ran "${id}" (${label}); it returned a value.`;
    } else if (run.result.kind === 'summary') {
      data.result_summary = run.result.summary;
      summary = `Ran "${id}" (${label}); it returned ${run.result.summary}.`;
    } else {
      summary = `Ran "${id}" (${label}).`;
    }
    return jsonOutput(summary, data);
  }
});

/**
 * The command tools.
 */
export const commandTools: JupyterTool[] = [listCommands, executeCommand];

namespace Private {
  /**
   * Show the cells a command that runs cells would run, as the code that
   * runs: in the notebook it is given (as the page finds it, or as
   * JupyterLab will open it: on its first cell, nothing selected), else in
   * the notebook in front.
   */
  export async function previewRun(
    id: string,
    args: { args: Record<string, unknown>; notebook_path?: string },
    { target, services, preview }: IPreviewContext<IJupyterServices>
  ): Promise<void> {
    const path = target.notebookPath;
    if (args.notebook_path !== undefined && path) {
      const panel = services.workspace.find(path);
      if (panel) {
        preview.run(path, cellsRunByCommand(id, panel));
        return;
      }
      const notebook = await services.workspace.peek(path);
      if (notebook) {
        const indexes = cellsRunBy(id, {
          count: notebook.cells.length,
          activeIndex: 0,
          selected: []
        });
        preview.run(
          path,
          indexes
            .filter(index => notebook.cells[index].type === 'code')
            .map(index => ({
              id: notebook.cells[index].id,
              index,
              source: notebook.cells[index].source
            }))
        );
      }
      return;
    }
    const panel = commandNotebook(
      services.tracker,
      args.args as Parameters<typeof commandNotebook>[1]
    );
    if (panel) {
      preview.note(
        `The command acts on ${panel.context.path}, the notebook in front.`
      );
      preview.run(panel.context.path, cellsRunByCommand(id, panel));
    }
  }

  /**
   * The arguments as a JSON object (refusing values JSON cannot hold).
   */
  export function jsonArgs(
    args: Record<string, unknown>
  ): Record<string, JsonValue> & ReadonlyPartialJSONObject {
    try {
      return JSON.parse(JSON.stringify(args)) as Record<string, JsonValue> &
        ReadonlyPartialJSONObject;
    } catch {
      throw new ToolError('"args" must be a JSON object.');
    }
  }
}
