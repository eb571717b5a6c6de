/**
 * `npm run bench`: the figures of issue 9 from one run, in the real setup
 * (relay, JupyterLab page in headless Chromium, Jupyter server, kernel),
 * printed with the machine they ran on and written to
 * `bench/results/latest.json` and `bench/results/latest.md`.
 *
 * Options (after `npm run bench --`):
 *   --quick                fewer samples, sizes 100 and 1000, 3 s loads (about a minute)
 *   --samples N            read round trips per call kind (default 400)
 *   --exec-samples N       execute_cell / raw execute pairs (default 40)
 *   --sizes A,B,C          notebook sizes for growth (default 100,1000,5000)
 *   --seconds S            duration of each throughput load (default 8)
 *   --memory-calls N       calls between the memory readings (default 10000)
 *   --abandoned N          sessions left open by clients that went away (default 200)
 *   --cycles N             open/close cycles of a 1,000-cell notebook (default 100)
 *   --lab-arg ARG          extra option of `jupyter lab` (repeatable)
 *   --out DIR              results folder (default bench/results)
 *   --label TEXT           a note stored with the results
 *   --peers                the side-by-side comparison with the other Jupyter
 *                          MCP servers instead (bench/src/peers/runner.ts,
 *                          its own options there)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO } from '../../ui-tests/fixtures';
import { BenchEnv, PageProbe } from './env';
import { checkout, machineNow } from './machine';
import { PlainChromium } from './plain';
import {
  coldStart,
  executeOverhead,
  growth,
  log,
  openCloseCycles,
  memory,
  nagleOff,
  readRoundTrip,
  runMain,
  throughput
} from './figures';
import { rssMb } from './procfs';
import { parsePeerArgs, runPeers } from './peers/runner';
import { render } from './report';
import { round } from './stats';

/**
 * Parsed command-line options.
 */
export interface IOptions {
  samples: number;
  execSamples: number;
  sizes: number[];
  seconds: number;
  memoryCalls: number;
  abandoned: number;
  cycles: number;
  labArgs: string[];
  out: string;
  label: string;
}

function parseArgs(argv: string[]): IOptions {
  const options: IOptions = {
    samples: 400,
    execSamples: 40,
    sizes: [100, 1000, 5000],
    seconds: 8,
    memoryCalls: 10_000,
    abandoned: 200,
    cycles: 100,
    labArgs: [],
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
      case '--quick':
        Object.assign(options, {
          samples: 150,
          execSamples: 15,
          sizes: [100, 1000],
          seconds: 3,
          memoryCalls: 2000,
          abandoned: 50,
          cycles: 10
        });
        break;
      case '--samples':
        options.samples = Number(next());
        break;
      case '--exec-samples':
        options.execSamples = Number(next());
        break;
      case '--sizes':
        options.sizes = next().split(',').map(Number);
        break;
      case '--seconds':
        options.seconds = Number(next());
        break;
      case '--memory-calls':
        options.memoryCalls = Number(next());
        break;
      case '--abandoned':
        options.abandoned = Number(next());
        break;
      case '--cycles':
        options.cycles = Number(next());
        break;
      case '--lab-arg':
        options.labArgs.push(next());
        break;
      case '--out':
        options.out = next();
        break;
      case '--label':
        options.label = next();
        break;
      default:
        throw new Error(`unknown option ${arg} (see bench/README.md)`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  if (process.argv.includes('--peers')) {
    await runPeers(parsePeerArgs(process.argv.slice(2)));
    return;
  }
  const options = parseArgs(process.argv.slice(2));
  const started = new Date();
  log('starting the Jupyter server, the relay and Chromium');
  const env = await BenchEnv.start({ labArgs: options.labArgs });
  const results: Record<string, unknown> = {};
  try {
    const relayIdleNoPage = rssMb(env.relayPid);
    log('cold start (first page load)');
    const first = await coldStart(env, `bench-cold-${Date.now()}`);
    await first.page.context().close();
    await waitFor(async () => (await env.health()).pages === 0);
    log('cold start (second page load)');
    const second = await coldStart(env, `bench-${Date.now()}`);
    const page = second.page;
    results.cold_start = {
      first_load: {
        to_paired: first.toPaired,
        to_tools_list: first.toToolsList
      },
      second_load: {
        to_paired: second.toPaired,
        to_tools_list: second.toToolsList
      },
      tools: second.tools
    };
    results.relay_idle_rss_mb = {
      no_page: round(relayIdleNoPage, 1),
      after_first_sessions: round(rssMb(env.relayPid), 1)
    };

    const client = await env.client('bench');
    log(`read round trip (${options.samples} samples each)`);
    results.read = await readRoundTrip(env, client, options.samples);
    log(`execute overhead (${options.execSamples} pairs)`);
    results.execute = await executeOverhead(
      env,
      client,
      page,
      options.execSamples
    );
    log(`kernel WebSocket with Nagle on (${options.execSamples} raw runs)`);
    results.nagle_off = await nagleOff(options.execSamples);
    // Throughput in a Chromium that Playwright does not instrument: its
    // page tracking costs the browser as much CPU per call as the page's
    // own work. The Playwright page leaves, a plain one pairs.
    await page.context().close();
    await waitFor(async () => (await env.health()).pages === 0);
    log('throughput: a plain Chromium pairs');
    const plain = await PlainChromium.start(
      env,
      env.pairingUrl(`bench-plain-${Date.now()}`)
    );
    results.throughput = [];
    try {
      for (const [clients, kind] of [
        [1, 'sdk'],
        [4, 'sdk'],
        [8, 'sdk'],
        [8, 'minimal']
      ] as const) {
        log(`throughput: ${clients} ${kind} client(s), ${options.seconds} s`);
        (results.throughput as unknown[]).push(
          await throughput(env, plain, clients, options.seconds, kind)
        );
      }
    } finally {
      await plain.close();
    }
    await waitFor(async () => (await env.health()).pages === 0);
    log('a Playwright page pairs again (memory, open/close, growth)');
    const again = await coldStart(env, `bench-again-${Date.now()}`);
    const probe2 = await PageProbe.attach(again.page);
    log(`memory: ${options.memoryCalls} calls`);
    results.memory = await memory(
      env,
      probe2,
      options.memoryCalls,
      options.abandoned
    );
    // The big notebooks it opens would slow the page for the figures before.
    log(`growth (${options.sizes.join(', ')} cells)`);
    results.growth = await growth(env, client, again.page, options.sizes, 3);
    results.open_notebooks_after_growth = (
      await client.call('list_notebooks')
    ).structuredContent;
    // After growth: the cycles leave memory behind (JupyterLab's own more
    // than the agent's), which would slow the page for the others.
    log(`open/close: ${options.cycles} cycles of a 1,000-cell notebook`);
    results.open_close = await openCloseCycles(
      env,
      client,
      again.page,
      probe2,
      options.cycles
    );
    await client.close();
    results.chromium = env.browser.version();
  } finally {
    await env.close();
  }
  const report = {
    date: started.toISOString(),
    label: options.label,
    ...checkout(),
    machine: machineNow(String(results.chromium)),
    options: { ...options, out: undefined },
    results
  };
  mkdirSync(options.out, { recursive: true });
  const markdown = render(report);
  writeFileSync(
    join(options.out, 'latest.json'),
    `${JSON.stringify(report, null, 2)}\n`
  );
  writeFileSync(join(options.out, 'latest.md'), markdown);
  process.stdout.write(markdown);
  log(`written to ${join(options.out, 'latest.json')} and latest.md`);
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in 30 s');
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

runMain(main);
