/**
 * Pairing that cannot be hijacked: a link (or a setting) naming a relay that
 * is not on this computer connects nothing until the user accepts, and a
 * refusal changes nothing.
 *
 * `relay.mcp-bridge.test` is mapped to 127.0.0.1 by Chromium's
 * `--host-resolver-rules` (see playwright.config.ts): to the page it is
 * another computer, and a plain TCP server here sees whether anything
 * connects to it.
 */

import type { Page } from '@playwright/test';
import { createServer, type Server } from 'node:net';
import { WebSocketServer } from 'ws';

import {
  acceptOwnRelay,
  expect,
  freePort,
  openPairedPage,
  test,
  type IBridgeEnv
} from '../fixtures';

const PLUGIN = 'jupyterlab-mcp-bridge-extension:plugin';
const TOKEN_KEY = 'jupyterlab-mcp-bridge:relay-token';
const PAIRED_KEY = 'jupyterlab-mcp-bridge:paired-relay';

/**
 * The relay URL a pairing link left in the browser's storage, if any.
 */
async function pairedRelay(page: Page): Promise<string | null> {
  const stored = await page.evaluate(
    key => localStorage.getItem(key),
    PAIRED_KEY
  );
  return stored ? (JSON.parse(stored) as { url: string }).url : null;
}

/**
 * A TCP server standing for a stranger's relay; it counts connections.
 */
async function strangerRelay(host = 'relay.mcp-bridge.test'): Promise<{
  url: string;
  connections: () => number;
  close: () => Promise<void>;
}> {
  const port = await freePort();
  let count = 0;
  const server: Server = createServer(socket => {
    count += 1;
    socket.destroy();
  });
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `ws://${host}:${port}/page`,
    connections: () => count,
    close: () => new Promise(resolve => server.close(() => resolve()))
  };
}

function workspace(name: string): string {
  return `${name}${Date.now()}`;
}

function strangerLink(env: IBridgeEnv, ws: string, relayUrl: string): string {
  return (
    `${env.labUrl}/lab/workspaces/${ws}?token=${env.labToken}` +
    `#mcp-bridge-url=${encodeURIComponent(relayUrl)}&mcp-bridge-token=stranger-token`
  );
}

/**
 * The bridge's settings as saved on the server.
 */
async function savedSettings(page: Page): Promise<string> {
  return page.evaluate(async id => {
    const app = (
      window as unknown as {
        jupyterapp: {
          serviceManager: {
            settings: { fetch(id: string): Promise<{ raw: string }> };
          };
        };
      }
    ).jupyterapp;
    return (await app.serviceManager.settings.fetch(id)).raw;
  }, PLUGIN);
}

/**
 * Save the bridge's settings on the server (the page reads them at start).
 */
async function saveSettings(
  page: Page,
  values: Record<string, unknown>
): Promise<void> {
  await page.evaluate(
    async ([id, raw]) => {
      const app = (
        window as unknown as {
          jupyterapp: {
            serviceManager: {
              settings: { save(id: string, raw: string): Promise<void> };
            };
          };
        }
      ).jupyterapp;
      await app.serviceManager.settings.save(id, raw);
    },
    [PLUGIN, JSON.stringify(values)] as const
  );
}

async function waitForRestored(page: Page): Promise<void> {
  await page.waitForFunction(
    () => !!(window as unknown as { jupyterapp?: unknown }).jupyterapp
  );
  await page.evaluate(async () => {
    await (window as unknown as { jupyterapp: { restored: Promise<void> } })
      .jupyterapp.restored;
  });
}

test.describe('pairing', () => {
  test('a link to a relay elsewhere asks first; refusing connects nothing and changes nothing', async ({
    page,
    env
  }) => {
    const stranger = await strangerRelay();
    try {
      // The user's own pairing, with the relay on this computer: silent.
      await openPairedPage(page, env, workspace('own'));
      const before = await savedSettings(page);
      // Pairing is not the user's change to the settings: the relay is kept
      // in the browser's storage, and the Settings Editor shows nothing
      // modified.
      expect(before).not.toContain('relayUrl');
      expect(await pairedRelay(page)).toBe(env.relayUrl);
      // The token is not a setting: the Settings Editor never shows it.
      expect(before).not.toContain(env.token);

      // A stranger's link.
      await page.goto(strangerLink(env, workspace('stranger'), stranger.url));
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog).toBeVisible();
      await expect(dialog.locator('.jp-McpBridge-relayUrl')).toHaveText(
        stranger.url
      );
      await expect(dialog).toContainText('not on this computer');
      await expect(dialog).toContainText('run code in your kernels');
      // The token left the address bar before the user answered.
      expect(page.url()).not.toContain('stranger-token');
      expect(stranger.connections()).toBe(0);

      await dialog.getByRole('button', { name: 'Do not connect' }).click();
      await expect(dialog).toHaveCount(0);
      const status = page.locator('.jp-McpBridge-status');
      await expect(status).toHaveAttribute('title', /did not accept/);

      // Nothing was saved: the settings, the relay and the token are the
      // user's own.
      expect(await savedSettings(page)).toBe(before);
      expect(await pairedRelay(page)).toBe(env.relayUrl);
      expect(
        await page.evaluate(key => localStorage.getItem(key), TOKEN_KEY)
      ).toBe(env.token);

      // Reloaded without a link, the page connects to the user's own relay,
      // never to the stranger's.
      await page.goto(
        `${env.labUrl}/lab/workspaces/${workspace('after')}?token=${env.labToken}`
      );
      await waitForRestored(page);
      await expect(status).toHaveAttribute('data-status', 'connected');
      expect(stranger.connections()).toBe(0);
    } finally {
      await stranger.close();
    }
  });

  test('a link to a relay on this computer but on another port than the settings asks first; refusing changes nothing', async ({
    page,
    env
  }) => {
    // Another user of this computer can listen on any free port.
    const squatter = await strangerRelay('127.0.0.1');
    try {
      await openPairedPage(page, env, workspace('own'));
      const before = await savedSettings(page);
      await page.goto(strangerLink(env, workspace('port'), squatter.url));
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog.locator('.jp-McpBridge-relayUrl')).toHaveText(
        squatter.url
      );
      await expect(dialog).toContainText(
        'on this computer but is not the relay JupyterLab uses'
      );
      await expect(dialog).toContainText(env.relayUrl);
      await expect(dialog).toContainText('Any program on this computer');
      expect(page.url()).not.toContain('stranger-token');
      expect(squatter.connections()).toBe(0);
      await dialog.getByRole('button', { name: 'Do not connect' }).click();
      await expect(page.locator('.jp-McpBridge-status')).toHaveAttribute(
        'title',
        /did not accept/
      );
      expect(squatter.connections()).toBe(0);
      expect(await savedSettings(page)).toBe(before);
      expect(
        await page.evaluate(key => localStorage.getItem(key), TOKEN_KEY)
      ).toBe(env.token);
    } finally {
      await squatter.close();
    }
  });

  test('a link to the relay of the settings with another token asks before it replaces the token held', async ({
    page,
    env
  }) => {
    await openPairedPage(page, env, workspace('held'));
    await page.goto(
      `${env.labUrl}/lab/workspaces/${workspace('swap')}?token=${env.labToken}` +
        `#mcp-bridge-url=${encodeURIComponent(env.relayUrl)}&mcp-bridge-token=another-token`
    );
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Replace the MCP bridge token?');
    await expect(dialog.locator('.jp-McpBridge-relayUrl')).toHaveText(
      env.relayUrl
    );
    await dialog.getByRole('button', { name: 'Do not connect' }).click();
    await expect(dialog).toHaveCount(0);
    expect(
      await page.evaluate(key => localStorage.getItem(key), TOKEN_KEY)
    ).toBe(env.token);
  });

  test('accepting a relay elsewhere saves it and connects to it', async ({
    page,
    env
  }) => {
    const stranger = await strangerRelay();
    try {
      await page.goto(strangerLink(env, workspace('accept'), stranger.url));
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog.locator('.jp-McpBridge-relayUrl')).toHaveText(
        stranger.url
      );
      expect(stranger.connections()).toBe(0);
      await dialog
        .getByRole('button', { name: 'Connect', exact: true })
        .click();
      await expect.poll(() => stranger.connections()).toBeGreaterThan(0);
      // Kept in the browser, not written into the user's settings.
      expect(await pairedRelay(page)).toBe(stranger.url);
      expect(await savedSettings(page)).not.toContain(stranger.url);
    } finally {
      await stranger.close();
    }
  });

  test('a relay elsewhere set in the settings asks on the next connect', async ({
    page,
    env
  }) => {
    const stranger = await strangerRelay();
    try {
      await openPairedPage(page, env, workspace('settings'));
      await saveSettings(page, { relayUrl: stranger.url });

      await page.goto(
        `${env.labUrl}/lab/workspaces/${workspace('next')}?token=${env.labToken}`
      );
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog.locator('.jp-McpBridge-relayUrl')).toHaveText(
        stranger.url
      );
      await expect(dialog).toContainText('settings name this relay');
      await dialog.getByRole('button', { name: 'Do not connect' }).click();
      const status = page.locator('.jp-McpBridge-status');
      await expect(status).toHaveAttribute('title', /did not accept/);
      await expect(status).toHaveAttribute('data-status', 'disconnected');
      expect(stranger.connections()).toBe(0);
    } finally {
      await stranger.close();
      await saveSettings(page, {});
    }
  });
});

test('a relay of another protocol version is named in the status bar', async ({
  page,
  env
}) => {
  const port = await freePort();
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port,
    handleProtocols: protocols =>
      [...protocols].find(p => p.startsWith('jupyterlab-mcp-bridge.v')) ?? false
  });
  let connections = 0;
  server.on('connection', ws => {
    connections += 1;
    ws.close(
      4002,
      'relay 9.9.9 speaks protocol v9, the page v2: install the same version of both'
    );
  });
  try {
    await page.goto(
      `${env.labUrl}/lab/workspaces/${workspace('versions')}?token=${env.labToken}` +
        `#mcp-bridge-url=${encodeURIComponent(`ws://127.0.0.1:${port}/page`)}&mcp-bridge-token=${env.token}`
    );
    // Another port than the settings': the user says it is their relay.
    await acceptOwnRelay(page, `ws://127.0.0.1:${port}/page`);
    const status = page.locator('.jp-McpBridge-status');
    await expect(status).toHaveAttribute(
      'title',
      /Version mismatch: the relay 9\.9\.9 speaks protocol v9, the page v2/
    );
    await expect(status).toHaveAttribute('data-status', 'disconnected');
    expect(connections).toBe(1);
  } finally {
    await new Promise(resolve => server.close(resolve));
    await saveSettings(page, {});
  }
});
