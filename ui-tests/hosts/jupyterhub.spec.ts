/**
 * JupyterHub 6 with two users, alice and bob, each with a relay and a token
 * of their own (as each would run `jupyterlab-mcp-bridge` on their own
 * machine): each user's page pairs with their relay through the hub's
 * origin, an agent creates, edits and runs a notebook under the hub, and
 * neither user's agent, token or browser reaches the other's page, session
 * or files.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  acceptOwnRelay,
  call,
  connectHttp,
  disconnect,
  expect,
  freePort,
  readWholeJson,
  startRelay,
  stop,
  test,
  textOf,
  watchConsole,
  type IBridgeEnv,
  type NotebookJson
} from '../fixtures';
import { logIn, startHub, type IHub } from './hub';
import { agentRunsACell } from './smoke';

const USERS = ['alice', 'bob'] as const;
type User = (typeof USERS)[number];

test.describe.configure({ mode: 'serial' });

let stateDir = '';
let hub: IHub;
const relays: ChildProcess[] = [];
const envs = {} as Record<User, IBridgeEnv>;
const pages = {} as Record<User, Page>;
const contexts: BrowserContext[] = [];

/**
 * A user's own relay, and how their agent and page reach it.
 */
async function userRelay(user: User): Promise<IBridgeEnv> {
  const relayPort = await freePort();
  const token = randomBytes(32).toString('base64url');
  const configDir = mkdtempSync(join(tmpdir(), `mcp-hub-${user}-config-`));
  const labUrl = `${hub.url}/user/${user}`;
  relays.push(
    await startRelay({
      port: relayPort,
      token,
      configDir,
      labUrl: `${labUrl}/lab`
    })
  );
  const relayUrl = `ws://127.0.0.1:${relayPort}/page`;
  return {
    rootDir: hub.home(user),
    configDir,
    labUrl,
    labToken: '',
    relayPort,
    relayUrl,
    token,
    pairingUrl: workspace =>
      `${labUrl}/lab/workspaces/${workspace}` +
      `#mcp-bridge-url=${encodeURIComponent(relayUrl)}&mcp-bridge-token=${token}`,
    readNotebook: path =>
      readWholeJson(join(hub.home(user), path)) as NotebookJson
  };
}

/**
 * What a relay's health endpoint says.
 */
async function health(env: IBridgeEnv): Promise<{ pages: number }> {
  const response = await fetch(`http://127.0.0.1:${env.relayPort}/healthz`);
  return (await response.json()) as { pages: number };
}

test.beforeAll(async ({ browser }: { browser: Browser }) => {
  test.setTimeout(300_000);
  stateDir = mkdtempSync(join(tmpdir(), 'mcp-hub-'));
  hub = await startHub(stateDir, [...USERS], randomBytes(8).toString('hex'));
  for (const user of USERS) {
    envs[user] = await userRelay(user);
    const context = await browser.newContext();
    contexts.push(context);
    pages[user] = await context.newPage();
  }
});

test.afterAll(async () => {
  for (const context of contexts) {
    await context.close();
  }
  for (const relay of relays) {
    await stop(relay);
  }
  await hub?.stop();
  rmSync(stateDir, { recursive: true, force: true });
  for (const user of USERS) {
    if (envs[user]) {
      rmSync(envs[user].configDir, { recursive: true, force: true });
    }
  }
});

test('each user logs in through the hub, and their page pairs with their own relay', async ({
  consoleErrors
}) => {
  test.setTimeout(300_000);
  for (const user of USERS) {
    const page = pages[user];
    watchConsole(page, consoleErrors);
    await logIn(page, hub, user);
    await page.goto(envs[user].pairingUrl(`hub${user}${Date.now()}`));
    // A relay on another port than the settings' default: the user who
    // just started it answers "Connect".
    expect(await acceptOwnRelay(page, envs[user].relayUrl)).toBe(true);
    await expect(page.locator('.jp-McpBridge-status')).toHaveAttribute(
      'data-status',
      'connected',
      { timeout: 60_000 }
    );
    expect(page.url()).toContain(`/user/${user}/lab`);
  }
  for (const user of USERS) {
    expect(await health(envs[user])).toMatchObject({ pages: 1 });
  }
});

test("alice's agent creates a notebook under the hub (use_notebook), inserts and runs a cell", async ({
  consoleErrors
}) => {
  watchConsole(pages.alice, consoleErrors);
  const { client } = await connectHttp(envs.alice, { name: 'alice-agent' });
  try {
    await agentRunsACell(client, pages.alice, 'hub-alice.ipynb', async () =>
      envs.alice.readNotebook('hub-alice.ipynb')
    );
  } finally {
    await disconnect(client);
  }
  expect(existsSync(join(hub.home('bob'), 'hub-alice.ipynb'))).toBe(false);
});

test("neither user's agent, token or browser reaches the other's page, session or files", async ({
  consoleErrors
}) => {
  watchConsole(pages.bob, consoleErrors);
  // Alice's token does not open bob's relay, nor bob's hers.
  for (const [user, other] of [
    ['alice', 'bob'],
    ['bob', 'alice']
  ] as const) {
    const response = await fetch(
      `http://127.0.0.1:${envs[other].relayPort}/mcp`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${envs[user].token}`,
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream'
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'intruder', version: '1' }
          }
        })
      }
    );
    expect(response.status).toBe(401);
  }
  // Bob's agent sees bob's page only: not alice's notebook, on disk or open.
  const { client } = await connectHttp(envs.bob, { name: 'bob-agent' });
  try {
    const listed = await call(client, 'list_notebooks');
    expect(listed.structuredContent).toMatchObject({ notebooks: [] });
    const read = await call(client, 'use_notebook', {
      notebook_path: 'hub-alice.ipynb',
      create: false
    });
    expect(read.isError).toBe(true);
    expect(textOf(read)).toContain('No notebook at "hub-alice.ipynb"');
  } finally {
    await disconnect(client);
  }
  // Bob's browser is refused alice's server by the hub.
  // (with its cookies, outside the page: the 403 is expected)
  const refused = await pages.bob
    .context()
    .request.get(`${envs.alice.labUrl}/api/contents`);
  expect(refused.status()).toBe(403);
  // Each relay still has its own single page.
  for (const user of USERS) {
    expect(await health(envs[user])).toMatchObject({ pages: 1 });
  }
});

test("in one browser, bob's page after alice's does not take her token: each server's tab keeps its own", async ({
  browser,
  consoleErrors
}) => {
  test.setTimeout(240_000);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    watchConsole(page, consoleErrors);
    await logIn(page, hub, 'alice');
    await page.goto(envs.alice.pairingUrl(`hubshared${Date.now()}`));
    // (Her settings name her relay since she accepted it: no dialog now.)
    await acceptOwnRelay(page, envs.alice.relayUrl);
    await expect(page.locator('.jp-McpBridge-status')).toHaveAttribute(
      'data-status',
      'connected'
    );
    expect(await health(envs.alice)).toMatchObject({ pages: 2 });
    // Alice logs out; bob logs in, in the same browser (same origin, same
    // localStorage).
    await page.goto(`${hub.url}/hub/logout`);
    await logIn(page, hub, 'bob');
    // Bob's page knows no token: it does not connect anywhere by itself.
    await expect(page.locator('.jp-McpBridge-status')).toHaveAttribute(
      'data-status',
      'disconnected'
    );
    expect(await health(envs.alice)).toMatchObject({ pages: 1 });
    const stored = await page.evaluate(() => Object.keys(localStorage));
    expect(stored).toContain('jupyterlab-mcp-bridge:relay-token:/user/alice/');
    expect(stored).not.toContain(
      'jupyterlab-mcp-bridge:relay-token:/user/bob/'
    );
  } finally {
    await context.close();
  }
});
