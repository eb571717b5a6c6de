/**
 * Test fixtures: a Jupyter server with the extension installed from its
 * wheel, the relay CLI, a paired JupyterLab page, and MCP clients.
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
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '..');
export const RELAY_BIN = join(REPO, 'relay', 'bin', 'jupyterlab-mcp-bridge.js');
const LAUNCH = join(REPO, 'lab', 'server', 'launch.py');
const LABEXTENSIONS =
  process.env.MCP_BRIDGE_LABEXTENSIONS ??
  join(REPO, 'build', 'venv', 'share', 'jupyter', 'labextensions');

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
 * A free TCP port on 127.0.0.1.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
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

export function stop(child: ChildProcess): Promise<void> {
  return new Promise(resolveStop => {
    if (child.exitCode !== null) {
      resolveStop();
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
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
 * An extra kernelspec installed before the Jupyter server starts: a copy of
 * the python3 (ipykernel) spec under another name.
 */
export interface IExtraKernelspec {
  name: string;
  display_name: string;
}

/**
 * Install Python kernelspecs in the Jupyter data dir launch.py gives the
 * server (`<state-dir>/data`).
 */
function installKernelspecs(stateDir: string, specs: IExtraKernelspec[]): void {
  for (const spec of specs) {
    const dir = join(stateDir, 'data', 'kernels', spec.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'kernel.json'),
      JSON.stringify({
        argv: [
          '/usr/bin/python3',
          '-m',
          'ipykernel_launcher',
          '-f',
          '{connection_file}'
        ],
        display_name: spec.display_name,
        language: 'python'
      })
    );
  }
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
      const rootDir = mkdtempSync(join(tmpdir(), 'mcp-bridge-root-'));
      const configDir = mkdtempSync(join(tmpdir(), 'mcp-bridge-config-'));
      const stateDir = mkdtempSync(join(tmpdir(), 'mcp-bridge-state-'));
      installKernelspecs(stateDir, extraKernelspecs);
      const overrides = join(stateDir, 'overrides.json');
      writeFileSync(
        overrides,
        JSON.stringify({ [BRIDGE_PLUGIN]: bridgeDefaults })
      );
      const token = randomBytes(32).toString('base64url');
      const labToken = randomBytes(16).toString('hex');
      const labPort = await freePort();
      const relayPort = await freePort();
      const partial: Omit<
        IBridgeEnv,
        'labUrl' | 'pairingUrl' | 'readNotebook'
      > = {
        rootDir,
        configDir,
        labToken,
        relayPort,
        relayUrl: `ws://127.0.0.1:${relayPort}/page`,
        token
      };
      const lab = await startProcess(
        '/usr/bin/python3',
        [
          LAUNCH,
          '--port',
          String(labPort),
          '--root-dir',
          rootDir,
          '--token',
          labToken,
          '--state-dir',
          stateDir,
          '--labextensions-dir',
          LABEXTENSIONS,
          '--settings-overrides',
          overrides,
          // Let large outputs through (the default 1 MB/s limit drops them).
          '--ServerApp.iopub_data_rate_limit=1e10',
          // Deleted files go away instead of into the home directory's trash.
          '--FileContentsManager.delete_to_trash=False'
        ],
        { ...process.env, SHELL: '/bin/bash' },
        /LAB_READY (\S+)/,
        'Jupyter server'
      );
      const labUrl = `http://127.0.0.1:${labPort}`;
      const env: IBridgeEnv = {
        ...partial,
        labUrl,
        pairingUrl: workspace =>
          `${labUrl}/lab/workspaces/${workspace}?token=${labToken}` +
          `#mcp-bridge-url=${encodeURIComponent(partial.relayUrl)}&mcp-bridge-token=${token}`,
        readNotebook: path =>
          JSON.parse(readFileSync(join(rootDir, path), 'utf-8')) as NotebookJson
      };
      const relay = await startProcess(
        process.execPath,
        [RELAY_BIN, '--port', String(relayPort), '--lab-url', `${labUrl}/lab`],
        relayEnv(env),
        /RELAY_READY/,
        'relay'
      );
      await use(env);
      await stop(relay.child);
      await stop(lab.child);
      for (const dir of [rootDir, configDir, stateDir]) {
        rmSync(dir, { recursive: true, force: true });
      }
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
    page.on('console', message => {
      if (message.type() === 'error') {
        // A failed load names its URL only in the location.
        const url = message.location().url;
        consoleErrors.push(url ? `${message.text()} [${url}]` : message.text());
      }
    });
    page.on('pageerror', error => consoleErrors.push(String(error)));
    const workspace = `w${testInfo.testId.replace(/[^a-zA-Z0-9]/g, '').slice(0, 12)}${Date.now()}`;
    await openPairedPage(page, env, workspace);
    await use(page);
    await page.close();
  }
});

export { expect };

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
