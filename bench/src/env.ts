/**
 * The real setup the benchmark measures: the bundled Jupyter server with the
 * extension as pip installed it, the relay CLI, a paired JupyterLab page in
 * headless Chromium, and SDK clients over Streamable HTTP. Started the way
 * the end-to-end fixtures start them (`ui-tests/fixtures.ts`).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  chromium,
  type Browser,
  type CDPSession,
  type Page
} from '@playwright/test';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  freePort,
  RELAY_BIN,
  startProcess,
  stop
} from '../../ui-tests/fixtures';
import { startJupyter } from '../../ui-tests/jupyter';

/**
 * Options of {@link BenchEnv.start}.
 */
export interface IEnvOptions {
  /** Extra options of `jupyter lab`. */
  labArgs?: string[];
  /** The server's virtual environment (default: the stock one, build/venv). */
  venv?: string;
  /** Jupyter config (`jupyter_server_config.json`). */
  config?: Record<string, unknown>;
}

/**
 * A running setup.
 */
export class BenchEnv {
  private constructor(
    readonly rootDir: string,
    readonly labUrl: string,
    readonly labToken: string,
    readonly relayPort: number,
    readonly token: string,
    readonly browser: Browser,
    private readonly _children: ChildProcess[],
    private readonly _dirs: string[]
  ) {}

  /** The relay process id. */
  get relayPid(): number {
    return this._children[1].pid ?? 0;
  }

  /** The server's state folder (its Jupyter config, data and runtime). */
  get stateDir(): string {
    return this._dirs[2];
  }

  /** The Jupyter server process id. */
  get labPid(): number {
    return this._children[0].pid ?? 0;
  }

  /**
   * Start the Jupyter server, the relay and Chromium.
   */
  static async start(options: IEnvOptions = {}): Promise<BenchEnv> {
    const rootDir = mkdtempSync(join(tmpdir(), 'mcp-bench-root-'));
    const configDir = mkdtempSync(join(tmpdir(), 'mcp-bench-config-'));
    const stateDir = mkdtempSync(join(tmpdir(), 'mcp-bench-state-'));
    const token = randomBytes(32).toString('base64url');
    const labToken = randomBytes(16).toString('hex');
    const labPort = await freePort();
    const relayPort = await freePort();
    // The bridge's settings name this relay, as an administrator sets them:
    // a pairing link to a relay on another port than the settings' asks the
    // user first, which would stop the measured cold start.
    const lab = await startJupyter({
      rootDir,
      stateDir,
      token: labToken,
      port: labPort,
      settingsOverrides: {
        'jupyterlab-mcp-bridge-extension:plugin': {
          relayUrl: `ws://127.0.0.1:${relayPort}/page`
        }
      },
      args: options.labArgs,
      venv: options.venv,
      config: options.config
    });
    const labUrl = `http://127.0.0.1:${labPort}`;
    const relay = await startProcess(
      process.execPath,
      [
        RELAY_BIN,
        '--port',
        String(relayPort),
        '--lab-url',
        `${labUrl}/lab`,
        // The memory figures leave hundreds of sessions open (--abandoned).
        '--max-sessions',
        '10000'
      ],
      {
        ...process.env,
        XDG_CONFIG_HOME: configDir,
        JUPYTERLAB_MCP_BRIDGE_TOKEN: token
      },
      /RELAY_READY/,
      'relay'
    );
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    });
    return new BenchEnv(
      rootDir,
      labUrl,
      labToken,
      relayPort,
      token,
      browser,
      [lab.child, relay.child],
      [rootDir, configDir, stateDir]
    );
  }

  /**
   * The pairing link of a fresh workspace.
   */
  pairingUrl(workspace: string): string {
    return (
      `${this.labUrl}/lab/workspaces/${workspace}?token=${this.labToken}` +
      `#mcp-bridge-url=${encodeURIComponent(`ws://127.0.0.1:${this.relayPort}/page`)}` +
      `&mcp-bridge-token=${this.token}`
    );
  }

  /**
   * Open a page on the pairing link (in a new browser context) without
   * waiting for anything.
   */
  async newPage(): Promise<Page> {
    const context = await this.browser.newContext();
    return context.newPage();
  }

  /**
   * Wait until a page shows the bridge connected.
   */
  async waitPaired(page: Page): Promise<void> {
    await page.waitForFunction(
      () =>
        document
          .querySelector('.jp-McpBridge-status')
          ?.getAttribute('data-status') === 'connected',
      undefined,
      { timeout: 60_000, polling: 20 }
    );
  }

  /**
   * An SDK client over Streamable HTTP with the bearer token.
   */
  async client(name = 'bench'): Promise<BenchClient> {
    const transport = new StreamableHTTPClientTransport(
      new URL(`http://127.0.0.1:${this.relayPort}/mcp`),
      { requestInit: { headers: { Authorization: `Bearer ${this.token}` } } }
    );
    const client = new Client({ name, version: '1.0.0' });
    await client.connect(transport);
    return new BenchClient(client, transport);
  }

  /**
   * Write a notebook of `cells` code cells (`x = <i>`, no outputs) into the
   * server root.
   */
  writeNotebook(path: string, sources: string[]): void {
    writeFileSync(
      join(this.rootDir, path),
      JSON.stringify({
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
        cells: sources.map((source, i) => ({
          id: `c${i}`,
          cell_type: 'code',
          source,
          metadata: {},
          execution_count: null,
          outputs: []
        }))
      })
    );
  }

  /**
   * The relay's /healthz.
   */
  async health(): Promise<{ pages: number; sessions: number }> {
    const res = await fetch(`http://127.0.0.1:${this.relayPort}/healthz`);
    return (await res.json()) as { pages: number; sessions: number };
  }

  /**
   * Stop everything and remove the temporary folders.
   */
  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    for (const child of [...this._children].reverse()) {
      await stop(child);
    }
    for (const dir of this._dirs) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * An SDK client and its transport.
 */
export class BenchClient {
  /**
   * @param client - the SDK client.
   * @param transport - its transport.
   */
  constructor(
    readonly client: Client,
    readonly transport: StreamableHTTPClientTransport
  ) {}

  /**
   * Call a tool; throws on an `isError` result.
   */
  async call(
    name: string,
    args: Record<string, unknown> = {}
  ): Promise<CallToolResult> {
    const result = (await this.client.callTool({
      name,
      arguments: args
    })) as CallToolResult;
    if (result.isError) {
      const text = result.content
        .map(block => (block.type === 'text' ? block.text : ''))
        .join('\n');
      throw new Error(`${name} failed: ${text.slice(0, 300)}`);
    }
    return result;
  }

  /**
   * End the session (DELETE) and close the client.
   */
  async close(): Promise<void> {
    await this.transport.terminateSession().catch(() => undefined);
    await this.client.close();
  }
}

/**
 * Page-side measurements over the Chrome DevTools Protocol.
 */
export class PageProbe {
  private constructor(private readonly _cdp: CDPSession) {}

  /**
   * Attach to `page`.
   */
  static async attach(page: Page): Promise<PageProbe> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    return new PageProbe(cdp);
  }

  /**
   * Used JS heap after a full GC, in MB.
   */
  async heapAfterGcMb(): Promise<number> {
    await this._cdp.send('HeapProfiler.collectGarbage');
    await this._cdp.send('HeapProfiler.collectGarbage');
    const usage = await this._cdp.send('Runtime.getHeapUsage');
    return usage.usedSize / (1024 * 1024);
  }

  /**
   * Main-thread task time of the page so far, in ms.
   */
  async taskMs(): Promise<number> {
    const { metrics } = await this._cdp.send('Performance.getMetrics');
    const task = metrics.find(m => m.name === 'TaskDuration');
    return (task?.value ?? 0) * 1000;
  }
}
