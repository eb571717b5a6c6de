/**
 * The figures of issue 9, one function each. Every function takes the
 * running setup and returns plain JSON for the results file.
 */
import type { Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startJupyter } from '../../ui-tests/jupyter';

import type { BenchClient, BenchEnv, PageProbe } from './env';
import { RawKernel } from './kernel';
import { MinimalClient } from './plain';
import { cpuMs, rssMb, totalCpuMs } from './procfs';
import { round, sampled, since, summarize, time } from './stats';

/**
 * Progress lines on stderr (the figures go to stdout).
 */
export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/**
 * Run a bench script's `main`: a failure is printed with its stack and
 * sets the exit code.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    log(`failed: ${String((error as Error).stack ?? error)}`);
    process.exitCode = 1;
  });
}

/**
 * Cold start: from `page.goto` of the pairing link to the first successful
 * `tools/list` of a client that connected while no page was there (the
 * relay holds its initialize until a page connects).
 */
export async function coldStart(
  env: BenchEnv,
  workspace: string
): Promise<{
  page: Page;
  toPaired: number;
  toToolsList: number;
  tools: number;
}> {
  const page = await env.newPage();
  const start = performance.now();
  let paired = NaN;
  const goto = page.goto(env.pairingUrl(workspace));
  const pairedAt = env.waitPaired(page).then(() => {
    paired = since(start);
  });
  // Awaited together below; should the client fail first, their own
  // failures are not left unhandled (they would end the bench).
  const loaded = Promise.all([goto, pairedAt]);
  loaded.catch(() => undefined);
  const client = await env.client('cold-start');
  const { tools } = await client.client.listTools();
  const toToolsList = since(start);
  await loaded;
  await client.close();
  return {
    page,
    toPaired: round(paired),
    toToolsList: round(toToolsList),
    tools: tools.length
  };
}

/**
 * Read round trip: `read_cell` against the floor (`ping`) and against a
 * Jupyter contents GET of the same notebook, interleaved.
 */
export async function readRoundTrip(
  env: BenchEnv,
  client: BenchClient,
  samples: number
): Promise<Record<string, unknown>> {
  const path = 'read.ipynb';
  env.writeNotebook(
    path,
    Array.from({ length: 20 }, (_, i) => `value_${i} = ${i} * 2  # cell ${i}`)
  );
  await client.call('use_notebook', { notebook_path: path });
  const read = () =>
    client.call('read_cell', { notebook_path: path, cell_index: 10 });
  const ping = () => client.client.ping();
  const contents = async () => {
    const res = await fetch(`${env.labUrl}/api/contents/${path}?content=1`, {
      headers: { Authorization: `token ${env.labToken}` }
    });
    await res.json();
  };
  for (let i = 0; i < 50; i++) {
    await read();
    await ping();
    await contents();
  }
  const r: number[] = [];
  const p: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < samples; i++) {
    p.push(await time(ping));
    r.push(await time(read));
    c.push(await time(contents));
  }
  const readS = summarize(r);
  const pingS = summarize(p);
  const contentsS = summarize(c);
  return {
    floor: 'ping',
    read_cell: readS,
    ping: pingS,
    contents_get: contentsS,
    ratio_p50: round(readS.p50 / pingS.p50),
    ratio_p99: round(readS.p99 / pingS.p99),
    ratio_vs_contents_p50: round(readS.p50 / contentsS.p50),
    ratio_vs_contents_p99: round(readS.p99 / contentsS.p99)
  };
}

/**
 * JupyterLab's own run of the first cell of a notebook in the page (its
 * "Run Cell" command, the notebook in front), timed in the page: what a
 * user's run costs, the page's rendering of it included.
 */
export async function pageRun(page: Page, path: string): Promise<number> {
  return page.evaluate(async name => {
    interface IPanel {
      id: string;
      context?: { path: string };
      content: { activeCellIndex: number };
    }
    const app = (
      window as unknown as {
        jupyterapp: {
          shell: {
            widgets(area: string): Iterable<IPanel>;
            activateById(id: string): void;
          };
          commands: { execute(id: string): Promise<unknown> };
        };
      }
    ).jupyterapp;
    let panel: IPanel | undefined;
    for (const widget of app.shell.widgets('main')) {
      if (widget.context?.path === name) {
        panel = widget;
      }
    }
    if (!panel) {
      throw new Error(`${name} is not open`);
    }
    app.shell.activateById(panel.id);
    panel.content.activeCellIndex = 0;
    const start = performance.now();
    await app.commands.execute('notebook:run-cell');
    return performance.now() - start;
  }, path);
}

/**
 * Execute overhead: `execute_cell` on `pass` against a raw
 * `execute_request` from Node over the kernel WebSocket and against
 * JupyterLab's own run of the cell in the page, interleaved (in turning
 * order), on the same kernel, the notebook in front (as the user sees an
 * agent's run).
 */
export async function executeOverhead(
  env: BenchEnv,
  client: BenchClient,
  page: Page,
  samples: number
): Promise<Record<string, unknown>> {
  const path = 'exec.ipynb';
  env.writeNotebook(path, ['pass']);
  await client.call('use_notebook', { notebook_path: path, activate: true });
  const run = () =>
    client.call('execute_cell', { notebook_path: path, cell_index: 0 });
  await run();
  const res = await fetch(`${env.labUrl}/api/sessions`, {
    headers: { Authorization: `token ${env.labToken}` }
  });
  const sessions = (await res.json()) as {
    path: string;
    kernel: { id: string };
  }[];
  const session = sessions.find(s => s.path.endsWith(path));
  if (!session) {
    throw new Error(`no kernel session for ${path}`);
  }
  const kernel = await RawKernel.connect(
    env.labUrl,
    env.labToken,
    session.kernel.id
  );
  try {
    for (let i = 0; i < 5; i++) {
      await run();
      await kernel.execute('pass');
      await pageRun(page, path);
    }
    const mcp: number[] = [];
    const raw: number[] = [];
    const own: number[] = [];
    const busyToInput: number[] = [];
    // Each kind of run leaves the page busy for a moment after it answers
    // (rendering its outputs), and the next kind pays for it: the order
    // turns with each sample, so that none always follows the same one.
    const kinds: (() => Promise<void>)[] = [
      async () => {
        mcp.push(await time(run));
      },
      async () => {
        const r = await kernel.execute('pass');
        raw.push(r.total);
        busyToInput.push(r.input - r.busy);
      },
      async () => {
        own.push(await pageRun(page, path));
      }
    ];
    for (let i = 0; i < samples; i++) {
      for (let k = 0; k < kinds.length; k++) {
        await kinds[(i + k) % kinds.length]();
      }
    }
    const mcpS = summarize(mcp);
    const rawS = summarize(raw);
    const ownS = summarize(own);
    return {
      execute_cell: mcpS,
      raw_execute_request: rawS,
      jupyterlab_run_cell: ownS,
      raw_busy_to_execute_input: summarize(busyToInput),
      added_p50: round(mcpS.p50 - rawS.p50),
      added_p99: round(mcpS.p99 - rawS.p99),
      added_to_jupyterlab_p50: round(mcpS.p50 - ownS.p50),
      added_to_jupyterlab_p99: round(mcpS.p99 - ownS.p99)
    };
  } finally {
    kernel.close();
  }
}

/**
 * The kernel WebSocket without this package's server extension's
 * TCP_NODELAY: a second stock Jupyter server started with
 * `--McpBridge.websocket_nodelay=False` (Tornado's default, Nagle on), and
 * the same raw `execute_request` of `pass` as {@link executeOverhead}
 * sends, to compare with that figure (TCP_NODELAY on).
 */
export async function nagleOff(
  samples: number
): Promise<Record<string, unknown>> {
  const rootDir = mkdtempSync(join(tmpdir(), 'mcp-bench-nagle-root-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'mcp-bench-nagle-state-'));
  const token = randomBytes(16).toString('hex');
  const server = await startJupyter({
    rootDir,
    stateDir,
    token,
    args: ['--McpBridge.websocket_nodelay=False']
  });
  try {
    const res = await fetch(`${server.url}/api/kernels`, {
      method: 'POST',
      headers: { Authorization: `token ${token}` },
      body: JSON.stringify({ name: 'python3' })
    });
    const { id } = (await res.json()) as { id: string };
    const kernel = await RawKernel.connect(server.url, token, id);
    try {
      for (let i = 0; i < 5; i++) {
        await kernel.execute('pass');
      }
      const raw: number[] = [];
      const busyToInput: number[] = [];
      for (let i = 0; i < samples; i++) {
        const r = await kernel.execute('pass');
        raw.push(r.total);
        busyToInput.push(r.input - r.busy);
      }
      return {
        raw_execute_request: summarize(raw),
        raw_busy_to_execute_input: summarize(busyToInput)
      };
    } finally {
      kernel.close();
    }
  } finally {
    await server.stop();
    for (const dir of [rootDir, stateDir]) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * JupyterLab's own insert at the top of the open notebook `path`, in the
 * page: a cell inserted into the shared model (what the notebook's
 * insert-above action does), then two animation frames (the re-render).
 */
async function ownInsert(page: Page, path: string): Promise<number> {
  return page.evaluate(async name => {
    interface IPanel {
      context?: { path: string };
      content: {
        model: {
          sharedModel: {
            insertCell(
              index: number,
              cell: { cell_type: string; source: string }
            ): void;
          };
        };
      };
    }
    const app = (
      window as unknown as {
        jupyterapp: { shell: { widgets(area: string): Iterable<IPanel> } };
      }
    ).jupyterapp;
    let panel: IPanel | undefined;
    for (const widget of app.shell.widgets('main')) {
      if (widget.context?.path === name) {
        panel = widget;
      }
    }
    if (!panel) {
      throw new Error(`${name} is not open`);
    }
    const start = performance.now();
    panel.content.model.sharedModel.insertCell(0, {
      cell_type: 'code',
      source: 'z = 1'
    });
    await new Promise(resolve =>
      requestAnimationFrame(() => requestAnimationFrame(resolve))
    );
    return performance.now() - start;
  }, path);
}

/**
 * Delete the `count` cells {@link ownInsert} put at the top of `path`, and
 * save it (the page's inserts are not saved by themselves), once the
 * bridge's own saves of it ended (two saves at once make JupyterLab ask
 * about a file changed on disk).
 */
async function restore(page: Page, path: string, count: number): Promise<void> {
  await page.evaluate(
    async ([name, n]) => {
      interface IPanel {
        context?: { path: string; save(): Promise<void> };
        content: {
          model: { sharedModel: { deleteCell(index: number): void } };
        };
      }
      const app = (
        window as unknown as {
          jupyterapp: {
            shell: { widgets(area: string): Iterable<IPanel> };
            pluginRegistry: {
              _services: Map<{ name: string }, string>;
              resolveRequiredService(
                token: unknown
              ): Promise<{ whenSaved(path: string): Promise<void> }>;
            };
          };
        }
      ).jupyterapp;
      const token = [...app.pluginRegistry._services.keys()].find(
        key => key.name === 'jupyterlab-mcp-bridge-extension:IMcpBridge'
      );
      const bridge = await app.pluginRegistry.resolveRequiredService(token);
      await bridge.whenSaved(name);
      for (const widget of app.shell.widgets('main')) {
        if (widget.context?.path === name) {
          for (let i = 0; i < n; i++) {
            widget.content.model.sharedModel.deleteCell(0);
          }
          await widget.context.save();
        }
      }
    },
    [path, count] as const
  );
}

/**
 * Growth with the notebook's size: open, read_cell of the last cell,
 * read_notebook of a 50-cell page, insert_cell at the top, and
 * JupyterLab's own insert at the top.
 */
export async function growth(
  env: BenchEnv,
  client: BenchClient,
  page: Page,
  sizes: number[],
  repeats: number
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const size of sizes) {
    const path = `grow-${size}.ipynb`;
    env.writeNotebook(
      path,
      Array.from({ length: size }, (_, i) => `x_${i} = ${i}`)
    );
    log(`growth: ${size} cells`);
    const open = await time(() =>
      client.call('use_notebook', { notebook_path: path })
    );
    const readLast = await sampled(repeats * 2, () =>
      client.call('read_cell', { notebook_path: path, cell_index: -1 })
    );
    const readPage = await sampled(repeats * 2, () =>
      client.call('read_notebook', {
        notebook_path: path,
        start_index: Math.floor(size / 2),
        limit: 50
      })
    );
    const insert = await sampled(repeats, () =>
      client.call('insert_cell', {
        notebook_path: path,
        cell_index: 0,
        cell_type: 'code',
        cell_source: 'y = 1'
      })
    );
    const own: number[] = [];
    for (let i = 0; i < repeats; i++) {
      own.push(await ownInsert(page, path));
    }
    const ownS = summarize(own);
    // Undo the page's own inserts and save, so that the notebook closes.
    await restore(page, path, repeats);
    await client.call('unuse_notebook', { notebook_path: path });
    rows.push({
      cells: size,
      open: round(open),
      read_cell_last: readLast,
      read_notebook_page: readPage,
      insert_cell_top: insert,
      jupyterlab_insert_top: ownS,
      insert_ratio: round(insert.p50 / ownS.p50)
    });
  }
  return rows;
}

/**
 * What a throughput load reads of the browser: its processes and the
 * page's main-thread task time.
 */
export interface IBrowserMeter {
  pids(): number[];
  taskMs(): Promise<number>;
}

/**
 * Throughput: `clients` clients each calling `read_cell` in a loop for
 * `seconds` (after 1 s of warm-up): calls per second, errors, latency, and
 * the CPU per call of the relay, of the browser's processes and of the
 * page's main thread, and of the load generator itself. `kind` is the SDK
 * `Client`, or the lean client of `plain.ts`.
 */
export async function throughput(
  env: BenchEnv,
  browser: IBrowserMeter,
  clients: number,
  seconds: number,
  kind: 'sdk' | 'minimal' = 'sdk'
): Promise<Record<string, unknown>> {
  const path = 'read.ipynb';
  const args = { notebook_path: path, cell_index: 10 };
  const list: { call(): Promise<unknown>; close(): Promise<void> }[] = [];
  for (let i = 0; i < clients; i++) {
    if (kind === 'sdk') {
      const c = await env.client(`load-${i}`);
      await c.call('use_notebook', { notebook_path: path });
      list.push({
        call: () => c.call('read_cell', args),
        close: () => c.close()
      });
    } else {
      const c = await MinimalClient.connect(env.relayPort, env.token);
      await c.call('use_notebook', { notebook_path: path });
      list.push({
        call: () => c.call('read_cell', args),
        close: () => c.close()
      });
    }
  }
  // Warm up (and let the page finish earlier work) before measuring.
  const warm = performance.now() + 1000;
  await Promise.all(
    list.map(async c => {
      while (performance.now() < warm) {
        await c.call();
      }
    })
  );
  const chromiumPids = browser.pids();
  const relay0 = cpuMs(env.relayPid);
  const chromium0 = totalCpuMs(chromiumPids);
  const task0 = await browser.taskMs();
  const client0 = process.cpuUsage();
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    list.map(async c => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await c.call();
          latencies.push(since(t));
        } catch {
          errors++;
        }
      }
    })
  );
  const elapsed = since(start) / 1000;
  const calls = latencies.length + errors;
  const relayMs = cpuMs(env.relayPid) - relay0;
  const chromiumMs = totalCpuMs(chromiumPids) - chromium0;
  const taskMs = (await browser.taskMs()) - task0;
  const clientCpu = process.cpuUsage(client0);
  for (const c of list) {
    await c.close();
  }
  const perCall = (value: number) => round(value / Math.max(1, calls), 4);
  return {
    clients,
    client_kind: kind,
    seconds: round(elapsed),
    calls,
    calls_per_second: round(calls / elapsed, 1),
    errors,
    latency: summarize(latencies),
    cpu_ms_per_call: {
      relay: perCall(relayMs),
      chromium_all_processes: perCall(chromiumMs),
      page_main_thread: perCall(taskMs),
      product: perCall(relayMs + chromiumMs),
      bench_client: perCall((clientCpu.user + clientCpu.system) / 1000)
    }
  };
}

/**
 * Memory: relay RSS and the page's JS heap after GC, before and after
 * `calls` calls, then with `abandoned` sessions left open by clients that
 * went away.
 */
export async function memory(
  env: BenchEnv,
  probe: PageProbe,
  calls: number,
  abandoned: number
): Promise<Record<string, unknown>> {
  const path = 'read.ipynb';
  const concurrency = 4;
  const list: BenchClient[] = [];
  for (let i = 0; i < concurrency; i++) {
    const c = await env.client(`memory-${i}`);
    await c.call('use_notebook', { notebook_path: path });
    list.push(c);
  }
  // Warm up first: code loaded and caches filled on first use are no leak.
  for (let i = 0; i < 200; i++) {
    await list[i % concurrency].call('read_cell', {
      notebook_path: path,
      cell_index: 10
    });
  }
  const before = {
    relay_rss_mb: round(rssMb(env.relayPid), 1),
    page_heap_mb: round(await probe.heapAfterGcMb(), 2)
  };
  let left = calls;
  let errors = 0;
  const start = performance.now();
  await Promise.all(
    list.map(async c => {
      while (left > 0) {
        left--;
        try {
          await c.call('read_cell', { notebook_path: path, cell_index: 10 });
        } catch {
          errors++;
        }
      }
    })
  );
  const seconds = since(start) / 1000;
  for (const c of list) {
    await c.close();
  }
  const after = {
    relay_rss_mb: round(rssMb(env.relayPid), 1),
    page_heap_mb: round(await probe.heapAfterGcMb(), 2)
  };
  log(`memory: ${abandoned} abandoned sessions`);
  for (let i = 0; i < abandoned; i++) {
    const c = await env.client(`abandoned-${i}`);
    await c.call('list_notebooks');
    // Gone without DELETE, as a client that crashed.
    await c.client.close();
  }
  const health = await env.health();
  const withAbandoned = {
    sessions_open: health.sessions,
    relay_rss_mb: round(rssMb(env.relayPid), 1),
    page_heap_mb: round(await probe.heapAfterGcMb(), 2)
  };
  return {
    calls,
    seconds: round(seconds, 1),
    errors,
    before,
    after,
    page_heap_growth_mb: round(after.page_heap_mb - before.page_heap_mb, 2),
    relay_rss_growth_mb: round(after.relay_rss_mb - before.relay_rss_mb, 1),
    abandoned_sessions: abandoned,
    with_abandoned: withAbandoned,
    page_heap_per_abandoned_session_kb: round(
      ((withAbandoned.page_heap_mb - after.page_heap_mb) * 1024) /
        Math.max(1, abandoned),
      1
    ),
    relay_rss_per_abandoned_session_kb: round(
      ((withAbandoned.relay_rss_mb - after.relay_rss_mb) * 1024) /
        Math.max(1, abandoned),
      1
    )
  };
}

/**
 * Memory over agents' open/close cycles of a 1,000-cell notebook
 * (`use_notebook` then `unuse_notebook`), against JupyterLab's own open and
 * close of the same notebook in the page: the page's JS heap after GC
 * before and after, per cycle.
 */
export async function openCloseCycles(
  env: BenchEnv,
  client: BenchClient,
  page: Page,
  probe: PageProbe,
  cycles: number,
  cells = 1000
): Promise<Record<string, unknown>> {
  const path = 'cycles.ipynb';
  env.writeNotebook(
    path,
    Array.from({ length: cells }, (_, i) => `x_${i} = ${i}`)
  );
  const agentCycle = async (): Promise<void> => {
    await client.call('use_notebook', { notebook_path: path });
    const left = await client.call('unuse_notebook', { notebook_path: path });
    if ((left.structuredContent as { closed?: boolean }).closed !== true) {
      throw new Error(`unuse_notebook left "${path}" open`);
    }
  };
  const ownCycle = (): Promise<void> =>
    page.evaluate(async name => {
      interface IWidget {
        context?: { path: string; ready: Promise<void> };
        sessionContext?: { ready: Promise<void> };
        dispose(): void;
      }
      const app = (
        window as unknown as {
          jupyterapp: {
            commands: { execute(id: string, args: unknown): Promise<unknown> };
            shell: { widgets(area: string): Iterable<IWidget> };
          };
        }
      ).jupyterapp;
      await app.commands.execute('docmanager:open', { path: name });
      for (const widget of app.shell.widgets('main')) {
        if (widget.context?.path === name) {
          await widget.context.ready;
          await widget.sessionContext?.ready;
          widget.dispose();
        }
      }
    }, path);
  const measure = async (
    cycle: () => Promise<void>
  ): Promise<Record<string, number>> => {
    // Warm-up: the first open loads code and fills caches.
    await cycle();
    await cycle();
    const before = await probe.heapAfterGcMb();
    const start = performance.now();
    for (let i = 0; i < cycles; i++) {
      await cycle();
    }
    const seconds = since(start) / 1000;
    const after = await probe.heapAfterGcMb();
    return {
      before_mb: round(before, 2),
      after_mb: round(after, 2),
      growth_mb: round(after - before, 2),
      per_cycle_kb: round(((after - before) * 1024) / cycles, 1),
      ms_per_cycle: round((seconds * 1000) / cycles, 0)
    };
  };
  return {
    cells,
    cycles,
    agent: await measure(agentCycle),
    jupyterlab: await measure(ownCycle)
  };
}
