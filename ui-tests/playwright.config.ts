import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests: a real MCP client, the real relay, a real JupyterLab page
 * in Debian's Chromium, a real Jupyter server and kernel.
 */
export default defineConfig({
  testDir: './tests',
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
