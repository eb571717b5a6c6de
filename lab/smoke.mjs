#!/usr/bin/env node
// Smoke check of the JupyterLab host:
//   1. builds a throwaway prebuilt (federated) extension in a temp dir and lays
//      it out as <tmp>/share/jupyter/labextensions/<name>/
//   2. starts server/launch.py on a free port with a temp root dir
//   3. opens /lab in headless /usr/bin/chromium, waits for window.jupyterapp
//      and app.restored, checks palette/status bar/file browser/settings,
//      that the prebuilt extension activated, runs print(1+1) in a new
//      notebook through the UI, opens a terminal
//   4. exits 0 when all checks pass and the page logged no console errors.
// Usage: node smoke.mjs [--keep] [--no-ext] [--verbose]
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const keep = process.argv.includes('--keep');
const withExt = !process.argv.includes('--no-ext');
const verbose = process.argv.includes('--verbose');
const t0 = Date.now();
const log = msg => console.log(`[smoke +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const EXT_NAME = 'lab-host-smoke-ext';
const EXT_PLUGIN = `${EXT_NAME}:plugin`;

// A prebuilt extension in plain JS (no TypeScript step), requiring a core
// singleton token so that the shared-scope wiring is exercised too.
function buildSmokeExtension(tmp) {
  const src = path.join(tmp, 'ext-src');
  const prefix = path.join(tmp, 'prefix');
  const labextensions = path.join(prefix, 'share', 'jupyter', 'labextensions');
  fs.mkdirSync(path.join(src, 'lib'), { recursive: true });
  fs.writeFileSync(
    path.join(src, 'package.json'),
    JSON.stringify(
      {
        name: EXT_NAME,
        version: '0.0.1',
        main: 'lib/index.js',
        dependencies: { '@jupyterlab/notebook': '4.6.3', '@jupyterlab/application': '4.6.3' },
        jupyterlab: {
          extension: true,
          outputDir: path.relative(src, path.join(labextensions, EXT_NAME))
        }
      },
      null,
      2
    )
  );
  fs.writeFileSync(
    path.join(src, 'lib', 'index.js'),
    `import { INotebookTracker } from '@jupyterlab/notebook';
const plugin = {
  id: '${EXT_PLUGIN}',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app, tracker) => {
    app.commands.addCommand('lab-host-smoke:count-notebooks', {
      label: 'Count notebooks (smoke)',
      execute: () => tracker.size
    });
    window.__labHostSmokeExt = 'activated';
  }
};
export default plugin;
`
  );
  // The builder resolves the extension's dependencies from its own folder.
  fs.symlinkSync(path.join(here, 'node_modules'), path.join(src, 'node_modules'), 'dir');
  execFileSync(
    process.execPath,
    [
      path.join(here, 'node_modules/@jupyter/builder/lib/build-labextension.js'),
      '--core-package-file',
      path.join(here, 'node_modules/@jupyterlab/core-meta/core.package.json'),
      src
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  );
  if (!fs.existsSync(path.join(labextensions, EXT_NAME, 'package.json'))) {
    throw new Error(`extension build wrote nothing to ${labextensions}`);
  }
  return labextensions;
}

function startLab({ port, rootDir, token, labextensionsDirs }) {
  const args = [
    path.join(here, 'server', 'launch.py'),
    '--port', String(port),
    '--root-dir', rootDir,
    '--token', token
  ];
  for (const d of labextensionsDirs) args.push('--labextensions-dir', d);
  const proc = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', d => (stderr += d));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready in 30 s\n${stderr}`)), 30000);
    readline.createInterface({ input: proc.stdout }).on('line', line => {
      const m = /^LAB_READY (\S+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', code => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}\n${stderr}`));
    });
  });
  return { proc, ready, stderr: () => stderr };
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-smoke-'));
  const rootDir = path.join(tmp, 'root');
  fs.mkdirSync(rootDir);
  const failures = [];
  const check = (ok, what) => {
    log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (!ok) failures.push(what);
  };

  const labextensionsDirs = [];
  if (withExt) {
    labextensionsDirs.push(buildSmokeExtension(tmp));
    log(`built prebuilt extension into ${labextensionsDirs[0]}/${EXT_NAME}`);
  }

  const port = await freePort();
  const token = `smoke${Date.now()}`;
  const server = startLab({ port, rootDir, token, labextensionsDirs });
  let browser;
  const consoleErrors = [];
  try {
    const url = await server.ready;
    log(`server ready: ${url}`);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      // Keep Chromium's crash-report and dconf files out of $HOME.
      env: {
        ...process.env,
        XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
        XDG_CACHE_HOME: path.join(tmp, 'xdg-cache')
      }
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', msg => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
      else if (verbose && msg.type() === 'warning') log(`  console warning: ${msg.text()}`);
    });
    page.on('pageerror', err => consoleErrors.push(`pageerror: ${err.message}`));

    const base = url.replace(/\/lab\?token=.*$/, '');
    await page.goto(`${base}/lab/workspaces/smoke-${Date.now()}?token=${token}`);
    await page.waitForFunction(() => window.jupyterapp !== undefined, null, { timeout: 30000 });
    await page.evaluate(() => window.jupyterapp.restored);
    log('app restored');

    const ui = await page.evaluate(() => {
      const app = window.jupyterapp;
      return {
        palette: !!document.querySelector('#command-palette'),
        statusbar: !!document.querySelector('#jp-main-statusbar'),
        filebrowser: !!document.querySelector('#filebrowser'),
        settings: app.commands.hasCommand('settingeditor:open'),
        terminal: app.commands.hasCommand('terminal:create-new'),
        notebook: app.commands.hasCommand('notebook:create-new'),
        pluginCount: app.listPlugins().length
      };
    });
    check(ui.palette, 'command palette present');
    check(ui.statusbar, 'status bar present');
    check(ui.filebrowser, 'file browser present');
    check(ui.settings, 'settings editor command registered');
    check(ui.terminal, 'terminal command registered');
    check(ui.notebook, 'notebook command registered');
    log(`${ui.pluginCount} plugins registered`);

    if (withExt) {
      const ext = await page.evaluate(
        id => ({
          has: window.jupyterapp.hasPlugin(id),
          active: window.jupyterapp.isPluginActivated(id),
          flag: window.__labHostSmokeExt,
          command: window.jupyterapp.commands.hasCommand('lab-host-smoke:count-notebooks')
        }),
        EXT_PLUGIN
      );
      check(ext.has && ext.active && ext.flag === 'activated' && ext.command, `prebuilt extension ${EXT_PLUGIN} activated`);
    }

    // Notebook: create, wait for a connected idle kernel, run print(1+1) via the UI.
    await page.evaluate(async () => {
      const nb = await window.jupyterapp.commands.execute('notebook:create-new', { kernelName: 'python3' });
      window.__smokeNotebook = nb;
      await nb.context.ready;
      await nb.sessionContext.ready;
    });
    await page.waitForFunction(
      () => {
        const kernel = window.__smokeNotebook.sessionContext.session?.kernel;
        return kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
      },
      null,
      { timeout: 30000 }
    );
    log('kernel connected and idle');
    const editor = page.locator('.jp-NotebookPanel:visible .jp-Cell .cm-content').first();
    await editor.click();
    await page.keyboard.type('print(1+1)');
    await page.keyboard.press('Shift+Enter');
    const output = page.locator('.jp-NotebookPanel:visible .jp-OutputArea-output').first();
    await output.waitFor({ timeout: 30000 });
    const text = (await output.textContent())?.trim();
    check(text === '2', `print(1+1) output is "2" (got ${JSON.stringify(text)})`);
    if (withExt) {
      const n = await page.evaluate(() =>
        window.jupyterapp.commands.execute('lab-host-smoke:count-notebooks')
      );
      check(n === 1, `extension sees the notebook through the shared INotebookTracker (${n})`);
    }

    // Terminal: open one and check the server has it running.
    await page.evaluate(() => window.jupyterapp.commands.execute('terminal:create-new'));
    await page.waitForFunction(
      () => Array.from(window.jupyterapp.serviceManager.terminals.running()).length > 0,
      null,
      { timeout: 15000 }
    );
    await page.locator('.jp-Terminal:visible').first().waitFor({ timeout: 15000 });
    check(true, 'terminal opened');

    // Settings editor opens.
    await page.evaluate(() => window.jupyterapp.commands.execute('settingeditor:open'));
    await page.locator('.jp-SettingsPanel, .jp-SettingsEditor').first().waitFor({ timeout: 15000 });
    check(true, 'settings editor opened');

    await page.waitForTimeout(1000);
    check(consoleErrors.length === 0, `no console errors (${consoleErrors.length})`);
    for (const e of consoleErrors) log(`  console error: ${e}`);
  } catch (err) {
    failures.push(String(err && err.stack ? err.stack : err));
    log(`FAIL ${err && err.stack ? err.stack : err}`);
    for (const e of consoleErrors) log(`  console error: ${e}`);
  } finally {
    if (browser) await browser.close();
    const exited = new Promise(resolve => server.proc.once('exit', resolve));
    server.proc.kill('SIGTERM');
    await Promise.race([exited, new Promise(r => setTimeout(r, 5000))]);
    if (server.proc.exitCode === null) server.proc.kill('SIGKILL');
    if (keep) log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  log(failures.length ? `FAILED (${failures.length})` : 'PASSED');
  process.exit(failures.length ? 1 : 0);
}

main();
