/**
 * `npm run bench -- --peers`: the same work, in one run, against this bridge
 * and each peer (bench/requirements-peers.txt, installed by
 * scripts/peers-env.sh), all on one Jupyter server (build/venv-peers: the
 * stock JupyterLab with jupyter-collaboration, which two peers require, and
 * the bridge's wheel), one kernel per notebook, one paired page in
 * headless Chromium as the user's tab. Written to `bench/results/peers.json`
 * and `peers.md`.
 *
 * Options (after `npm run bench -- --peers`):
 *   --quick            fewer samples (about a third of the run time)
 *   --only A,B         only these peers (keys: bridge, datalayer, live, jcollab)
 *   --out DIR          results folder (default bench/results)
 *   --label TEXT       a note stored with the results
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO } from '../../../ui-tests/fixtures';
import { BenchEnv } from '../env';
import { checkout, machineNow } from '../machine';
import { coldStart, log } from '../figures';
import { round, sampled, since, summarize, time } from '../stats';
import { bridge } from './bridge';
import { datalayer } from './datalayer';
import { jcollab } from './jcollab';
import { live, LIVE_CONFIG } from './live';
import { type IPeer, type IPeerSession } from './peer';
import {
  render,
  type IPeersReport,
  type IPeerResult,
  type Step
} from './report';

/**
 * Sample counts of one run.
 */
export interface IPeerOptions {
  /** read_cell round trips. */
  samples: number;
  /** Reads of a 50-cell page, per notebook size. */
  pageSamples: number;
  /** insert_cell + overwrite_cell_source pairs. */
  editSamples: number;
  /** execute_cell runs of `pass`. */
  execSamples: number;
  /** execute_cell runs of a 1 s sleep. */
  sleepSamples: number;
  /** Concurrent clients. */
  clients: number;
  /** read_cell calls of each concurrent client. */
  clientCalls: number;
  /** Notebook sizes of the page reads. */
  sizes: number[];
  /** Peer keys to run. */
  only: string[];
  out: string;
  label: string;
}

/** The peers, the bridge first (the ratios are to it). */
const PEERS: IPeer[] = [bridge, datalayer, live, jcollab];

/** Their virtual environments (scripts/peers-env.sh). */
const VENVS: Record<string, string> = {
  bridge: 'venv-peers',
  datalayer: 'venv-peers-datalayer',
  live: 'venv-peers',
  jcollab: 'venv-peers-jcollab'
};

/**
 * Parse the options after `--peers`.
 */
export function parsePeerArgs(argv: string[]): IPeerOptions {
  const options: IPeerOptions = {
    samples: 100,
    pageSamples: 20,
    editSamples: 20,
    execSamples: 20,
    sleepSamples: 3,
    clients: 8,
    clientCalls: 25,
    sizes: [1000, 5000],
    only: PEERS.map(peer => peer.key),
    out: join(REPO, 'bench', 'results'),
    label: ''
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = (): string => {
      const value = argv[++i];
      if (value === undefined) {
        throw new Error(`${arg} needs a value`);
      }
      return value;
    };
    switch (arg) {
      case '--peers':
        break;
      case '--quick':
        Object.assign(options, {
          samples: 30,
          pageSamples: 5,
          editSamples: 5,
          execSamples: 8,
          sleepSamples: 2,
          clientCalls: 10
        });
        break;
      case '--only':
        options.only = next().split(',');
        break;
      case '--out':
        options.out = next();
        break;
      case '--label':
        options.label = next();
        break;
      default:
        throw new Error(
          `unknown option ${arg} with --peers (see bench/README.md)`
        );
    }
  }
  return options;
}

/**
 * Install the peers if needed, run the comparison, print and write it.
 */
export async function runPeers(options: IPeerOptions): Promise<void> {
  const started = new Date();
  const wall = performance.now();
  log('peers: scripts/peers-env.sh (pinned venvs, made once)');
  const install = spawnSync('bash', [join(REPO, 'scripts', 'peers-env.sh')], {
    cwd: REPO,
    stdio: ['ignore', 'inherit', 'inherit']
  });
  log(`peers: environments ready (exit ${install.status})`);
  if (!existsSync(join(REPO, 'build', 'venv-peers', '.pins'))) {
    throw new Error(
      `the server's venv build/venv-peers failed to install: ${Private.tail('venv-peers')}`
    );
  }
  log('peers: the Jupyter server (build/venv-peers), the relay and Chromium');
  const env = await BenchEnv.start({
    venv: join(REPO, 'build', 'venv-peers'),
    config: LIVE_CONFIG
  });
  // Interrupted (Ctrl-C, a timeout's SIGTERM): stop the server, the relay
  // and Chromium before leaving, not only on errors.
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`peers: ${signal}: stopping the server, the relay and Chromium`);
    void env.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const peers: Record<string, IPeerResult> = {};
  let chromium = '';
  try {
    chromium = env.browser.version();
    const { page } = await coldStart(env, `bench-peers-${Date.now()}`);
    for (const peer of PEERS.filter(p => options.only.includes(p.key))) {
      const venv = VENVS[peer.key];
      if (!existsSync(join(REPO, 'build', venv, '.pins'))) {
        peers[peer.key] = Private.notInstalled(peer, venv);
        continue;
      }
      log(`peers: ${peer.name}`);
      peers[peer.key] = await Private.runPeer(env, page, peer, options);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await env.close();
  }
  const report: IPeersReport = {
    date: started.toISOString(),
    label: options.label,
    ...checkout(),
    run_seconds: round(since(wall) / 1000, 0),
    machine: machineNow(chromium),
    server: Private.serverPackages(),
    options: { ...options, out: undefined },
    peers
  };
  mkdirSync(options.out, { recursive: true });
  const markdown = render(report);
  writeFileSync(
    join(options.out, 'peers.json'),
    `${JSON.stringify(report, null, 2)}\n`
  );
  writeFileSync(join(options.out, 'peers.md'), markdown);
  process.stdout.write(markdown);
  log(`written to ${join(options.out, 'peers.json')} and peers.md`);
}

namespace Private {
  /**
   * The last lines of a venv's pip log.
   */
  export function tail(venv: string): string {
    const file = join(REPO, 'build', `${venv}.log`);
    if (!existsSync(file)) {
      return `(no ${file})`;
    }
    return readFileSync(file, 'utf-8').trim().split('\n').slice(-4).join(' | ');
  }

  export function notInstalled(peer: IPeer, venv: string): IPeerResult {
    const error = `not installed: pip failed in build/${venv}: ${tail(venv)}`;
    return {
      name: peer.name,
      setup: peer.setup,
      notes: peer.notes,
      error,
      steps: {}
    };
  }

  /**
   * The versions of the server's packages that the comparison depends on.
   */
  export function serverPackages(): Record<string, string> {
    const out = spawnSync(
      join(REPO, 'build', 'venv-peers', 'bin', 'pip'),
      ['list', '--format=json', '--disable-pip-version-check'],
      { cwd: REPO }
    );
    const wanted =
      /^(jupyterlab|jupyter[-_]server|jupyter[-_]collaboration|jupyter[-_]ydoc|pycrdt|ipykernel|jupyter[-_]mcp[-_]live|jupyter[-_]mcp[-_]tools|jupyterlab[-_]mcp[-_]bridge)$/i;
    const packages: Record<string, string> = {};
    try {
      for (const item of JSON.parse(out.stdout.toString()) as {
        name: string;
        version: string;
      }[]) {
        if (wanted.test(item.name)) {
          packages[item.name] = item.version;
        }
      }
    } catch {
      // pip list failed: no versions.
    }
    return packages;
  }

  /** The message of a failure, in the peer's words where it gave some. */
  function message(error: unknown): string {
    return (error instanceof Error ? error.message : String(error))
      .replace(/\s+/g, ' ')
      .slice(0, 400);
  }

  /** Run one step; a failure is recorded with its text. */
  async function step(name: string, fn: () => Promise<Step>): Promise<Step> {
    log(`peers:   ${name}`);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('no answer in 300 s (the bench gave up)')),
            300_000
          );
        })
      ]);
    } catch (error) {
      log(`peers:   ${name} failed: ${message(error)}`);
      return { error: message(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  function textOfResult(result: CallToolResult): string {
    return JSON.stringify(result.content ?? []);
  }

  /** Fail unless the answer shows `expected`. */
  function expect(
    result: CallToolResult,
    expected: string,
    what: string
  ): void {
    const text = textOfResult(result);
    if (!text.includes(expected)) {
      throw new Error(
        `${what} did not show ${JSON.stringify(expected)}; it answered: ${text.slice(0, 300)}`
      );
    }
  }

  async function sample(
    count: number,
    fn: () => Promise<unknown>
  ): Promise<Step> {
    return { ...(await sampled(count, fn)) };
  }

  function sources(count: number, fn: (i: number) => string): string[] {
    return Array.from({ length: count }, (_, i) => fn(i));
  }

  /** Characters and image bytes of what a client receives. */
  function sizeOf(result: CallToolResult): {
    characters: number;
    image_bytes: number;
    images: number;
  } {
    let imageBytes = 0;
    let images = 0;
    const text = JSON.stringify(result);
    for (const block of result.content ?? []) {
      if (block.type === 'image') {
        images++;
        imageBytes += Buffer.from(block.data, 'base64').length;
      }
    }
    // Images some peers put in their text or structured content instead.
    for (const match of text.matchAll(/iVBORw0KGgo[A-Za-z0-9+/=\\n]+/g)) {
      if (images === 0) {
        imageBytes += Buffer.from(
          match[0].replace(/\\n/g, ''),
          'base64'
        ).length;
      }
    }
    return { characters: text.length, image_bytes: imageBytes, images };
  }

  /**
   * Every step against one peer.
   */
  export async function runPeer(
    env: BenchEnv,
    page: Page,
    peer: IPeer,
    o: IPeerOptions
  ): Promise<IPeerResult> {
    const k = peer.key;
    const steps: Record<string, Step> = {};
    const result: IPeerResult = {
      name: peer.name,
      setup: peer.setup,
      notes: peer.notes,
      steps
    };
    let session: IPeerSession;
    const startAt = performance.now();
    try {
      session = await peer.session(env, `bench-${k}`);
    } catch (error) {
      result.error = `could not start or connect: ${message(error)}`;
      return result;
    }
    result.connect_ms = round(since(startAt));
    try {
      const read = `${k}-read.ipynb`;
      env.writeNotebook(
        read,
        sources(20, i => `value_${i} = ${i} * 2  # cell ${i}`)
      );
      steps.read_cell = await step('read_cell', async () => {
        await session.open(read);
        expect(await session.readCell(read, 10), 'value_10', 'read_cell');
        for (let i = 0; i < 5; i++) {
          await session.readCell(read, 10);
        }
        return sample(o.samples, () => session.readCell(read, 10));
      });
      for (const size of o.sizes) {
        const path = `${k}-grow-${size}.ipynb`;
        env.writeNotebook(
          path,
          sources(size, i => `x_${i} = ${i}`)
        );
        const start = Math.floor(size / 2);
        steps[`read_page_${size}`] = await step(
          `50-cell page of ${size} cells`,
          async () => {
            const openMs = await time(() => session.open(path));
            expect(
              await session.readPage(path, start, 50),
              `x_${start + 49}`,
              'the page read'
            );
            const summary = await sample(o.pageSamples, () =>
              session.readPage(path, start, 50)
            );
            return { ...summary, open_ms: round(openMs) };
          }
        );
        await session.release?.(path).catch(() => undefined);
      }
      const edit = `${k}-edit.ipynb`;
      env.writeNotebook(
        edit,
        sources(10, i => `e_${i} = ${i}`)
      );
      const inserts: number[] = [];
      const overwrites: number[] = [];
      const editStep = await step(
        'insert_cell, overwrite_cell_source',
        async () => {
          await session.open(edit);
          for (let i = 0; i < o.editSamples; i++) {
            inserts.push(
              await time(() => session.insertCell(edit, 0, `y = ${i}`))
            );
            overwrites.push(
              await time(() => session.overwriteCell(edit, 0, `y = ${i} * 2`))
            );
          }
          expect(
            await session.readCell(edit, 0),
            `y = ${o.editSamples - 1} * 2`,
            'read_cell after the edits'
          );
          return { ...summarize(inserts) };
        }
      );
      steps.insert_cell = editStep;
      steps.overwrite_cell_source =
        'error' in editStep
          ? overwrites.length
            ? { ...summarize(overwrites), note: `then: ${editStep.error}` }
            : editStep
          : { ...summarize(overwrites) };
      const exec = `${k}-exec.ipynb`;
      env.writeNotebook(exec, [
        'pass',
        'import time\ntime.sleep(1)',
        'import matplotlib\nmatplotlib.use("module://matplotlib_inline.backend_inline")\nimport matplotlib.pyplot as plt\nplt.figure(figsize=(6, 4))\nplt.plot([1, 2, 3, 4], [1, 4, 9, 16])\nplt.title("peers")\nplt.show()'
      ]);
      let firstRun = NaN;
      steps.execute_pass = await step('execute_cell: pass', async () => {
        await session.open(exec);
        firstRun = await time(() => session.executeCell(exec, 0));
        await session.executeCell(exec, 0);
        const summary = await sample(o.execSamples, () =>
          session.executeCell(exec, 0)
        );
        return { ...summary, first_run_ms: round(firstRun) };
      });
      steps.execute_sleep_1s = await step('execute_cell: 1 s sleep', () =>
        sample(o.sleepSamples, () => session.executeCell(exec, 1))
      );
      steps.plot = await step('matplotlib plot', async () => {
        // The first run imports matplotlib; the second is measured.
        const first = await time(() => session.executeCell(exec, 2));
        const holder: { result?: CallToolResult } = {};
        const ms = await time(async () => {
          holder.result = await session.executeCell(exec, 2);
        });
        if (!holder.result) {
          throw new Error('no result');
        }
        return {
          first_run_ms: round(first),
          ms: round(ms),
          ...sizeOf(holder.result)
        };
      });
      await session.release?.(exec).catch(() => undefined);
      steps.concurrent = await step(
        `${o.clients} concurrent clients reading`,
        () => concurrent(env, peer, read, o)
      );
      const user = `${k}-user.ipynb`;
      env.writeNotebook(
        user,
        sources(5, i => `u_${i} = ${i}`)
      );
      log('peers:   the user opens a notebook in the page');
      await PageUser.open(page, user);
      steps.staleness = await step(
        'staleness (unsaved typing in the page)',
        async () => {
          await session.open(user);
          await session.readCell(user, 1);
          const marker = `typed_by_user_${k} = 1`;
          await PageUser.type(page, user, 1, marker);
          const first = textOfResult(await session.readCell(user, 1));
          await new Promise(resolve => setTimeout(resolve, 1000));
          const later = textOfResult(await session.readCell(user, 1));
          return {
            next_read_shows_it: first.includes(marker),
            read_after_1s_shows_it: later.includes(marker),
            next_read: first.slice(0, 200)
          };
        }
      );
      steps.visible_edit = await step(
        'visible edit (the page, no reload)',
        async () => {
          const marker = `edited_by_agent_${k} = 2`;
          await session.overwriteCell(user, 2, marker);
          const t0 = performance.now();
          let seen = false;
          while (since(t0) < 5000) {
            if ((await PageUser.source(page, user, 2)) === marker) {
              seen = true;
              break;
            }
            await new Promise(resolve => setTimeout(resolve, 25));
          }
          return {
            shown_in_open_tab: seen,
            ms_after_the_call: seen ? round(since(t0)) : null,
            tab_shows: (await PageUser.source(page, user, 2)).slice(0, 200)
          };
        }
      );
      log('peers:   closing the tab');
      await PageUser.close(page, user);
    } finally {
      await session.close();
    }
    return result;
  }

  /**
   * `clients` sessions each reading one cell `clientCalls` times at once.
   */
  async function concurrent(
    env: BenchEnv,
    peer: IPeer,
    path: string,
    o: IPeerOptions
  ): Promise<Step> {
    const sessions = await Promise.all(
      Array.from({ length: o.clients }, (_, i) =>
        peer.session(env, `bench-${peer.key}-${i}`)
      )
    );
    try {
      await Promise.all(sessions.map(s => s.open(path)));
      await Promise.all(sessions.map(s => s.readCell(path, 10)));
      const latencies: number[] = [];
      const errors: string[] = [];
      const t0 = performance.now();
      await Promise.all(
        sessions.map(async s => {
          for (let i = 0; i < o.clientCalls; i++) {
            const start = performance.now();
            try {
              await s.readCell(path, 10);
              latencies.push(since(start));
            } catch (error) {
              errors.push(message(error));
            }
          }
        })
      );
      const seconds = since(t0) / 1000;
      return {
        ...summarize(latencies),
        calls_per_second: round(latencies.length / seconds, 1),
        errors: errors.length,
        first_error: errors[0]
      };
    } finally {
      await Promise.all(sessions.map(s => s.close()));
    }
  }

  /**
   * The user in the paired JupyterLab page: opens a notebook, types in a
   * cell without saving (the cell's shared model, as the editor writes it),
   * reads what the tab shows.
   */
  export namespace PageUser {
    interface IApp {
      commands: { execute(id: string, args?: unknown): Promise<unknown> };
      shell: {
        widgets(area: string): Iterable<{
          context?: {
            path: string;
            ready: Promise<void>;
          };
          content?: {
            model?: {
              cells: {
                length: number;
                get(i: number): {
                  sharedModel: {
                    getSource(): string;
                    setSource(s: string): void;
                  };
                };
              };
            };
          };
          dispose(): void;
        }>;
      };
    }

    export async function open(page: Page, path: string): Promise<void> {
      await page.evaluate(async p => {
        const app = (window as unknown as { jupyterapp: IApp }).jupyterapp;
        await app.commands.execute('docmanager:open', { path: p });
        for (const widget of app.shell.widgets('main')) {
          if (widget.context?.path === p) {
            await widget.context.ready;
          }
        }
      }, path);
      await page.waitForFunction(
        p => {
          const app = (window as unknown as { jupyterapp: IApp }).jupyterapp;
          for (const widget of app.shell.widgets('main')) {
            if (widget.context?.path === p) {
              return (widget.content?.model?.cells.length ?? 0) > 0;
            }
          }
          return false;
        },
        path,
        { timeout: 30_000 }
      );
    }

    export async function type(
      page: Page,
      path: string,
      index: number,
      text: string
    ): Promise<void> {
      await page.evaluate(
        ([p, i, t]) => {
          const app = (window as unknown as { jupyterapp: IApp }).jupyterapp;
          for (const widget of app.shell.widgets('main')) {
            if (widget.context?.path === p) {
              widget.content?.model?.cells.get(i).sharedModel.setSource(t);
            }
          }
        },
        [path, index, text] as const
      );
    }

    export async function source(
      page: Page,
      path: string,
      index: number
    ): Promise<string> {
      return page.evaluate(
        ([p, i]) => {
          const app = (window as unknown as { jupyterapp: IApp }).jupyterapp;
          for (const widget of app.shell.widgets('main')) {
            if (widget.context?.path === p) {
              return (
                widget.content?.model?.cells.get(i).sharedModel.getSource() ??
                ''
              );
            }
          }
          return '';
        },
        [path, index] as const
      );
    }

    export async function close(page: Page, path: string): Promise<void> {
      await page.evaluate(async p => {
        const app = (window as unknown as { jupyterapp: IApp }).jupyterapp;
        // Without saving or asking: the user's typing is dropped.
        for (const widget of [...app.shell.widgets('main')]) {
          if (widget.context?.path === p) {
            widget.dispose();
          }
        }
      }, path);
    }
  }
}
