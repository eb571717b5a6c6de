/**
 * A JupyterHub on loopback, the way a small team runs one: JupyterHub 6
 * from the stock environment (build/venv), `configurable-http-proxy` from
 * npm, a password authenticator (`DummyAuthenticator`, one shared password)
 * and local processes as single-user servers (`SimpleLocalProcessSpawner`,
 * a home folder per user), each serving the stock JupyterLab with the
 * extension at `/user/<name>/lab`.
 */
import type { Page } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

import { freePort, jupyterEnv, REPO, stop, VENVS } from '../jupyter';

/**
 * A running hub.
 */
export interface IHub {
  /** `http://127.0.0.1:<port>` */
  url: string;
  password: string;
  /** A user's home folder (their server's root). */
  home(user: string): string;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Start a hub for `users` in `stateDir`, and wait until it is healthy.
 */
export async function startHub(
  stateDir: string,
  users: string[],
  password: string
): Promise<IHub> {
  const port = await freePort();
  const hubPort = await freePort();
  const proxyPort = await freePort();
  const venv = VENVS.host;
  const homes = join(stateDir, 'home');
  for (const user of users) {
    mkdirSync(join(homes, user), { recursive: true });
  }
  const py = (value: unknown) => JSON.stringify(value);
  const singleUserArgs = [
    // The tests read the app from the page (`window.jupyterapp`).
    '--LabApp.expose_app_in_browser=True',
    ...(process.getuid?.() === 0 ? ['--ServerApp.allow_root=True'] : [])
  ];
  const config = [
    'c = get_config()  # noqa',
    `c.JupyterHub.bind_url = ${py(`http://127.0.0.1:${port}`)}`,
    `c.JupyterHub.hub_bind_url = ${py(`http://127.0.0.1:${hubPort}`)}`,
    `c.ConfigurableHTTPProxy.api_url = ${py(`http://127.0.0.1:${proxyPort}`)}`,
    `c.ConfigurableHTTPProxy.command = ${py([join(REPO, 'node_modules', '.bin', 'configurable-http-proxy')])}`,
    `c.ConfigurableHTTPProxy.pid_file = ${py(join(stateDir, 'proxy.pid'))}`,
    `c.JupyterHub.db_url = ${py(`sqlite:///${join(stateDir, 'jupyterhub.sqlite')}`)}`,
    `c.JupyterHub.cookie_secret_file = ${py(join(stateDir, 'cookie_secret'))}`,
    "c.JupyterHub.authenticator_class = 'dummy'",
    `c.DummyAuthenticator.password = ${py(password)}`,
    `c.Authenticator.allowed_users = set(${py(users)})`,
    "c.JupyterHub.spawner_class = 'simple'",
    `c.SimpleLocalProcessSpawner.home_dir_template = ${py(join(homes, '{username}'))}`,
    `c.Spawner.cmd = ${py([join(venv, 'bin', 'jupyterhub-singleuser')])}`,
    `c.Spawner.args = ${py(singleUserArgs)}`,
    "c.Spawner.default_url = '/lab'",
    `c.Spawner.environment = ${py({ PATH: jupyterEnv(venv, stateDir).PATH, SHELL: '/bin/bash' })}`,
    'c.Spawner.start_timeout = 90',
    'c.Spawner.http_timeout = 90'
  ].join('\n');
  const configFile = join(stateDir, 'jupyterhub_config.py');
  writeFileSync(configFile, config + '\n');
  const child = spawn(join(venv, 'bin', 'jupyterhub'), ['-f', configFile], {
    cwd: stateDir,
    env: {
      ...process.env,
      PATH: jupyterEnv(venv, stateDir).PATH
    },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let log = '';
  child.stdout?.on('data', chunk => (log += String(chunk)));
  child.stderr?.on('data', chunk => (log += String(chunk)));
  const url = `http://127.0.0.1:${port}`;
  const hub: IHub = {
    url,
    password,
    home: user => join(homes, user),
    log: () => log,
    stop: () => stop(child)
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`jupyterhub exited with ${child.exitCode}:\n${log}`);
    }
    if (Date.now() > deadline) {
      await hub.stop();
      throw new Error(`jupyterhub was not healthy in 90 s:\n${log}`);
    }
    const ok = await fetch(`${url}/hub/health`)
      .then(response => response.ok)
      .catch(() => false);
    if (ok) {
      return hub;
    }
    await new Promise(next => setTimeout(next, 200));
  }
}

/**
 * Log `user` in through the hub's login form and wait until their
 * JupyterLab (which the hub spawns) has restored.
 */
export async function logIn(
  page: Page,
  hub: IHub,
  user: string
): Promise<void> {
  await page.goto(`${hub.url}/hub/login`);
  await page.locator('#username_input').fill(user);
  await page.locator('#password_input').fill(hub.password);
  await page.locator('#login_submit').click();
  await page.waitForURL(new RegExp(`/user/${user}/lab`), { timeout: 120_000 });
  await page.waitForFunction(
    () => !!(window as unknown as { jupyterapp?: unknown }).jupyterapp,
    undefined,
    { timeout: 120_000 }
  );
  await page.evaluate(async () => {
    await (window as unknown as { jupyterapp: { restored: Promise<void> } })
      .jupyterapp.restored;
  });
}
