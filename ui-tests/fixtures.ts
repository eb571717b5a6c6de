/**
 * Test fixtures: a stock Jupyter server with the extension pip installed
 * from its wheel (`./jupyter.ts`), the relay CLI, a paired JupyterLab page,
 * and MCP clients.
 */

import { test as base, expect, type Page } from '@playwright/test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import {
  KEY_LABEL,
  PAGE_SUBPROTOCOL,
  type ProofLabel,
  proofText
} from 'jupyterlab-mcp-bridge/protocol';
import WebSocket from 'ws';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  freePort,
  REPO,
  startJupyter,
  stop,
  VENVS,
  type IExtraKernelspec,
  type IJupyterServer
} from './jupyter';

export { freePort, REPO, stop, VENVS, type IExtraKernelspec };
export const RELAY_BIN = join(REPO, 'relay', 'bin', 'jupyterlab-mcp-bridge.js');

/**
 * The servers of one test worker.
 */
export interface IBridgeEnv {
  rootDir: string;
  configDir: string;
  labUrl: string;
  labToken: string;
  relayPort: number;
  relayUrl: string;
  token: string;
  /**
   * The pairing link of a fresh workspace.
   */
  pairingUrl(workspace: string): string;
  /**
   * Read a file of the server root as JSON (what is saved on disk).
   */
  readNotebook(path: string): NotebookJson;
}

/**
 * The parts of a saved notebook the tests look at.
 */
export interface NotebookJson {
  nbformat: number;
  metadata: { kernelspec?: { name: string } };
  cells: {
    id: string;
    cell_type: string;
    source: string | string[];
    execution_count?: number | null;
    outputs?: {
      output_type: string;
      text?: string | string[];
      data?: Record<string, unknown>;
    }[];
  }[];
}

/**
 * A notebook as saved on disk once the page has saved agents' changes to
 * it: edits and runs are saved in the background, after the tool's result.
 * Waits for the bridge's saves of `path` in `page` (`IMcpBridge.whenSaved`,
 * the token other extensions use), then reads the file.
 */
export async function savedNotebook(
  page: Page,
  env: IBridgeEnv,
  path: string
): Promise<NotebookJson> {
  await page.evaluate(async p => {
    const registry = (
      window as unknown as {
        jupyterapp: {
          pluginRegistry: {
            _services: Map<{ name: string }, string>;
            resolveRequiredService(
              token: unknown
            ): Promise<{ whenSaved(path: string): Promise<void> }>;
          };
        };
      }
    ).jupyterapp.pluginRegistry;
    const token = [...registry._services.keys()].find(
      key => key.name === 'jupyterlab-mcp-bridge-extension:IMcpBridge'
    );
    await (await registry.resolveRequiredService(token)).whenSaved(p);
  }, path);
  return env.readNotebook(path);
}

/**
 * Spawn a process and wait until a line of its output matches `ready`.
 */
export function startProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  label: string
): Promise<{
  child: ChildProcess;
  match: RegExpMatchArray;
  log: () => string;
}> {
  return new Promise((resolveStart, reject) => {
    const child = spawn(command, args, {
      env,
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let log = '';
    let done = false;
    const timer = setTimeout(() => {
      if (!done) {
        done = true;
        child.kill('SIGKILL');
        reject(new Error(`${label} did not start in 60 s:\n${log}`));
      }
    }, 60_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const match = log.match(ready);
      if (match && !done) {
        done = true;
        clearTimeout(timer);
        resolveStart({ child, match, log: () => log });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', code => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(new Error(`${label} exited with ${code}:\n${log}`));
      }
    });
  });
}

/**
 * Environment of the relay processes (CLI and `--stdio`).
 */
export function relayEnv(env: IBridgeEnv): NodeJS.ProcessEnv {
  return {
    ...process.env,
    XDG_CONFIG_HOME: env.configDir,
    JUPYTERLAB_MCP_BRIDGE_TOKEN: env.token
  };
}

/**
 * An SDK client over Streamable HTTP, with the bearer token.
 */
export async function connectHttp(
  env: IBridgeEnv,
  options: { noGetStream?: boolean; name?: string } = {}
): Promise<{
  client: Client;
  transport: StreamableHTTPClientTransport;
  getRequests: () => number;
}> {
  let gets = 0;
  const fetchFn: typeof fetch = async (input, init) => {
    if ((init?.method ?? 'GET') === 'GET') {
      gets += 1;
      if (options.noGetStream) {
        // Refuse the standalone stream: everything must come on POST streams.
        return new Response(null, { status: 405 });
      }
    }
    return fetch(input, init);
  };
  const transport = new StreamableHTTPClientTransport(
    new URL(`http://127.0.0.1:${env.relayPort}/mcp`),
    {
      requestInit: { headers: { Authorization: `Bearer ${env.token}` } },
      fetch: fetchFn
    }
  );
  const client = new Client({
    name: options.name ?? 'e2e-http',
    version: '1.0.0'
  });
  await client.connect(transport);
  httpTransports.set(client, transport);
  return { client, transport, getRequests: () => gets };
}

const httpTransports = new WeakMap<Client, StreamableHTTPClientTransport>();

/**
 * Close a client, ending its MCP session (an HTTP client's `close()` alone
 * leaves the session open on the relay, as a client that goes away would).
 */
export async function disconnect(client: Client): Promise<void> {
  const transport = httpTransports.get(client);
  if (transport) {
    await transport.terminateSession().catch(() => undefined);
  }
  await client.close();
}

/**
 * An SDK client that spawns `jupyterlab-mcp-bridge --stdio`.
 */
export async function connectStdio(env: IBridgeEnv): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [RELAY_BIN, '--stdio', '--port', String(env.relayPort)],
    env: relayEnv(env) as Record<string, string>,
    stderr: 'pipe'
  });
  const client = new Client({ name: 'e2e-stdio', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/**
 * Call a tool and return its result.
 */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {}
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/**
 * The text of a tool result.
 */
export function textOf(result: CallToolResult): string {
  return result.content
    .map(block => (block.type === 'text' ? block.text : `[${block.type}]`))
    .join('\n');
}

/**
 * A page socket opened by the test, as a page (or an impostor) would.
 */
export interface IPageSocket {
  /** Whether the relay welcomed it (it proved the token). */
  welcomed: boolean;
  /** The types of the messages the relay sent. */
  received: string[];
  /** Resolves with the close code once the socket is closed. */
  closed: Promise<number>;
  close(): void;
}

/**
 * Open a page socket to the relay at `url` and run the handshake with
 * `token` (HMAC-SHA-256 computed here with node:crypto, independently of
 * the relay's code); `wrongProof` sends a proof of another token once the
 * relay proved itself. Resolves once welcomed or closed.
 */
export function openPageSocket(
  url: string,
  token: string,
  origin: string,
  wrongProof = false
): Promise<IPageSocket> {
  const hmac = (key: Buffer | string, text: string): Buffer =>
    createHmac('sha256', key).update(text, 'utf8').digest();
  const key = hmac(token, KEY_LABEL);
  const host = new URL(url).host;
  const proof = (label: ProofLabel, first: string, second: string) =>
    hmac(
      wrongProof ? hmac(`${token}x`, KEY_LABEL) : key,
      proofText(label, host, first, second)
    ).toString('base64url');
  return new Promise(resolve => {
    const socket = new WebSocket(url, [PAGE_SUBPROTOCOL], { origin });
    const received: string[] = [];
    const nonce = randomBytes(32).toString('base64url');
    let welcomed = false;
    const closed = new Promise<number>(done =>
      socket.on('close', code => done(code))
    );
    const result = (): IPageSocket => ({
      welcomed,
      received,
      closed,
      close: () => socket.close()
    });
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'auth-hello', nonce }))
    );
    socket.on('message', data => {
      const message = JSON.parse(String(data)) as {
        type: string;
        nonce?: string;
      };
      received.push(message.type);
      if (message.type === 'auth-relay') {
        socket.send(
          JSON.stringify({
            type: 'auth-page',
            proof: proof('page-to-relay', nonce, String(message.nonce))
          })
        );
      } else if (message.type === 'welcome') {
        welcomed = true;
        resolve(result());
      }
    });
    socket.on('unexpected-response', (_req, res) => {
      received.push(`http ${res.statusCode}`);
      socket.terminate();
    });
    socket.on('error', () => undefined);
    void closed.then(() => resolve(result()));
  });
}

/**
 * Open a paired JupyterLab page and wait until the bridge is connected.
 */
export async function openPairedPage(
  page: Page,
  env: IBridgeEnv,
  workspace: string
): Promise<void> {
  await page.goto(env.pairingUrl(workspace));
  await page.waitForFunction(() => {
    const app = (window as unknown as { jupyterapp?: { restored?: unknown } })
      .jupyterapp;
    return !!app;
  });
  await page.evaluate(async () => {
    await (window as unknown as { jupyterapp: { restored: Promise<void> } })
      .jupyterapp.restored;
  });
  const asked = await acceptOwnRelay(page, env.relayUrl);
  // The default layout opens a Launcher: the user's own tab in the tests.
  // A pairing dialog held the focus while it opened: the user clicks back
  // into their tab.
  await page.waitForFunction(asked => {
    const app = (
      window as unknown as {
        jupyterapp: {
          shell: {
            currentWidget: unknown;
            widgets(area: string): IterableIterator<{ id: string }>;
            activateById(id: string): void;
          };
        };
      }
    ).jupyterapp;
    if (!app.shell.currentWidget && asked) {
      const first = app.shell.widgets('main').next();
      if (!first.done) {
        app.shell.activateById(first.value.id);
      }
    }
    return !!app.shell.currentWidget;
  }, asked);
  await expect(page.locator('.jp-McpBridge-status')).toHaveAttribute(
    'data-status',
    'connected'
  );
}

/**
 * Wait until the page is connected, or asks whether to pair with the
 * relay at `relayUrl` (a relay on this computer on another port than the
 * settings name, or a token in place of the one the browser holds), and
 * then answer "Connect", as the user who just started that relay does.
 * Returns whether it was asked.
 */
export async function acceptOwnRelay(
  page: Page,
  relayUrl: string
): Promise<boolean> {
  const status = page.locator('.jp-McpBridge-status');
  const dialog = page.locator('.jp-Dialog', {
    has: page.locator('.jp-McpBridge-relayUrl')
  });
  await expect
    .poll(
      async () =>
        (await status.getAttribute('data-status')) === 'connected' ||
        (await dialog.count()) > 0
    )
    .toBe(true);
  if ((await dialog.count()) > 0) {
    await expect(dialog.locator('.jp-McpBridge-relayUrl')).toHaveText(relayUrl);
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect(dialog).toHaveCount(0);
    return true;
  }
  return false;
}

/**
 * The bridge plugin's settings id.
 */
export const BRIDGE_PLUGIN = 'jupyterlab-mcp-bridge-extension:plugin';

/**
 * Defaults of the bridge settings for specs that are not about approval:
 * every category allowed, so that no call waits for a dialog.
 */
export const ALLOW_ALL = {
  categoryPolicy: {
    read: 'allow',
    edit: 'allow',
    execute: 'allow',
    kernel: 'allow',
    files: 'allow',
    terminal: 'allow',
    commands: 'allow'
  }
};

/**
 * Change the bridge's settings in the page, through JupyterLab's setting
 * registry (as the Settings Editor does): the page applies them at once and
 * the server keeps them. `values` replace the user's settings.
 */
export async function setBridgeSettings(
  page: Page,
  values: Record<string, unknown>
): Promise<void> {
  await page.evaluate(
    async ([id, raw]) => {
      interface IRegistry {
        upload(id: string, raw: string): Promise<void>;
      }
      const app = (
        window as unknown as {
          jupyterapp: {
            pluginRegistry: {
              _services: Map<{ name: string }, string>;
              resolveRequiredService(token: unknown): Promise<IRegistry>;
            };
          };
        }
      ).jupyterapp;
      const registry = app.pluginRegistry;
      const token = [...registry._services.keys()].find(
        key => key.name === '@jupyterlab/coreutils:ISettingRegistry'
      );
      await (await registry.resolveRequiredService(token)).upload(id, raw);
    },
    [BRIDGE_PLUGIN, JSON.stringify(values)] as const
  );
}

/**
 * Read a JSON file that a Jupyter server may be writing. Jupyter Server
 * saves in place (its `atomic_writing` keeps a backup copy, it does not
 * rename a finished file over the old one), so a read during a save can
 * find the file empty or cut short: read again until it parses, for at
 * most 5 s.
 */
export function readWholeJson(path: string): unknown {
  const deadline = Date.now() + 5000;
  for (;;) {
    const text = readFileSync(path, 'utf-8');
    try {
      return JSON.parse(text);
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      // A synchronous pause of 20 ms, so that readers stay synchronous.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/**
 * Start the relay CLI on `port` with `token` (its config folder
 * `configDir`), and wait until it listens.
 */
export async function startRelay(options: {
  port: number;
  token: string;
  configDir: string;
  labUrl: string;
  args?: string[];
}): Promise<ChildProcess> {
  const started = await startProcess(
    process.execPath,
    [
      RELAY_BIN,
      '--port',
      String(options.port),
      '--lab-url',
      options.labUrl,
      ...(options.args ?? [])
    ],
    {
      ...process.env,
      XDG_CONFIG_HOME: options.configDir,
      JUPYTERLAB_MCP_BRIDGE_TOKEN: options.token
    },
    /RELAY_READY/,
    'relay'
  );
  return started.child;
}

/**
 * Options of {@link startBridgeEnv}.
 */
export interface IBridgeEnvOptions {
  /** The Python environment of the server (default {@link VENVS.host}). */
  venv?: string;
  /** Kernelspecs to install for the server. */
  kernelspecs?: IExtraKernelspec[];
  /**
   * Defaults of the bridge settings (JupyterLab's `overrides.json`);
   * default {@link ALLOW_ALL}.
   */
  bridgeDefaults?: Record<string, unknown>;
  /** More options of `jupyter lab`. */
  args?: string[];
  /** More environment variables of `jupyter lab`. */
  serverEnv?: Record<string, string>;
  /** The server's state folder (default: a new one, removed by `stop()`). */
  stateDir?: string;
}

/**
 * A running {@link IBridgeEnv}, stopped with `stop()`.
 */
export interface IRunningBridgeEnv extends IBridgeEnv {
  server: IJupyterServer;
  /** The server's state folder (its Jupyter config, data and settings). */
  stateDir: string;
  stop(): Promise<void>;
}

/**
 * Start a stock Jupyter server (with the extension its environment has)
 * and a relay, each with fresh folders and secrets.
 */
export async function startBridgeEnv(
  options: IBridgeEnvOptions = {}
): Promise<IRunningBridgeEnv> {
  const rootDir = mkdtempSync(join(tmpdir(), 'mcp-bridge-root-'));
  const configDir = mkdtempSync(join(tmpdir(), 'mcp-bridge-config-'));
  const stateDir =
    options.stateDir ?? mkdtempSync(join(tmpdir(), 'mcp-bridge-state-'));
  const token = randomBytes(32).toString('base64url');
  const labToken = randomBytes(16).toString('hex');
  const relayPort = await freePort();
  const relayUrl = `ws://127.0.0.1:${relayPort}/page`;
  const server = await startJupyter({
    venv: options.venv,
    rootDir,
    stateDir,
    token: labToken,
    kernelspecs: options.kernelspecs,
    settingsOverrides: {
      [BRIDGE_PLUGIN]: options.bridgeDefaults ?? ALLOW_ALL
    },
    env: options.serverEnv,
    args: [
      // Let large outputs through (the default 1 MB/s limit drops them).
      '--ServerApp.iopub_data_rate_limit=1e10',
      // Deleted files go away instead of into the home directory's trash.
      '--FileContentsManager.delete_to_trash=False',
      ...(options.args ?? [])
    ]
  });
  const labUrl = server.url;
  const env: IBridgeEnv = {
    rootDir,
    configDir,
    labToken,
    relayPort,
    relayUrl,
    token,
    labUrl,
    pairingUrl: workspace =>
      `${labUrl}/lab/workspaces/${workspace}?token=${labToken}` +
      `#mcp-bridge-url=${encodeURIComponent(relayUrl)}&mcp-bridge-token=${token}`,
    readNotebook: path => readWholeJson(join(rootDir, path)) as NotebookJson
  };
  let relay: ChildProcess;
  try {
    relay = await startRelay({
      port: relayPort,
      token,
      configDir,
      labUrl: `${labUrl}/lab`
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    ...env,
    server,
    stateDir,
    stop: async () => {
      await stop(relay);
      await server.stop();
      for (const dir of [rootDir, configDir, stateDir]) {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  };
}

export const test = base.extend<
  {
    lab: Page;
    consoleErrors: string[];
    allowedConsoleErrors: RegExp[];
    mcp: Client;
  },
  {
    env: IBridgeEnv;
    extraKernelspecs: IExtraKernelspec[];
    bridgeDefaults: Record<string, unknown>;
  }
>({
  // Kernelspecs to install for the worker's server: `test.use({ extraKernelspecs: [...] })`.
  extraKernelspecs: [[], { scope: 'worker', option: true }],
  // Defaults of the bridge settings on the worker's server (JupyterLab's
  // overrides.json). Specs about approval use the schema's own:
  // `test.use({ bridgeDefaults: {} })`.
  bridgeDefaults: [ALLOW_ALL, { scope: 'worker', option: true }],
  env: [
    async ({ extraKernelspecs, bridgeDefaults }, use) => {
      const env = await startBridgeEnv({
        kernelspecs: extraKernelspecs,
        bridgeDefaults
      });
      await use(env);
      await env.stop();
    },
    { scope: 'worker', timeout: 120_000 }
  ],
  mcp: async ({ lab, env }, use) => {
    expect(lab).toBeTruthy();
    const { client } = await connectHttp(env);
    await use(client);
    await disconnect(client);
  },
  // Browser console errors a test expects (e.g. a relay it stops on purpose):
  // `test.use({ allowedConsoleErrors: [/.../] })`. Any other error fails it.
  allowedConsoleErrors: [[], { option: true }],
  consoleErrors: async ({ allowedConsoleErrors }, use) => {
    const errors: string[] = [];
    await use(errors);
    const allowed = [...Private.JUPYTERLAB_PROBES, ...allowedConsoleErrors];
    const unexpected = errors.filter(
      text => !allowed.some(pattern => pattern.test(text))
    );
    expect(unexpected, 'errors in the browser console').toEqual([]);
  },
  lab: async ({ page, env, consoleErrors }, use, testInfo) => {
    watchConsole(page, consoleErrors);
    const workspace = `w${testInfo.testId.replace(/[^a-zA-Z0-9]/g, '').slice(0, 12)}${Date.now()}`;
    await openPairedPage(page, env, workspace);
    await use(page);
    await page.close();
  }
});

export { expect };

/**
 * Collect the errors of `page`'s browser console into `errors` (the
 * `consoleErrors` fixture asserts on them when the test ends).
 */
export function watchConsole(page: Page, errors: string[]): void {
  page.on('console', message => {
    if (message.type() === 'error') {
      // A failed load names its URL only in the location.
      const url = message.location().url;
      errors.push(url ? `${message.text()} [${url}]` : message.text());
    }
  });
  page.on('pageerror', error => errors.push(String(error)));
}

/**
 * The cell widgets of the notebook tab labelled `name`, in the page.
 */
export async function notebookCells(page: Page, name: string) {
  const handle = await page.waitForFunction(n => {
    const app = (
      window as unknown as {
        jupyterapp: {
          shell: {
            widgets(
              area: string
            ): Iterable<{ id: string; title: { label: string } }>;
          };
        };
      }
    ).jupyterapp;
    for (const widget of app.shell.widgets('main')) {
      if (widget.title.label === n) {
        return widget.id;
      }
    }
    return '';
  }, name);
  const id = (await handle.jsonValue()) as string;
  return page.locator(`[id="${id}"] .jp-Notebook .jp-Cell`);
}

namespace Private {
  /**
   * Console errors of JupyterLab's own making, not the bridge's: output
   * text that looks like a file path is resolved against the server
   * (`/api/resolvePath`, then a contents probe), and a miss is a 404 that
   * Chromium logs.
   */
  export const JUPYTERLAB_PROBES = [
    /status of 404 .*\[[^\]]*\/api\/resolvePath\?/,
    /status of 404 .*\[[^\]]*\/api\/contents\/[^\]?]*\?content=0&hash=0&/
  ];
}
