/**
 * The approval dialog and the activity panel as a user sees them, in the
 * light and the dark theme at 1400×900, checked by element geometry (not
 * pixels): the change is shown whole and first, the countdown stays in
 * view, Escape denies, every button's label lies inside its button, an
 * activity row keeps to two lines with its outcome, notebook and cell in
 * view; and nothing is warned in the browser console. The screenshots of
 * the README are taken here (ui-tests/screenshots/).
 */

import type { ConsoleMessage, Locator, Page } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  call,
  connectHttp,
  disconnect,
  expect,
  notebookCells,
  setBridgeSettings,
  test,
  textOf
} from '../fixtures';
import { runLabCommand, writeNotebook } from '../page-helpers';

test.use({
  bridgeDefaults: {},
  viewport: { width: 1400, height: 900 },
  // Writing a new file probes it first through the contents service,
  // which answers 404 and Chromium logs each one.
  allowedConsoleErrors: [
    /^Failed to load resource: the server responded with a status of 404/
  ]
});

const SCREENSHOTS = join(__dirname, '..', 'screenshots');

const THEMES = [
  { name: 'light', theme: 'JupyterLab Light' },
  { name: 'dark', theme: 'JupyterLab Dark' }
] as const;

/**
 * Switch JupyterLab's theme and wait until it applies.
 */
async function setTheme(page: Page, theme: string): Promise<void> {
  await runLabCommand(page, 'apputils:change-theme', { theme });
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-name',
    theme
  );
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-light',
    theme === 'JupyterLab Light' ? 'true' : 'false'
  );
}

/**
 * The console warnings of `page` from now on.
 */
function watchWarnings(page: Page): string[] {
  const warnings: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'warning') {
      warnings.push(message.text());
    }
  });
  return warnings;
}

/**
 * The buttons under `root` whose label does not lie inside them, each
 * with both boxes (none when every label fits).
 */
async function labelsOutsideButtons(root: Locator): Promise<string[]> {
  return root.evaluate(node => {
    const outside: string[] = [];
    for (const button of Array.from(node.querySelectorAll('button'))) {
      const text = button.textContent?.trim() ?? '';
      const box = button.getBoundingClientRect();
      if (!text || box.width === 0) {
        continue;
      }
      const range = document.createRange();
      range.selectNodeContents(button);
      const label = range.getBoundingClientRect();
      if (
        label.left < box.left - 0.5 ||
        label.right > box.right + 0.5 ||
        label.top < box.top - 0.5 ||
        label.bottom > box.bottom + 0.5
      ) {
        outside.push(
          `"${text}": label ${label.left},${label.top}–${label.right},${label.bottom} in button ${box.left},${box.top}–${box.right},${box.bottom}`
        );
      }
    }
    return outside;
  });
}

/**
 * The number of lines the text of `locator` takes (distinct line boxes),
 * leaving out the labels of buttons.
 */
async function linesOf(locator: Locator): Promise<number> {
  return locator.evaluate(node => {
    const tops = new Set<number>();
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      if (text.parentElement?.closest('button')) {
        continue;
      }
      const range = document.createRange();
      range.selectNodeContents(text);
      for (const rect of Array.from(range.getClientRects())) {
        if (rect.width > 0 && rect.height > 0) {
          tops.add(Math.round(rect.top / 4));
        }
      }
    }
    return tops.size;
  });
}

/**
 * Whether `inner` lies wholly inside `outer` (and in the viewport), and
 * is not covered where it is.
 */
async function inView(inner: Locator, outer: Locator): Promise<string> {
  const box = await outer.evaluate(node => {
    const rect = node.getBoundingClientRect();
    return {
      left: rect.left,
      top: rect.top,
      right: rect.right,
      bottom: rect.bottom
    };
  });
  return inner.evaluate((node, outer) => {
    const rect = node.getBoundingClientRect();
    const bounds = {
      left: Math.max(outer.left, 0),
      top: Math.max(outer.top, 0),
      right: Math.min(outer.right, window.innerWidth),
      bottom: Math.min(outer.bottom, window.innerHeight)
    };
    if (
      rect.width === 0 ||
      rect.left < bounds.left - 0.5 ||
      rect.top < bounds.top - 0.5 ||
      rect.right > bounds.right + 0.5 ||
      rect.bottom > bounds.bottom + 0.5
    ) {
      return `at ${rect.left},${rect.top}–${rect.right},${rect.bottom}, outside ${bounds.left},${bounds.top}–${bounds.right},${bounds.bottom}`;
    }
    const hit = document.elementFromPoint(
      (rect.left + rect.right) / 2,
      (rect.top + rect.bottom) / 2
    );
    return hit && (hit === node || node.contains(hit))
      ? 'in view'
      : `covered by ${hit?.className ?? 'nothing'}`;
  }, box);
}

/**
 * Focus the first cell's editor of the notebook tab `name`: the user is
 * typing when the dialog comes.
 */
async function typeInNotebook(page: Page, name: string): Promise<void> {
  await runLabCommand(page, 'docmanager:open', { path: name });
  const cells = await notebookCells(page, name);
  await cells.nth(0).locator('.cm-content').click();
  await expect(cells.nth(0).locator('.cm-content')).toBeFocused();
}

for (const { name: themeName, theme } of THEMES) {
  test.describe(`${themeName} theme`, () => {
    test.afterEach(async ({ lab }) => {
      await setTheme(lab, 'JupyterLab Light');
      await setBridgeSettings(lab, {});
    });

    test('the approval dialog shows the change first and whole, its countdown in view, the arguments sent once, and Escape denies', async ({
      lab,
      env,
      mcp
    }) => {
      const warnings = watchWarnings(lab);
      await setTheme(lab, theme);
      writeNotebook(env, 'typing.ipynb', [
        { id: 'typed', type: 'code', source: 'x = 1' }
      ]);
      await typeInNotebook(lab, 'typing.ipynb');
      const file = join(env.rootDir, 'hello.txt');
      writeFileSync(file, 'hi\n');
      const content = 'hello\nworld\n';
      const pending = call(mcp, 'write_file', { path: 'hello.txt', content });
      const dialog = lab.locator('.jp-McpBridge-approvalDialog');
      await expect(dialog).toBeVisible();
      const body = dialog.locator('.jp-Dialog-body');
      // The focus moved from the notebook into the dialog, on Deny.
      await expect(dialog.getByRole('button', { name: 'Deny' })).toBeFocused();

      // The change first: the diff is as tall as its lines, and above the
      // arguments.
      const diff = dialog.locator('.jp-McpBridge-diff');
      await expect(diff.locator('.jp-McpBridge-diffRemoved')).toHaveText([
        '- hi'
      ]);
      await expect(diff.locator('.jp-McpBridge-diffAdded')).toHaveText([
        '+ hello',
        '+ world'
      ]);
      const sizes = await diff.evaluate(node => {
        const lines = Array.from(node.querySelectorAll('span[data-line]'));
        return {
          client: node.clientHeight,
          scroll: node.scrollHeight,
          lines: lines.reduce(
            (sum, line) => sum + line.getBoundingClientRect().height,
            0
          ),
          bottom: node.getBoundingClientRect().bottom
        };
      });
      expect(sizes.lines).toBeGreaterThan(0);
      expect(sizes.client).toBeGreaterThanOrEqual(sizes.lines);
      expect(sizes.scroll).toBeLessThanOrEqual(sizes.client);
      expect(await inView(diff, body)).toBe('in view');
      const toggle = dialog.locator('.jp-McpBridge-approvalArgsToggle');
      const toggleTop = await toggle.evaluate(
        node => node.getBoundingClientRect().top
      );
      expect(toggleTop).toBeGreaterThanOrEqual(sizes.bottom);

      // The countdown is in view, not scrolled away.
      const countdown = dialog.locator('.jp-McpBridge-approvalCountdown');
      await expect(countdown).toContainText('No answer within');
      expect(await inView(countdown, body)).toBe('in view');

      // Words a user knows: no session id; the larger grant written out.
      await expect(dialog.locator('.jp-McpBridge-approvalClient')).toHaveText(
        /^Client: e2e-http 1\.0\.0, over http, connected at /
      );
      await expect(dialog).not.toContainText(/session [0-9a-zA-Z-]{6}/);
      await expect(dialog.locator('.jp-McpBridge-approvalScope')).toHaveText(
        '“Allow for this session” lets e2e-http 1.0.0 run write_file again without asking: this client, this tool, until it disconnects.'
      );
      const session = dialog.getByRole('button', {
        name: 'Allow for this session'
      });
      const once = dialog.getByRole('button', { name: 'Allow once' });
      const styles = await Promise.all(
        [session, once].map(button =>
          button.evaluate(node => getComputedStyle(node).backgroundColor)
        )
      );
      expect(styles[0]).not.toBe(styles[1]);

      // The arguments, collapsed: only those the agent sent (no defaults),
      // the content not twice.
      const args = dialog.locator('.jp-McpBridge-approvalArgs dl');
      await expect(args).toBeHidden();
      await expect(toggle).toHaveText('The arguments the agent sent (2)');
      await toggle.click();
      await expect(args).toBeVisible();
      await expect(args.locator('dt')).toHaveText(['path', 'content']);
      await expect(args.locator('pre[data-argument="path"]')).toHaveText(
        'hello.txt'
      );
      await expect(args.locator('pre[data-argument="content"]')).toHaveCount(0);
      await expect(args.locator('dd').nth(1)).toHaveText('shown above');
      expect(await inView(countdown, body)).toBe('in view');

      // Every label inside its button (the footer's and the body's).
      expect(await labelsOutsideButtons(dialog)).toEqual([]);
      await lab.screenshot({
        path: join(SCREENSHOTS, `approval-dialog-${themeName}.png`)
      });

      // Escape denies.
      await lab.keyboard.press('Escape');
      await expect(dialog).toHaveCount(0);
      const result = await pending;
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('The user denied write_file');
      expect(readFileSync(file, 'utf-8')).toBe('hi\n');

      // A long change scrolls within itself; the countdown stays in view.
      const long = Array.from({ length: 300 }, (_, i) => `line ${i}`).join(
        '\n'
      );
      const second = call(mcp, 'write_file', {
        path: 'hello.txt',
        content: long
      });
      await expect(dialog).toBeVisible();
      const scroll = await diff.evaluate(node => ({
        client: node.clientHeight,
        scroll: node.scrollHeight
      }));
      expect(scroll.scroll).toBeGreaterThan(scroll.client);
      expect(scroll.client).toBeGreaterThan(200);
      expect(await inView(countdown, body)).toBe('in view');
      expect(await labelsOutsideButtons(dialog)).toEqual([]);
      // Enter on Deny (where the focus starts) denies: nothing dangerous.
      await expect(dialog.getByRole('button', { name: 'Deny' })).toBeFocused();
      await lab.keyboard.press('Enter');
      await expect(dialog).toHaveCount(0);
      expect((await second).isError).toBe(true);
      expect(readFileSync(file, 'utf-8')).toBe('hi\n');
      expect(warnings, 'console warnings').toEqual([]);
    });

    test('the activity panel keeps each row to two lines with its outcome, notebook and cell in view, and marks the tab an agent works in', async ({
      lab,
      env
    }) => {
      const warnings = watchWarnings(lab);
      await setTheme(lab, theme);
      const path = 'projects/analysis/demo.ipynb';
      writeNotebook(env, path, [
        { id: 'intro', type: 'markdown', source: '# Demo' },
        { id: 'code', type: 'code', source: 'x = 1' }
      ]);
      const { client } = await connectHttp(env, {
        name: 'a-client-with-a-rather-long-name'
      });
      try {
        await runLabCommand(lab, 'mcp-bridge:show-activity');
        const panel = lab.locator('.jp-McpBridge-activity');
        await expect(panel).toBeVisible();
        // The agent opens the notebook behind the Launcher, and works in it.
        expect(
          (await call(client, 'use_notebook', { notebook_path: path })).isError
        ).toBeFalsy();
        const inserted = await call(client, 'insert_execute_code_cell', {
          cell_index: 2,
          cell_source: 'print("hello")'
        });
        expect(inserted.isError, textOf(inserted)).toBeFalsy();
        // A blank cell runs as JupyterLab runs it: nothing is sent, no error.
        expect(
          (
            await call(client, 'insert_cell', {
              cell_index: 3,
              cell_type: 'code',
              cell_source: ''
            })
          ).isError
        ).toBeFalsy();
        const blank = await call(client, 'execute_cell', { cell_index: 3 });
        expect(blank.isError, textOf(blank)).toBeFalsy();
        expect(textOf(blank)).toMatch(
          /^Cell 3 \(id [^)]+\) is blank: nothing was sent to the kernel\./
        );
        const rows = panel.locator('.jp-McpBridge-call');
        await expect(rows).toHaveCount(4);
        await expect(rows.nth(0)).toHaveAttribute('data-outcome', 'ok');
        await expect(
          panel.locator('.jp-McpBridge-call[data-tool="execute_cell"]')
        ).toHaveAttribute('data-outcome', 'ok');

        // The tab of the notebook shows that an agent works in it, while the
        // user looks at another one.
        const tab = lab.locator('.lm-TabBar-tab', {
          has: lab.locator('.lm-TabBar-tabLabel', { hasText: 'demo.ipynb' })
        });
        await expect(tab).toHaveClass(/jp-McpBridge-agentTab/);
        await expect(tab).toHaveAttribute(
          'data-mcp-bridge-agent',
          'a-client-with-a-rather-long-name 1.0.0'
        );

        const width = await panel.evaluate(
          node => node.getBoundingClientRect().width
        );
        for (const [label, wide] of [
          ['default', false],
          ['widened', true]
        ] as const) {
          if (wide) {
            await widenRightPanel(lab, 240);
            await expect
              .poll(() =>
                panel.evaluate(node => node.getBoundingClientRect().width)
              )
              .toBeGreaterThan(width + 100);
          }
          const where = `${label} width`;
          expect(await linesOf(panel.locator('h2')), `${where}: title`).toBe(1);
          const clientRow = panel.locator('.jp-McpBridge-client');
          expect(
            await linesOf(clientRow.locator('.jp-McpBridge-clientDetails')),
            `${where}: client details`
          ).toBe(1);
          expect(await linesOf(clientRow), `${where}: client row`).toBe(2);
          for (let i = 0; i < 4; i++) {
            const row = rows.nth(i);
            const tool = (await row.getAttribute('data-tool')) ?? '';
            expect(await linesOf(row), `${where}: ${tool} row`).toBe(2);
            expect(
              await inView(row.locator('.jp-McpBridge-callOutcome'), panel),
              `${where}: ${tool} outcome`
            ).toBe('in view');
            const name = row.locator('.jp-McpBridge-callName');
            await expect(name).toHaveText('demo.ipynb');
            await expect(name).toHaveAttribute('title', path);
            expect(
              await name.evaluate(node => {
                const range = document.createRange();
                range.selectNodeContents(node);
                const text = range.getBoundingClientRect().width;
                const box = node.getBoundingClientRect().width;
                // Chromium draws the ellipsis for a fraction of a pixel
                // too many: no tolerance.
                return node.scrollWidth <= node.clientWidth &&
                  text <= box + 0.01
                  ? 'whole'
                  : `cut: ${text} px of text in ${box} px`;
              }),
              `${where}: ${tool} notebook name whole`
            ).toBe('whole');
            const cell = row.locator('.jp-McpBridge-callCell');
            if (tool === 'use_notebook') {
              // Opening a notebook acts on no cell.
              await expect(cell).toHaveCount(0);
            } else {
              await expect(cell).toHaveText(/^, cell [23]$/);
              expect(await inView(cell, panel), `${where}: ${tool} cell`).toBe(
                'in view'
              );
            }
          }
          expect(await labelsOutsideButtons(panel), where).toEqual([]);
          if (!wide) {
            await lab.screenshot({
              path: join(SCREENSHOTS, `activity-panel-${themeName}.png`)
            });
          }
        }
        // The session id only in a tooltip.
        await expect(panel).not.toContainText(/session/i);
        await expect(panel.locator('.jp-McpBridge-clientName')).toHaveAttribute(
          'title',
          /^a-client-with-a-rather-long-name 1\.0\.0 \(MCP session [\w-]{8,}\)$/
        );
        await expect(lab.locator('.jp-McpBridge-status')).toHaveAttribute(
          'title',
          /^MCP bridge connected; 1 client connected\.$/m
        );
      } finally {
        await disconnect(client);
      }
      expect(warnings, 'console warnings').toEqual([]);
    });
  });
}

/**
 * Drag the handle of the right side panel `by` pixels to the left.
 */
async function widenRightPanel(page: Page, by: number): Promise<void> {
  // Lumino gives every child a handle and hides the last one: the right
  // panel's is the visible handle furthest to the right.
  const handles = page.locator(
    '#jp-main-split-panel > .lm-SplitPanel-handle:not(.lm-mod-hidden)'
  );
  const boxes = (
    await Promise.all((await handles.all()).map(handle => handle.boundingBox()))
  ).filter(
    (box): box is NonNullable<typeof box> => box !== null && box.width > 0
  );
  const box = boxes.sort((a, b) => b.x - a.x)[0];
  if (!box) {
    throw new Error('The right side panel has no handle in view');
  }
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x - by, y, { steps: 8 });
  await page.mouse.up();
}
