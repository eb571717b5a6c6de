/**
 * The source extension, installed the way JupyterLab's own docs say:
 * `jupyter labextension install` of the npm tarball (`npm pack`, made by
 * scripts/build.sh) into a second, separate JupyterLab (build/venv-source,
 * which has no wheel of ours), which rebuilds itself from npm. Then the
 * extension loads and an agent works through it; `jupyter labextension
 * disable` and `uninstall` leave the page with no trace of the bridge.
 *
 * The steps depend on each other and run in order, in a JupyterLab
 * application folder of their own (`--app-dir`), so nothing is left in the
 * environment.
 */
import type { Page } from '@playwright/test';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  connectHttp,
  disconnect,
  expect,
  openPairedPage,
  REPO,
  startBridgeEnv,
  test,
  VENVS,
  watchConsole,
  type IRunningBridgeEnv
} from '../fixtures';
import { runJupyter } from '../jupyter';
import { agentRunsACell } from './smoke';

const NAME = 'jupyterlab-mcp-bridge-extension';
const TARBALL_DIR = join(REPO, 'build', 'npm');

test.describe.configure({ mode: 'serial' });

let appDir = '';
let stateDir = '';
let env: IRunningBridgeEnv | undefined;

/**
 * `jupyter labextension <args>` in the source environment, for this app
 * folder and the server's config.
 */
async function labextension(...args: string[]): Promise<string> {
  const result = await runJupyter(VENVS.source, stateDir, [
    'labextension',
    ...args,
    `--app-dir=${appDir}`
  ]);
  expect(result.code, result.output).toBe(0);
  return result.output;
}

/**
 * The line `jupyter labextension list` prints for the extension, if any.
 */
async function listed(): Promise<string | undefined> {
  const output = await labextension('list');
  // Colours and padding aside: "<name> v<version> enabled OK".
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  return plain.split('\n').find(line => line.includes(NAME));
}

/**
 * What of the bridge a page shows: its plugins, commands, status item and
 * settings schema.
 */
async function traces(page: Page): Promise<string[]> {
  const found = await page.evaluate(async name => {
    const app = (
      window as unknown as {
        jupyterapp: {
          listPlugins(): string[];
          commands: { listCommands(): string[] };
        };
      }
    ).jupyterapp;
    const found = [
      ...app.listPlugins().filter(id => id.startsWith(name)),
      ...app.commands.listCommands().filter(id => id.startsWith('mcp-bridge:'))
    ];
    if (document.querySelector('[class*="jp-McpBridge"]')) {
      found.push('an element of class jp-McpBridge-*');
    }
    return found;
  }, NAME);
  // Asked outside the page, where a 404 is no console error.
  const schema = await page
    .context()
    .request.get(`${env!.labUrl}/lab/api/settings/${NAME}:plugin`);
  if (schema.ok()) {
    found.push(`the settings schema ${NAME}:plugin`);
  }
  return found;
}

/**
 * Open JupyterLab (without pairing) and wait until it has restored.
 */
async function openLab(page: Page): Promise<void> {
  if (!env) {
    throw new Error('no server');
  }
  await page.goto(`${env.labUrl}/lab?token=${env.labToken}`);
  await page.waitForFunction(
    () => !!(window as unknown as { jupyterapp?: unknown }).jupyterapp
  );
  await page.evaluate(async () => {
    await (window as unknown as { jupyterapp: { restored: Promise<void> } })
      .jupyterapp.restored;
  });
}

test.beforeAll(() => {
  appDir = mkdtempSync(join(tmpdir(), 'mcp-bridge-lab-app-'));
  stateDir = mkdtempSync(join(tmpdir(), 'mcp-bridge-state-'));
});

test.afterAll(async () => {
  await env?.stop();
  for (const dir of [appDir, stateDir]) {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('jupyter labextension install of the npm tarball rebuilds JupyterLab with the extension', async () => {
  test.setTimeout(900_000);
  const tarballs = readdirSync(TARBALL_DIR).filter(file =>
    file.endsWith('.tgz')
  );
  expect(tarballs).toHaveLength(1);
  // Yarn (which JupyterLab's build runs) keys its global cache by the
  // tarball's name and place, not its content: a rebuilt tarball of the
  // same version would come from the cache, stale. Drop those entries.
  const cache =
    process.env.YARN_CACHE_FOLDER ?? join(homedir(), '.yarn', 'berry', 'cache');
  if (existsSync(cache)) {
    for (const file of readdirSync(cache)) {
      if (file.startsWith(`${NAME}-file-`)) {
        rmSync(join(cache, file));
      }
    }
  }
  const output = await labextension('install', join(TARBALL_DIR, tarballs[0]));
  expect(output).not.toMatch(/error/i);
  expect(await listed()).toMatch(new RegExp(`${NAME} v\\S+ enabled\\s+OK`));
});

test('the installed extension pairs; an agent lists the tools, inserts and runs a cell', async ({
  page,
  consoleErrors
}) => {
  watchConsole(page, consoleErrors);
  env = await startBridgeEnv({
    venv: VENVS.source,
    stateDir,
    args: [`--LabApp.app_dir=${appDir}`]
  });
  const version = await runJupyter(VENVS.source, stateDir, [
    'lab',
    '--version'
  ]);
  test.info().annotations.push({
    type: 'JupyterLab',
    description: version.output.trim()
  });
  await openPairedPage(page, env, `source${Date.now()}`);
  const { client } = await connectHttp(env);
  await agentRunsACell(client, page, 'source-install.ipynb', async () =>
    env!.readNotebook('source-install.ipynb')
  );
  await disconnect(client);
});

test('jupyter labextension disable leaves no trace in the page; enable brings it back', async ({
  page,
  consoleErrors
}) => {
  watchConsole(page, consoleErrors);
  await labextension('disable', '--level=user', NAME);
  expect(await listed()).toMatch(/disabled/);
  await openLab(page);
  const disabled = await traces(page);
  // A disabled extension's settings are still served; nothing else is there.
  expect(disabled).toEqual([`the settings schema ${NAME}:plugin`]);
  const health = await fetch(`http://127.0.0.1:${env!.relayPort}/healthz`);
  expect(await health.json()).toMatchObject({ pages: 0 });

  await labextension('enable', '--level=user', NAME);
  await openLab(page);
  await expect(page.locator('.jp-McpBridge-status')).toBeVisible();
});

test('jupyter labextension uninstall rebuilds JupyterLab without it: no plugin, command, element or code; its stale settings schema goes with its folder', async ({
  page,
  consoleErrors
}) => {
  test.setTimeout(900_000);
  watchConsole(page, consoleErrors);
  await labextension('uninstall', NAME);
  expect(await listed()).toBeUndefined();
  await openLab(page);
  // JupyterLab's rebuild leaves the extension's settings schema in
  // <app-dir>/schemas (`jupyter lab clean` keeps it too, but for --all), so
  // the server still serves it: the one leftover, which the README tells
  // users to remove.
  expect(await traces(page)).toEqual([`the settings schema ${NAME}:plugin`]);
  const stale = join(appDir, 'schemas', NAME);
  expect(existsSync(join(stale, 'plugin.json'))).toBe(true);
  rmSync(stale, { recursive: true });
  await openLab(page);
  expect(await traces(page)).toEqual([]);
  // Neither the code the page loaded nor any file of the rebuilt
  // application mentions the extension.
  const loaded = await page.evaluate(async name => {
    const urls = performance
      .getEntriesByType('resource')
      .map(entry => entry.name)
      .filter(url => new URL(url).pathname.endsWith('.js'));
    const mentions: string[] = [];
    for (const url of urls) {
      if ((await (await fetch(url)).text()).includes(name)) {
        mentions.push(url);
      }
    }
    return { count: urls.length, mentions };
  }, NAME);
  expect(loaded.count).toBeGreaterThan(3);
  expect(loaded.mentions).toEqual([]);
  const bundles = readdirSync(join(appDir, 'static')).filter(file =>
    file.endsWith('.js')
  );
  expect(bundles.length).toBeGreaterThan(3);
  const built = bundles.filter(file =>
    readFileSync(join(appDir, 'static', file), 'utf-8').includes(NAME)
  );
  expect(built).toEqual([]);
});
