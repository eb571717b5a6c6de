/**
 * Helpers of the command, context and resource specs: notebooks written
 * straight into the server root, and notebook panels looked up in the page.
 */

import type { Page } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { IBridgeEnv } from './fixtures';

/** A 2x2 red PNG. */
export const PNG_B64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==';

/**
 * A cell of a notebook written by {@link writeNotebook}.
 */
export interface ICellSpec {
  id: string;
  type: 'code' | 'markdown';
  source: string;
  outputs?: Record<string, unknown>[];
}

/**
 * Write a Python notebook (nbformat 4.5, with kernelspec) into the server
 * root.
 */
export function writeNotebook(
  env: IBridgeEnv,
  path: string,
  cells: ICellSpec[]
): void {
  const file = join(env.rootDir, path);
  mkdirSync(dirname(file), { recursive: true });
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3',
        language: 'python'
      },
      language_info: { name: 'python' }
    },
    cells: cells.map((cell, index) =>
      cell.type === 'code'
        ? {
            id: cell.id,
            cell_type: 'code',
            source: cell.source,
            metadata: {},
            execution_count: cell.outputs?.length ? index + 1 : null,
            outputs: cell.outputs ?? []
          }
        : {
            id: cell.id,
            cell_type: 'markdown',
            source: cell.source,
            metadata: {}
          }
    )
  };
  writeFileSync(file, JSON.stringify(notebook, null, 1));
}

/**
 * A stream output.
 */
export function stream(text: string): Record<string, unknown> {
  return { output_type: 'stream', name: 'stdout', text };
}

/**
 * A PNG display output.
 */
export function pngOutput(): Record<string, unknown> {
  return {
    output_type: 'display_data',
    metadata: {},
    data: {
      'image/png': PNG_B64,
      'text/plain': '<IPython.core.display.Image object>'
    }
  };
}

/**
 * The DOM id of the notebook panel showing `path` ('' if none).
 */
export async function panelId(page: Page, path: string): Promise<string> {
  return page.evaluate(p => {
    const app = (
      window as unknown as {
        jupyterapp: {
          shell: {
            widgets(
              area: string
            ): Iterable<{ id: string; context?: { path: string } }>;
          };
        };
      }
    ).jupyterapp;
    for (const widget of app.shell.widgets('main')) {
      if (widget.context?.path === p) {
        return widget.id;
      }
    }
    return '';
  }, path);
}

/**
 * The path of the document in front of the main area (or its label).
 */
export async function frontPath(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const app = (
      window as unknown as {
        jupyterapp: {
          shell: {
            currentWidget: {
              title: { label: string };
              context?: { path: string };
            } | null;
          };
        };
      }
    ).jupyterapp;
    const widget = app.shell.currentWidget;
    return widget ? (widget.context?.path ?? widget.title.label) : null;
  });
}

/**
 * The bridge's activity log in the page, newest first: tool (or
 * `resources/read`), outcome and message of each entry.
 */
export async function activityEntries(
  page: Page
): Promise<{ tool: string; outcome: string; message: string }[]> {
  return page.evaluate(async () => {
    const registry = (
      window as unknown as {
        jupyterapp: {
          pluginRegistry: {
            _services: Map<{ name: string }, string>;
            resolveRequiredService(token: unknown): Promise<{
              activity: {
                entries: { tool: string; outcome: string; message: string }[];
              };
            }>;
          };
        };
      }
    ).jupyterapp.pluginRegistry;
    const token = [...registry._services.keys()].find(
      key => key.name === 'jupyterlab-mcp-bridge-extension:IMcpBridge'
    );
    const bridge = await registry.resolveRequiredService(token);
    return bridge.activity.entries.map(({ tool, outcome, message }) => ({
      tool,
      outcome,
      message
    }));
  });
}

/**
 * Count every approval dialog that appears in the page from now on (even
 * one that closes at once): read the count with {@link dialogsShown}.
 */
export async function countDialogs(page: Page): Promise<void> {
  await page.evaluate(() => {
    const state = window as unknown as { mcpDialogsShown?: number };
    state.mcpDialogsShown = 0;
    new MutationObserver(records => {
      for (const record of records) {
        for (const node of Array.from(record.addedNodes)) {
          if (
            node instanceof HTMLElement &&
            (node.matches('.jp-McpBridge-approvalDialog') ||
              node.querySelector('.jp-McpBridge-approvalDialog'))
          ) {
            state.mcpDialogsShown = (state.mcpDialogsShown ?? 0) + 1;
          }
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
}

/**
 * How many approval dialogs appeared since {@link countDialogs}.
 */
export async function dialogsShown(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      (window as unknown as { mcpDialogsShown?: number }).mcpDialogsShown ?? 0
  );
}

/**
 * Run a JupyterLab command in the page, as the palette or a menu would
 * (what it returns, often a widget, stays in the page).
 */
export async function runLabCommand(
  page: Page,
  id: string,
  args: Record<string, unknown> = {}
): Promise<void> {
  await page.evaluate(
    async ([id, args]) => {
      await (
        window as unknown as {
          jupyterapp: {
            commands: { execute(id: string, args: unknown): Promise<unknown> };
          };
        }
      ).jupyterapp.commands.execute(id, args);
    },
    [id, args] as const
  );
}
