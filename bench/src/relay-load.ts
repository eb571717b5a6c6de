/**
 * `npm run bench:relay`: the relay alone under load, for profiling its
 * share of the CPU per call. The relay CLI runs as its own process (with
 * `--cpu-prof` when `--profile DIR` is given), a scripted page
 * (`relay/test/fake-page.ts`) answers, and SDK clients call `ping` (or the
 * fake page's `echo` tool with `--tool`) for a fixed time.
 *
 * Options: --clients N (default 8), --seconds S (default 8), --tool,
 * --profile DIR.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FakePage } from '../../relay/test/fake-page';
import {
  freePort,
  RELAY_BIN,
  startProcess,
  stop
} from '../../ui-tests/fixtures';
import { cpuMs, rssMb } from './procfs';
import { round, since, summarize } from './stats';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (name: string, fallback: string): string => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : fallback;
  };
  const clients = Number(value('--clients', '8'));
  const seconds = Number(value('--seconds', '8'));
  const profile = value('--profile', '');
  const useTool = argv.includes('--tool');
  const token = randomBytes(32).toString('base64url');
  const port = await freePort();
  const configDir = mkdtempSync(join(tmpdir(), 'mcp-relay-load-'));
  const relay = await startProcess(
    process.execPath,
    [
      ...(profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : []),
      RELAY_BIN,
      '--port',
      String(port)
    ],
    {
      ...process.env,
      XDG_CONFIG_HOME: configDir,
      JUPYTERLAB_MCP_BRIDGE_TOKEN: token
    },
    /RELAY_READY/,
    'relay'
  );
  const pid = relay.child.pid ?? 0;
  const idleRss = rssMb(pid);
  const page = await FakePage.connect(port, token);
  const list: Client[] = [];
  for (let i = 0; i < clients; i++) {
    const client = new Client({ name: `load-${i}`, version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(
        new URL(`http://127.0.0.1:${port}/mcp`),
        { requestInit: { headers: { Authorization: `Bearer ${token}` } } }
      )
    );
    list.push(client);
  }
  const call = (client: Client) =>
    useTool ? client.callTool({ name: 'echo', arguments: {} }) : client.ping();
  const run = async (ms: number, latencies?: number[]) => {
    const end = performance.now() + ms;
    await Promise.all(
      list.map(async client => {
        while (performance.now() < end) {
          const t = performance.now();
          await call(client);
          latencies?.push(since(t));
        }
      })
    );
  };
  await run(1000);
  const cpu0 = cpuMs(pid);
  const latencies: number[] = [];
  const start = performance.now();
  await run(seconds * 1000, latencies);
  const elapsed = since(start) / 1000;
  const relayCpu = cpuMs(pid) - cpu0;
  const report = {
    clients,
    call: useTool ? 'tools/call echo' : 'ping',
    calls: latencies.length,
    calls_per_second: round(latencies.length / elapsed, 1),
    latency: summarize(latencies),
    relay_cpu_ms_per_call: round(relayCpu / latencies.length, 4),
    relay_rss_mb: { idle: round(idleRss, 1), loaded: round(rssMb(pid), 1) }
  };
  for (const client of list) {
    await client.close();
  }
  await page.close();
  await stop(relay.child);
  rmSync(configDir, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
