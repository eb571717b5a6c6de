/**
 * Sessions, pages and relays that come and go: abandoned sessions expire,
 * a killed relay is found again, and a --stdio client outlives the client
 * that hosted the relay.
 *
 * Each test runs its own relay (with a token file) so that it can stop it.
 */

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Page } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  call,
  connectHttp,
  disconnect,
  expect,
  freePort,
  notebookCells,
  openPairedPage,
  RELAY_BIN,
  savedNotebook,
  startProcess,
  stop,
  test,
  textOf,
  type IBridgeEnv
} from '../fixtures';

/**
 * A relay of this test: its port, its environment (a token file in a
 * private config dir) and the bridge environment pointing at it.
 */
interface IOwnRelay {
  port: number;
  env: NodeJS.ProcessEnv;
  token: () => string;
  bridge: (env: IBridgeEnv) => IBridgeEnv;
  cleanup: () => void;
}

async function ownRelay(): Promise<IOwnRelay> {
  const configHome = mkdtempSync(join(tmpdir(), 'mcp-bridge-life-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: configHome
  };
  delete env.JUPYTERLAB_MCP_BRIDGE_TOKEN;
  const token = () =>
    readFileSync(
      join(configHome, 'jupyterlab-mcp-bridge', 'token'),
      'utf-8'
    ).trim();
  return {
    port,
    env,
    token,
    bridge: base => ({
      ...base,
      relayPort: port,
      relayUrl: `ws://127.0.0.1:${port}/page`,
      token: token(),
      pairingUrl: workspace =>
        `${base.labUrl}/lab/workspaces/${workspace}?token=${base.labToken}` +
        `#mcp-bridge-url=${encodeURIComponent(`ws://127.0.0.1:${port}/page`)}&mcp-bridge-token=${token()}`
    }),
    cleanup: () => rmSync(configHome, { recursive: true, force: true })
  };
}

function startRelay(relay: IOwnRelay, extra: string[] = []) {
  return startProcess(
    process.execPath,
    [RELAY_BIN, '--port', String(relay.port), ...extra],
    relay.env,
    /RELAY_READY/,
    'relay'
  );
}

function health(port: number): Promise<{ pages: number; sessions: number }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/healthz' }, res => {
      let body = '';
      res.on('data', chunk => (body += chunk));
      res.on('end', () => resolve(JSON.parse(body)));
    })
      .on('error', reject)
      .end();
  });
}

/**
 * Open a session with a raw initialize and go away without DELETE.
 */
function abandonSession(port: number, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/mcp',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          Authorization: `Bearer ${token}`
        }
      },
      res => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      }
    );
    req.on('error', reject);
    req.end(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'gone', version: '0' }
        }
      })
    );
  });
}

function stdioClient(
  relay: IOwnRelay,
  name: string
): { client: Client; connected: Promise<void> } {
  const client = new Client({ name, version: '1.0.0' });
  const connected = client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [RELAY_BIN, '--stdio', '--port', String(relay.port)],
      env: relay.env as Record<string, string>,
      stderr: 'pipe'
    })
  );
  return { client, connected };
}

function clientsShown(page: Page): Promise<string | null> {
  return page.locator('.jp-McpBridge-status').getAttribute('data-clients');
}

test.describe('sessions, pages and relays that come and go', () => {
  test('200 sessions abandoned without DELETE are gone after the idle time, in relay and page', async ({
    page,
    env
  }) => {
    const relay = await ownRelay();
    // More sessions than the default cap (64): this is about idle ones.
    const running = await startRelay(relay, [
      '--session-idle-minutes',
      '0.05',
      '--max-sessions',
      '250'
    ]);
    try {
      await openPairedPage(page, relay.bridge(env), `idle${Date.now()}`);
      const token = relay.token();
      for (let batch = 0; batch < 20; batch++) {
        const statuses = await Promise.all(
          Array.from({ length: 10 }, () => abandonSession(relay.port, token))
        );
        expect(statuses.every(status => status === 200)).toBe(true);
      }
      // All 200 reached the page before any expired, or some already did:
      // either way, after the idle time (3 s) nothing of them is left.
      await expect
        .poll(async () => (await health(relay.port)).sessions, {
          timeout: 30_000
        })
        .toBe(0);
      await expect
        .poll(() => clientsShown(page), { timeout: 30_000 })
        .toBe('0');
      const stored = await page.evaluate(
        () =>
          Object.keys(sessionStorage).filter(key =>
            key.startsWith('jupyterlab-mcp-bridge:session:')
          ).length
      );
      expect(stored).toBe(0);
      // A new client is served as usual.
      const { client } = await connectHttp(relay.bridge(env));
      expect((await call(client, 'list_notebooks')).isError).toBeFalsy();
      await disconnect(client);
    } finally {
      await stop(running.child);
      relay.cleanup();
    }
  });

  test('the relay is killed and restarted: the page reconnects by itself and the next call works', async ({
    page,
    env
  }) => {
    const relay = await ownRelay();
    let running = await startRelay(relay);
    try {
      await openPairedPage(page, relay.bridge(env), `restart${Date.now()}`);
      const status = page.locator('.jp-McpBridge-status');
      running.child.kill('SIGKILL');
      await expect(status).not.toHaveAttribute('data-status', 'connected');
      running = await startRelay(relay);
      await expect(status).toHaveAttribute('data-status', 'connected', {
        timeout: 30_000
      });
      const { client } = await connectHttp(relay.bridge(env));
      expect((await call(client, 'list_notebooks')).isError).toBeFalsy();
      await disconnect(client);
    } finally {
      await stop(running.child);
      relay.cleanup();
    }
  });

  test('the --stdio client hosting the relay exits; another one goes on, with its notebook', async ({
    page,
    env
  }) => {
    const relay = await ownRelay();
    // The first client's process becomes the relay; its initialize waits
    // for the page.
    const { client: host, connected } = stdioClient(relay, 'host');
    let other: Client | undefined;
    try {
      await expect
        .poll(() =>
          health(relay.port).then(
            () => true,
            () => false
          )
        )
        .toBe(true);
      await openPairedPage(page, relay.bridge(env), `takeover${Date.now()}`);
      await connected;
      const joining = stdioClient(relay, 'other');
      other = joining.client;
      await joining.connected;
      const used = await call(other, 'use_notebook', {
        notebook_path: 'takeover.ipynb'
      });
      expect(used.isError).toBeFalsy();
      await call(other, 'insert_cell', {
        cell_index: -1,
        cell_type: 'code',
        cell_source: 'x = 1'
      });

      // The client whose process hosts the relay quits.
      await host.close();

      // The other one's next call succeeds without restarting it: its
      // process becomes the relay, the page reconnects, and the renewed
      // session keeps its notebook.
      const read = await call(other, 'read_notebook', {});
      expect(read.isError, textOf(read)).toBeFalsy();
      expect(read.structuredContent).toMatchObject({
        path: 'takeover.ipynb',
        total_cells: 1
      });
      await expect(page.locator('.jp-McpBridge-status')).toHaveAttribute(
        'data-status',
        'connected'
      );
    } finally {
      await other?.close();
      await host.close().catch(() => undefined);
      relay.cleanup();
    }
  });
});

/**
 * A second paired tab beside `lab`, focused before `lab`: `lab` (focused
 * last) serves new sessions. Headless Chromium sends no focus events by
 * itself, so the test sends them.
 */
async function secondTab(
  lab: Page,
  env: IBridgeEnv,
  label: string
): Promise<Page> {
  const other = await lab.context().newPage();
  await openPairedPage(other, env, `${label}${Date.now()}`);
  const focus = (page: Page) =>
    page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await focus(other);
  await focus(lab);
  await expect(lab.locator('.jp-McpBridge-status')).toHaveAttribute(
    'data-serving',
    'true'
  );
  return other;
}

test('two tabs: a new session goes to the tab focused last, and moves with its notebook when that tab closes', async ({
  lab,
  env
}) => {
  const other = await secondTab(lab, env, 'second');
  await expect(other.locator('.jp-McpBridge-status')).toContainText('standby');

  const { client } = await connectHttp(env);
  try {
    // The first tab, focused last, serves the new session.
    await call(client, 'use_notebook', { notebook_path: 'two-tabs.ipynb' });
    await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'code',
      cell_source: 'agent_first = 1'
    });
    const started = await call(client, 'execute_cell', {
      cell_index: 0,
      wait: false
    });
    const runId = (started.structuredContent as { execution_id: string })
      .execution_id;
    // (The first tab may also hold sessions earlier tests left behind.)
    await expect(other.locator('.jp-McpBridge-status')).toHaveAttribute(
      'data-clients',
      '0'
    );
    const context = await call(client, 'get_active_context', {});
    const pages = (
      context.structuredContent as {
        pages: { serves_this_session: boolean; preferred: boolean }[];
      }
    ).pages;
    expect(pages).toHaveLength(2);
    expect(pages.filter(page => page.serves_this_session)).toEqual([
      expect.objectContaining({ preferred: true })
    ]);

    // The serving tab closes (once its run ended and it saved, as a user
    // would close it): the session moves to the other tab, with its
    // notebook, and the next call works there.
    await expect(
      (await notebookCells(lab, 'two-tabs.ipynb'))
        .nth(0)
        .locator('.jp-InputPrompt')
    ).toContainText('[1]');
    await savedNotebook(lab, env, 'two-tabs.ipynb');
    await lab.close();
    await expect(other.locator('.jp-McpBridge-status')).toHaveAttribute(
      'data-clients',
      /^[1-9]/
    );
    const read = await call(client, 'read_notebook', {});
    expect(read.isError, textOf(read)).toBeFalsy();
    expect(read.structuredContent).toMatchObject({
      path: 'two-tabs.ipynb',
      total_cells: 1
    });
    // The run stayed with the tab that closed; this tab says so.
    const collect = await call(client, 'get_execution_result', {
      execution_id: runId
    });
    expect(collect.isError).toBe(true);
    expect(textOf(collect)).toContain('has since closed or reloaded');
    // The user types in that tab; the agent edits and saves: both are kept.
    await other
      .locator('.lm-TabBar-tab', { hasText: 'two-tabs.ipynb' })
      .click();
    const cell = other.locator('.jp-Notebook .jp-Cell').first();
    await cell.locator('.cm-content').click();
    await other.keyboard.press('End');
    await other.keyboard.type('  # the user');
    await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'code',
      cell_source: 'agent_second = 2'
    });
    await expect
      .poll(() =>
        env
          .readNotebook('two-tabs.ipynb')
          .cells.map(c =>
            Array.isArray(c.source) ? c.source.join('') : c.source
          )
      )
      .toEqual(['agent_first = 1  # the user', 'agent_second = 2']);
  } finally {
    await disconnect(client);
    await other.close();
  }
});

test("two tabs on one notebook: an agent's save reloads the other tab's copy, so the user's save there keeps the agent's work", async ({
  lab,
  env
}) => {
  const other = await secondTab(lab, env, 'copy');
  const name = 'shared-copy.ipynb';
  const { client } = await connectHttp(env);
  try {
    await call(client, 'use_notebook', { notebook_path: name });
    await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'code',
      cell_source: 'agent_one = 1'
    });
    await savedNotebook(lab, env, name);
    // The user opens the same notebook in the other tab.
    await other.evaluate(
      path =>
        (
          window as unknown as {
            jupyterapp: {
              commands: {
                execute(id: string, args: unknown): Promise<unknown>;
              };
            };
          }
        ).jupyterapp.commands
          .execute('docmanager:open', { path })
          .then(() => undefined),
      name
    );
    const cells = await notebookCells(other, name);
    await expect(cells).toHaveCount(1);

    // The agent edits in the serving tab; the other tab's copy follows.
    await call(client, 'insert_cell', {
      cell_index: -1,
      cell_type: 'code',
      cell_source: 'agent_two = 2'
    });
    await expect(cells).toHaveCount(2);
    await expect(cells.nth(1)).toContainText('agent_two = 2');

    // The user types in the other tab and saves it: nothing of the agent's
    // is lost, and no dialog is needed.
    await cells.nth(0).locator('.cm-content').click();
    await other.keyboard.press('End');
    await other.keyboard.type('  # the user');
    await other.evaluate(() =>
      (
        window as unknown as {
          jupyterapp: { commands: { execute(id: string): Promise<unknown> } };
        }
      ).jupyterapp.commands.execute('docmanager:save')
    );
    await expect
      .poll(() =>
        env
          .readNotebook(name)
          .cells.map(c =>
            Array.isArray(c.source) ? c.source.join('') : c.source
          )
      )
      .toEqual(['agent_one = 1  # the user', 'agent_two = 2']);
    await expect(other.locator('.jp-Dialog')).toHaveCount(0);
  } finally {
    await disconnect(client);
    await other.close();
  }
});
