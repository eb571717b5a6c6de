/**
 * Token rotation: from the page's command and from the CLI. The old token is
 * refused at once on /mcp and /page; the page keeps working with the new one
 * without the user typing it, and a --stdio client reads the file again.
 *
 * This spec runs its own relay with a token file (the shared test relay
 * takes its token from the environment, which a rotation cannot change).
 */

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

import {
  call,
  connectHttp,
  disconnect,
  expect,
  freePort,
  openPairedPage,
  RELAY_BIN,
  startProcess,
  stop,
  test,
  type IBridgeEnv
} from '../fixtures';

const TOKEN_KEY = 'jupyterlab-mcp-bridge:relay-token';

function pageUpgradeStatus(
  port: number,
  token: string,
  origin: string
): Promise<number> {
  return new Promise(resolve => {
    const socket = new WebSocket(
      `ws://127.0.0.1:${port}/page`,
      ['jupyterlab-mcp-bridge.v1', `bearer.${token}`],
      { origin }
    );
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('error', () => resolve(0));
  });
}

test('a rotated token is refused at once; the page and a --stdio client carry on with the new one', async ({
  page,
  env
}) => {
  const configHome = mkdtempSync(join(tmpdir(), 'mcp-bridge-rotate-'));
  const tokenFile = join(configHome, 'jupyterlab-mcp-bridge', 'token');
  const port = await freePort();
  const relayEnv: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: configHome
  };
  delete relayEnv.JUPYTERLAB_MCP_BRIDGE_TOKEN;
  const relay = await startProcess(
    process.execPath,
    [RELAY_BIN, '--port', String(port), '--lab-url', `${env.labUrl}/lab`],
    relayEnv,
    /RELAY_READY/,
    'relay'
  );
  const clients: Client[] = [];
  try {
    const first = readFileSync(tokenFile, 'utf-8').trim();
    const own = (token: string): IBridgeEnv => ({
      ...env,
      relayPort: port,
      relayUrl: `ws://127.0.0.1:${port}/page`,
      token,
      pairingUrl: workspace =>
        `${env.labUrl}/lab/workspaces/${workspace}?token=${env.labToken}` +
        `#mcp-bridge-url=${encodeURIComponent(`ws://127.0.0.1:${port}/page`)}&mcp-bridge-token=${token}`
    });
    await openPairedPage(page, own(first), `rotate${Date.now()}`);
    const before = (await connectHttp(own(first))).client;
    clients.push(before);
    expect((await call(before, 'list_notebooks')).isError).toBeFalsy();

    // 1. From the page: the command palette's "Rotate MCP bridge token".
    await page.evaluate(() =>
      (
        window as unknown as {
          jupyterapp: { commands: { execute(id: string): Promise<unknown> } };
        }
      ).jupyterapp.commands.execute('mcp-bridge:rotate-token')
    );
    await expect
      .poll(() => page.evaluate(key => localStorage.getItem(key), TOKEN_KEY))
      .not.toBe(first);
    const second = (await page.evaluate(
      key => localStorage.getItem(key),
      TOKEN_KEY
    )) as string;
    expect(readFileSync(tokenFile, 'utf-8').trim()).toBe(second);

    // The old token is refused at once, on /mcp and on /page.
    await expect(call(before, 'list_notebooks')).rejects.toThrow();
    await expect(connectHttp(own(first))).rejects.toThrow();
    expect(await pageUpgradeStatus(port, first, env.labUrl)).toBe(401);
    // The page still serves, with the new token.
    const after = (await connectHttp(own(second))).client;
    clients.push(after);
    expect((await call(after, 'list_notebooks')).isError).toBeFalsy();

    // A --stdio client that read the token file before the next rotation.
    const stdio = new McpClient({ name: 'e2e-stdio', version: '1.0.0' });
    await stdio.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [RELAY_BIN, '--stdio', '--port', String(port)],
        env: relayEnv as Record<string, string>,
        stderr: 'pipe'
      })
    );
    clients.push(stdio);
    expect((await call(stdio, 'list_notebooks')).isError).toBeFalsy();

    // 2. From the command line.
    const cli = spawnSync(process.execPath, [RELAY_BIN, '--rotate-token'], {
      env: relayEnv,
      encoding: 'utf-8'
    });
    expect(cli.status).toBe(0);
    expect(cli.stderr).toContain('New token written to');
    const third = readFileSync(tokenFile, 'utf-8').trim();
    expect(third).not.toBe(second);
    expect(cli.stderr).not.toContain(third);
    await expect
      .poll(() => page.evaluate(key => localStorage.getItem(key), TOKEN_KEY))
      .toBe(third);
    await expect(call(after, 'list_notebooks')).rejects.toThrow();
    expect(await pageUpgradeStatus(port, second, env.labUrl)).toBe(401);
    // The --stdio client reads the file again and carries on.
    expect((await call(stdio, 'list_notebooks')).isError).toBeFalsy();

    // 3. Reloaded without a link, the page connects with the token it kept.
    await page.goto(
      `${env.labUrl}/lab/workspaces/rotated${Date.now()}?token=${env.labToken}`
    );
    await expect(page.locator('.jp-McpBridge-status')).toHaveAttribute(
      'data-status',
      'connected'
    );
    const last = (await connectHttp(own(third))).client;
    clients.push(last);
    expect((await call(last, 'list_notebooks')).isError).toBeFalsy();
  } finally {
    for (const client of clients) {
      await disconnect(client).catch(() => undefined);
    }
    await stop(relay.child);
    rmSync(configHome, { recursive: true, force: true });
  }
});
