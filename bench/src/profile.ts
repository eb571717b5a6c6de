/**
 * `npm run bench:profile`: the page's CPU profile (Chromium's sampling
 * profiler over CDP) while an agent runs a `pass` cell with `execute_cell`
 * N times, and while JupyterLab's own "Run Cell" runs it N times, in the
 * setup of `npm run bench`. Prints the self time per function of each, the
 * busy time per call, and writes both `.cpuprofile` files (open them in
 * Chromium's DevTools, Performance panel).
 *
 * Options (after `npm run bench:profile --`):
 *   --calls N   runs of each kind (default 60)
 *   --out DIR   where the profiles go (default bench/results/profile)
 */
import type { CDPSession, Page } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO } from '../../ui-tests/fixtures';
import { BenchEnv } from './env';
import { coldStart, log, pageRun, runMain } from './figures';
import { round } from './stats';

/**
 * The parts of a `.cpuprofile` read here.
 */
interface IProfile {
  nodes: {
    id: number;
    callFrame: {
      functionName: string;
      url: string;
      lineNumber: number;
      columnNumber: number;
    };
  }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/**
 * Self time per function of a profile, most first.
 */
function selfTimes(
  profile: IProfile
): { name: string; where: string; ms: number }[] {
  const byNode = new Map(profile.nodes.map(node => [node.id, node]));
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byNode.get(profile.samples[i]);
    if (!node) {
      continue;
    }
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const file = url.split('/').slice(-2).join('/');
    const key = `${functionName || '(anonymous)'}\t${file}:${lineNumber + 1}:${columnNumber + 1}`;
    // Each sample's delta is the time until the next one.
    const delta = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    totals.set(key, (totals.get(key) ?? 0) + delta);
  }
  return [...totals.entries()]
    .map(([key, ms]) => {
      const [name, where] = key.split('\t');
      return { name, where, ms };
    })
    .sort((a, b) => b.ms - a.ms);
}

async function profiled(
  cdp: CDPSession,
  calls: number,
  run: () => Promise<unknown>
): Promise<{ profile: IProfile; wallMs: number }> {
  await cdp.send('Profiler.start');
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    await run();
  }
  const wallMs = performance.now() - start;
  const { profile } = await cdp.send('Profiler.stop');
  return { profile: profile as unknown as IProfile, wallMs };
}

function report(
  label: string,
  calls: number,
  result: { profile: IProfile; wallMs: number }
): string {
  const rows = selfTimes(result.profile);
  const busy = rows
    .filter(row => row.name !== '(idle)' && row.name !== '(program)')
    .reduce((sum, row) => sum + row.ms, 0);
  const lines = [
    `## ${label}: ${calls} calls, ${round(result.wallMs / calls)} ms each, page JS busy ${round(busy / calls)} ms per call`,
    '',
    '| self ms per call | function | where |',
    '| --- | --- | --- |',
    ...rows
      .slice(0, 30)
      .map(
        row => `| ${round(row.ms / calls, 3)} | ${row.name} | ${row.where} |`
      ),
    ''
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let calls = 60;
  let out = join(REPO, 'bench', 'results', 'profile');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--calls') {
      calls = Number(argv[++i]);
    } else if (argv[i] === '--out') {
      out = argv[++i];
    } else {
      throw new Error(`unknown option ${argv[i]}`);
    }
  }
  log('starting the Jupyter server, the relay and Chromium');
  const env = await BenchEnv.start();
  try {
    const { page } = await coldStart(env, `bench-profile-${Date.now()}`);
    const client = await env.client('profile');
    const path = 'profile.ipynb';
    env.writeNotebook(path, ['pass']);
    await client.call('use_notebook', { notebook_path: path, activate: true });
    const agent = () =>
      client.call('execute_cell', { notebook_path: path, cell_index: 0 });
    const own = (target: Page) => pageRun(target, path);
    for (let i = 0; i < 10; i++) {
      await agent();
      await own(page);
    }
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    log(`profiling ${calls} execute_cell calls`);
    const agentRun = await profiled(cdp, calls, agent);
    log(`profiling ${calls} runs of JupyterLab's own Run Cell`);
    const ownRun = await profiled(cdp, calls, () => own(page));
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, 'execute_cell.cpuprofile'),
      JSON.stringify(agentRun.profile)
    );
    writeFileSync(
      join(out, 'run_cell.cpuprofile'),
      JSON.stringify(ownRun.profile)
    );
    process.stdout.write(
      `${report('execute_cell', calls, agentRun)}\n${report("JupyterLab's Run Cell", calls, ownRun)}`
    );
    log(`profiles written to ${out}`);
    await client.close();
  } finally {
    await env.close();
  }
}

runMain(main);
