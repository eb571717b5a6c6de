/**
 * Token rotation revokes: from the page's command and from the CLI, every
 * page socket and every session of the old token is closed at once. The
 * tab that asked comes back by proving the new token, and so does another
 * tab of its origin (it reads the token that tab kept); a --stdio client
 * reads the file again. After a rotation from the CLI no page is told the
 * new token: the user pairs again with the new pairing link.
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

import {
  acceptOwnRelay,
  call,
  connectHttp,
  disconnect,
  expect,
  freePort,
  openPageSocket,
  openPairedPage,
  RELAY_BIN,
  startProcess,
  stop,
  test,
  type IBridgeEnv
} from '../fixtures';

const TOKEN_KEY = 'jupyterlab-mcp-bridge:relay-token';

/**
 * The status of a `ping` on a session, with `token`.
 */
async function pingStatus(
  port: number,
  token: string,
  sessionId: string
): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/mcp`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'Mcp-Session-Id': sessionId,
      'Mcp-Protocol-Version': '2025-06-18'
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' })
  });
  await response.body?.cancel();
  return response.status;
}

async function pagesConnected(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return ((await response.json()) as { pages: number }).pages;
}

test("a rotation closes every page socket and session of the old token; the user's tabs and a --stdio client come back with the new one", async ({
  page,
  env
}) => {
  const configHome = mkdtempSync(join(tmpdir(), 'mcp-bridge-rotate-'));
  const tokenFile = join(configHome, 'jupyterlab-mcp-bridge', 'token');
  const linkFile = join(configHome, 'jupyterlab-mcp-bridge', 'pairing-link');
  const port = await freePort();
  const relayUrl = `ws://127.0.0.1:${port}/page`;
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
  const tokenNow = () =>
    page.evaluate(key => localStorage.getItem(key), TOKEN_KEY);
  try {
    const first = readFileSync(tokenFile, 'utf-8').trim();
    const own = (token: string): IBridgeEnv => ({
      ...env,
      relayPort: port,
      relayUrl,
      token,
      pairingUrl: workspace =>
        `${env.labUrl}/lab/workspaces/${workspace}?token=${env.labToken}` +
        `#mcp-bridge-url=${encodeURIComponent(relayUrl)}&mcp-bridge-token=${token}`
    });
    await openPairedPage(page, own(first), `rotate${Date.now()}`);
    // A second tab of the same browser: it connects with the token the
    // first one keeps, no link.
    const second = await page.context().newPage();
    await second.goto(
      `${env.labUrl}/lab/workspaces/second${Date.now()}?token=${env.labToken}`
    );
    await expect(second.locator('.jp-McpBridge-status')).toHaveAttribute(
      'data-status',
      'connected'
    );
    await expect.poll(() => pagesConnected(port)).toBe(2);
    const connected = await connectHttp(own(first));
    const before = connected.client;
    clients.push(before);
    expect((await call(before, 'list_notebooks')).isError).toBeFalsy();
    const oldSession = connected.transport.sessionId as string;
    // A page socket opened with the old token before the rotation (say by
    // whoever had it).
    const leaked = await openPageSocket(relayUrl, first, env.labUrl);
    expect(leaked.welcomed).toBe(true);

    // 1. From the page: the command palette's "Rotate MCP bridge token".
    await page.evaluate(() =>
      (
        window as unknown as {
          jupyterapp: { commands: { execute(id: string): Promise<unknown> } };
        }
      ).jupyterapp.commands.execute('mcp-bridge:rotate-token')
    );
    expect(await leaked.closed).toBe(4003);
    await expect.poll(tokenNow).not.toBe(first);
    const secondToken = (await tokenNow()) as string;
    expect(readFileSync(tokenFile, 'utf-8').trim()).toBe(secondToken);
    expect(readFileSync(linkFile, 'utf-8')).toContain(secondToken);
    // The socket of the old token got nothing but the close.
    expect(leaked.received).toEqual(['auth-relay', 'welcome']);

    // The old token is refused at once, and the session it opened is over.
    await expect(call(before, 'list_notebooks')).rejects.toThrow();
    expect(await pingStatus(port, first, oldSession)).toBe(401);
    expect(await pingStatus(port, secondToken, oldSession)).toBe(404);
    await expect(connectHttp(own(first))).rejects.toThrow();
    const stale = await openPageSocket(relayUrl, first, env.labUrl);
    expect(stale.welcomed).toBe(false);
    // Both tabs come back by proving the new token.
    for (const tab of [page, second]) {
      await expect(tab.locator('.jp-McpBridge-status')).toHaveAttribute(
        'data-status',
        'connected'
      );
    }
    await expect.poll(() => pagesConnected(port)).toBe(2);
    await second.close();
    const reconnected = await connectHttp(own(secondToken));
    const after = reconnected.client;
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

    // 2. From the command line: no page is told the new token.
    const cli = spawnSync(process.execPath, [RELAY_BIN, '--rotate-token'], {
      env: relayEnv,
      encoding: 'utf-8'
    });
    expect(cli.status).toBe(0);
    expect(cli.stderr).toContain('New token written to');
    expect(cli.stderr).toContain(linkFile);
    const third = readFileSync(tokenFile, 'utf-8').trim();
    expect(third).not.toBe(secondToken);
    expect(cli.stderr).not.toContain(third);
    // The relay takes the file up within a second.
    await expect
      .poll(() =>
        pingStatus(port, secondToken, reconnected.transport.sessionId as string)
      )
      .toBe(401);
    await expect(call(after, 'list_notebooks')).rejects.toThrow();
    const status = page.locator('.jp-McpBridge-status');
    // The page lost its socket and cannot come back with the token it has.
    await expect(status).toHaveAttribute(
      'title',
      /did not prove that it knows the token/
    );
    expect(await tokenNow()).toBe(secondToken);

    // The user pairs again with the new pairing link (the file was updated).
    const link = readFileSync(linkFile, 'utf-8').trim();
    expect(link).toContain(third);
    const url = new URL(link);
    await page.goto(
      `${env.labUrl}/lab/workspaces/repaired${Date.now()}?token=${env.labToken}${url.hash}`
    );
    // It replaces the token this browser holds: the user confirms.
    await acceptOwnRelay(page, relayUrl);
    await expect(status).toHaveAttribute('data-status', 'connected');
    expect(await tokenNow()).toBe(third);
    // The --stdio client read the file again and carries on, on a new
    // session (the old one ended with the old token).
    expect((await call(stdio, 'list_notebooks')).isError).toBeFalsy();

    // 3. Reloaded without a link, the page connects with the token it kept.
    await page.goto(
      `${env.labUrl}/lab/workspaces/rotated${Date.now()}?token=${env.labToken}`
    );
    await expect(status).toHaveAttribute('data-status', 'connected');
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
