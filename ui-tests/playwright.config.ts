import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests: a real MCP client, the real relay, a real JupyterLab page
 * in Debian's Chromium, a real Jupyter server and kernel.
 *
 * One project per host of the compatibility matrix, run in this order by
 * the test command (scripts/test.sh): the source extension installed with
 * `jupyter labextension install`, the whole suite on the stock JupyterLab
 * with the wheel, Jupyter Notebook 7, JupyterHub, real-time collaboration,
 * and a second kernel language.
 */
export default defineConfig({
  projects: [
    {
      name: 'source-install',
      testDir: './hosts',
      testMatch: 'source-install.spec.ts'
    },
    { name: 'jupyterlab', testDir: './tests' },
    { name: 'notebook7', testDir: './hosts', testMatch: 'notebook7.spec.ts' },
    { name: 'jupyterhub', testDir: './hosts', testMatch: 'jupyterhub.spec.ts' },
    {
      name: 'collaboration',
      testDir: './hosts',
      testMatch: 'collaboration.spec.ts'
    },
    { name: 'r-kernel', testDir: './hosts', testMatch: 'r-kernel.spec.ts' }
  ],
  outputDir: './test-results',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // A "remote" relay host for the pairing tests, served on this machine.
        '--host-resolver-rules=MAP relay.mcp-bridge.test 127.0.0.1'
      ]
    }
  }
});
