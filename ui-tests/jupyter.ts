/**
 * The stock Jupyter server of the tests and the benchmark: `jupyter lab`
 * from a virtual environment that scripts/python-env.sh made from the pins
 * in requirements.txt, with the extension pip installed from its wheel
 * (scripts/build.sh). It serves JupyterLab at `/lab` and Jupyter Notebook 7
 * at `/tree` and `/notebooks/...`.
 *
 * Each server is isolated in a state folder of its own (Jupyter config,
 * data, runtime, settings and workspaces; nothing in the home folder), and
 * its token goes through the environment (`JUPYTER_TOKEN`), not the command
 * line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { freePort } from '../relay/test/helpers';

/**
 * The repository root.
 */
export const REPO = resolve(__dirname, '..');

/**
 * The virtual environments of scripts/python-env.sh.
 */
export const VENVS = {
  /** The stock JupyterLab, Notebook 7 and JupyterHub, with the wheel. */
  host: join(REPO, 'build', 'venv'),
  /** JupyterLab with jupyter-collaboration, with the wheel. */
  rtc: join(REPO, 'build', 'venv-rtc'),
  /** The JupyterLab that `jupyter labextension install` is tested on. */
  source: join(REPO, 'build', 'venv-source')
};

/**
 * A kernelspec installed in a server's data folder before it starts.
 */
export interface IExtraKernelspec {
  name: string;
  display_name: string;
  /** The command; by default the environment's ipykernel. */
  argv?: string[];
  language?: string;
}

/**
 * Options of {@link startJupyter}.
 */
export interface IJupyterOptions {
  /** The virtual environment (default {@link VENVS.host}). */
  venv?: string;
  /** The folder the server serves. */
  rootDir: string;
  /** The server's own state folder (config, data, runtime, settings). */
  stateDir: string;
  /** The token (`JUPYTER_TOKEN`). */
  token: string;
  /** The port (default: a free one). */
  port?: number;
  /** JupyterLab settings overrides (`overrides.json`), per plugin id. */
  settingsOverrides?: Record<string, unknown>;
  /** Kernelspecs to install. */
  kernelspecs?: IExtraKernelspec[];
  /** More command-line options of `jupyter lab`. */
  args?: string[];
  /** Jupyter config (`jupyter_server_config.json` in the config folder). */
  config?: Record<string, unknown>;
  /** More environment variables. */
  env?: Record<string, string>;
}

/**
 * A running server.
 */
export interface IJupyterServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  token: string;
  child: ChildProcess;
  /** What the server printed so far. */
  log(): string;
  /** Stop it (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

// A free TCP port on 127.0.0.1: the relay tests' helper.
export { freePort };

/**
 * Stop a child process: SIGTERM, then SIGKILL after 5 s.
 */
export function stop(child: ChildProcess): Promise<void> {
  return new Promise(resolveStop => {
    if (child.exitCode !== null || child.signalCode !== null) {
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
 * The environment variables that keep a Jupyter process inside `stateDir`.
 */
export function jupyterEnv(
  venv: string,
  stateDir: string
): Record<string, string> {
  return {
    JUPYTER_CONFIG_DIR: join(stateDir, 'config'),
    JUPYTER_DATA_DIR: join(stateDir, 'data'),
    JUPYTER_RUNTIME_DIR: join(stateDir, 'runtime'),
    IPYTHONDIR: join(stateDir, 'ipython'),
    MPLCONFIGDIR: join(stateDir, 'matplotlib'),
    // Terminals start the user's shell; kernels and shells find the
    // environment's commands first, as in an activated venv.
    SHELL: '/bin/bash',
    PATH: `${join(venv, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    VIRTUAL_ENV: venv
  };
}

/**
 * Start `jupyter lab` and wait until its API answers.
 */
export async function startJupyter(
  options: IJupyterOptions
): Promise<IJupyterServer> {
  const venv = options.venv ?? VENVS.host;
  const state = options.stateDir;
  const dirs = {
    config: join(state, 'config'),
    data: join(state, 'data'),
    appSettings: join(state, 'app-settings'),
    userSettings: join(state, 'user-settings'),
    workspaces: join(state, 'workspaces')
  };
  for (const dir of Object.values(dirs)) {
    mkdirSync(dir, { recursive: true });
  }
  writeFileSync(
    join(dirs.appSettings, 'overrides.json'),
    JSON.stringify(options.settingsOverrides ?? {})
  );
  if (options.config) {
    writeFileSync(
      join(dirs.config, 'jupyter_server_config.json'),
      JSON.stringify(options.config)
    );
  }
  for (const spec of options.kernelspecs ?? []) {
    const dir = join(dirs.data, 'kernels', spec.name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'kernel.json'),
      JSON.stringify({
        argv: spec.argv ?? [
          join(venv, 'bin', 'python'),
          '-m',
          'ipykernel_launcher',
          '-f',
          '{connection_file}'
        ],
        display_name: spec.display_name,
        language: spec.language ?? 'python'
      })
    );
  }
  const port = options.port ?? (await freePort());
  const args = [
    'lab',
    '--no-browser',
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.port=${port}`,
    '--ServerApp.port_retries=0',
    `--ServerApp.root_dir=${options.rootDir}`,
    // The tests read the app from the page (`window.jupyterapp`).
    '--LabApp.expose_app_in_browser=True',
    '--JupyterNotebookApp.expose_app_in_browser=True',
    `--LabApp.app_settings_dir=${dirs.appSettings}`,
    `--JupyterNotebookApp.app_settings_dir=${dirs.appSettings}`,
    `--LabApp.user_settings_dir=${dirs.userSettings}`,
    `--JupyterNotebookApp.user_settings_dir=${dirs.userSettings}`,
    `--LabApp.workspaces_dir=${dirs.workspaces}`,
    ...(process.getuid?.() === 0 ? ['--ServerApp.allow_root=True'] : []),
    ...(options.args ?? [])
  ];
  const child = spawn(join(venv, 'bin', 'jupyter'), args, {
    env: {
      ...process.env,
      ...jupyterEnv(venv, state),
      ...options.env,
      JUPYTER_TOKEN: options.token
    },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let log = '';
  child.stdout?.on('data', chunk => (log += String(chunk)));
  child.stderr?.on('data', chunk => (log += String(chunk)));
  const url = `http://127.0.0.1:${port}`;
  const server: IJupyterServer = {
    url,
    port,
    token: options.token,
    child,
    log: () => log,
    stop: () => stop(child)
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`jupyter lab exited with ${child.exitCode}:\n${log}`);
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`jupyter lab did not answer in 90 s:\n${log}`);
    }
    const ok = await fetch(`${url}/api/status`, {
      headers: { Authorization: `token ${options.token}` }
    })
      .then(response => response.ok)
      .catch(() => false);
    if (ok) {
      return server;
    }
    await new Promise(next => setTimeout(next, 200));
  }
}

/**
 * What a command printed, and how it ended.
 */
export interface ICommandResult {
  code: number | null;
  output: string;
}

/**
 * Run `jupyter <args>` of `venv` inside `stateDir` (its config, data and
 * runtime folders), as a user of that environment types it.
 */
export function runJupyter(
  venv: string,
  stateDir: string,
  args: string[],
  timeoutMs = 600_000
): Promise<ICommandResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(join(venv, 'bin', 'jupyter'), args, {
      env: { ...process.env, ...jupyterEnv(venv, stateDir) },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let output = '';
    child.stdout?.on('data', chunk => (output += String(chunk)));
    child.stderr?.on('data', chunk => (output += String(chunk)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `jupyter ${args.join(' ')} took over ${timeoutMs} ms:\n${output}`
        )
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', code => {
      clearTimeout(timer);
      resolveRun({ code, output });
    });
  });
}
