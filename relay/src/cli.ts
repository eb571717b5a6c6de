/**
 * The `jupyterlab-mcp-bridge` command line.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_PORT } from './protocol';
import { buildBanner } from './banner';
import { Logger } from './log';
import { DEFAULT_MAX_SESSIONS, Relay } from './relay';
import { isLoopbackHost, remoteHostRefusal } from './security';
import { createRequire } from 'node:module';
import type * as Stdio from './stdio';
import {
  defaultTokenFile,
  generateToken,
  type IResolvedToken,
  readTokenFile,
  resolveToken,
  TOKEN_ENV,
  updatePairingLink,
  writePrivateFile
} from './token';
import { packageVersion } from './version';

/**
 * Environment variable with the JupyterLab URL of the pairing link, when it
 * holds a Jupyter token (arguments are visible to other users).
 */
export const LAB_URL_ENV = 'JUPYTERLAB_MCP_BRIDGE_LAB_URL';

/**
 * Usage text of `--help`.
 */
export const USAGE = `Usage: jupyterlab-mcp-bridge [options]

Relay between MCP clients and the MCP server running inside a JupyterLab page.

Modes:
  (default)                  Listen for MCP clients (Streamable HTTP on /mcp) and pages.
  --stdio                    Serve one MCP client on stdin/stdout: join the relay
                             listening on --port, or become it.

Options:
  --host HOST                Bind address (default 127.0.0.1). An address that is not this
                             computer's loopback is refused without --allow-remote-host
  --allow-remote-host        Bind a --host reachable from the network anyway. The relay has no
                             TLS: HTTP clients' token and every MCP message cross the network
                             in clear (put a TLS proxy in front, or keep to a trusted network)
  -p, --port PORT            Port (default ${DEFAULT_PORT})
  --page-wait SECONDS        How long a request waits for a JupyterLab page (default 30)
  --session-idle-minutes M   End a session after M minutes with no request and no open
                             stream (default 30; fractions allowed). Its client then gets
                             404 and starts a new session
  --max-sessions N           Sessions open at most (default 64; each is an MCP server in the
                             page). A new client past it gets a JSON-RPC error (HTTP 503)
  --token-file PATH          Token file (default \${XDG_CONFIG_HOME:-~/.config}/jupyterlab-mcp-bridge/token,
                             created with a random token when missing)
  --token TOKEN              The token itself (discouraged: visible in the process list;
                             prefer $${TOKEN_ENV} or a token file)
  --allow-origin URL         Also allow this page origin (repeatable), e.g. https://hub.example.org
                             or http://myhost:* (any port). Loopback origins are always allowed.
  --lab-url URL              JupyterLab URL of the pairing link (default $${LAB_URL_ENV},
                             else http://localhost:8888/lab); a URL with a Jupyter token in it
                             belongs in $${LAB_URL_ENV}, out of the process list
  --print-pairing-link       Print the pairing link (it contains the token) even when stderr
                             is not a terminal; otherwise it goes to a 0600 file
  --rotate-token             Write a new token to the token file and exit. A relay running
                             with that file refuses the old token at once, closes every page
                             and ends every session; pair JupyterLab again with the new
                             pairing link; --stdio clients read the file again
  -q, --quiet                No banner (errors are still printed)
  --verbose                  Debug logging
  -v, --version              Print the version
  -h, --help                 Print this help

Everything is written to stderr; stdout carries only MCP messages in --stdio mode.
`;

/**
 * Parsed command-line options.
 */
export interface ICliOptions {
  host: string;
  allowRemoteHost: boolean;
  port: number;
  pageWaitSeconds: number;
  sessionIdleMinutes: number;
  maxSessions: number;
  token?: string;
  tokenFile?: string;
  allowOrigins: string[];
  labUrl: string;
  printPairingLink: boolean;
  rotateToken: boolean;
  quiet: boolean;
  verbose: boolean;
  stdio: boolean;
  help: boolean;
  version: boolean;
}

/**
 * Parse arguments; throws with a user-facing message on bad input.
 */
export function parseCli(argv: string[]): ICliOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      'allow-remote-host': { type: 'boolean' },
      port: { type: 'string', short: 'p' },
      'page-wait': { type: 'string' },
      'session-idle-minutes': { type: 'string' },
      'max-sessions': { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      'lab-url': { type: 'string' },
      'print-pairing-link': { type: 'boolean' },
      'rotate-token': { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      verbose: { type: 'boolean' },
      stdio: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' }
    }
  });
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid --port: ${values.port}`);
  }
  const pageWait =
    values['page-wait'] === undefined ? 30 : Number(values['page-wait']);
  if (!Number.isFinite(pageWait) || pageWait < 0) {
    throw new Error(`Invalid --page-wait: ${values['page-wait']}`);
  }
  const idle =
    values['session-idle-minutes'] === undefined
      ? 30
      : Number(values['session-idle-minutes']);
  if (!Number.isFinite(idle) || idle <= 0) {
    throw new Error(
      `Invalid --session-idle-minutes: ${values['session-idle-minutes']} (a number of minutes above 0)`
    );
  }
  const maxSessions =
    values['max-sessions'] === undefined
      ? DEFAULT_MAX_SESSIONS
      : Number(values['max-sessions']);
  if (!Number.isInteger(maxSessions) || maxSessions < 1) {
    throw new Error(
      `Invalid --max-sessions: ${values['max-sessions']} (a whole number of sessions, 1 or more)`
    );
  }
  return {
    host: values.host ?? '127.0.0.1',
    allowRemoteHost: values['allow-remote-host'] ?? false,
    port,
    pageWaitSeconds: pageWait,
    sessionIdleMinutes: idle,
    maxSessions,
    token: values.token,
    tokenFile: values['token-file'],
    allowOrigins: values['allow-origin'] ?? [],
    labUrl:
      values['lab-url'] ??
      process.env[LAB_URL_ENV] ??
      'http://localhost:8888/lab',
    printPairingLink: values['print-pairing-link'] ?? false,
    rotateToken: values['rotate-token'] ?? false,
    quiet: values.quiet ?? false,
    verbose: values.verbose ?? false,
    stdio: values.stdio ?? false,
    help: values.help ?? false,
    version: values.version ?? false
  };
}

/**
 * Log what nothing caught, and keep the relay running.
 */
function installProcessGuard(logger: Logger): void {
  process.on('uncaughtException', error => {
    logger.error(
      `unexpected error (the relay keeps running): ${error.stack ?? error.message}`
    );
  });
  process.on('unhandledRejection', reason => {
    logger.error(
      `unhandled rejection (the relay keeps running): ${String(reason)}`
    );
  });
}

/**
 * The relay of the command-line options.
 */
function makeRelay(
  options: ICliOptions,
  resolved: IResolvedToken,
  logger: Logger
): Relay {
  return new Relay({
    host: options.host,
    allowRemoteHost: options.allowRemoteHost,
    port: options.port,
    token: resolved.token,
    tokenFile: resolved.file,
    allowOrigins: options.allowOrigins,
    pageWaitMs: options.pageWaitSeconds * 1000,
    sessionIdleMs: options.sessionIdleMinutes * 60_000,
    maxSessions: options.maxSessions,
    logger
  });
}

/**
 * Start the relay, print the banner (unless `--quiet`) and the
 * `RELAY_READY <url>` line.
 */
async function startRelay(
  options: ICliOptions,
  resolved: IResolvedToken,
  logger: Logger
): Promise<Relay> {
  const relay = makeRelay(options, resolved, logger);
  await relay.start();
  if (!options.quiet) {
    logger.raw(
      buildBanner({
        version: relay.version,
        relayUrl: relay.url,
        port: relay.port,
        token: resolved,
        labUrl: options.labUrl,
        printLink: options.printPairingLink || process.stderr.isTTY === true,
        tokenFileOption: options.tokenFile
      })
    );
  }
  logger.raw(`RELAY_READY ${relay.url}\n`);
  return relay;
}

/**
 * `--rotate-token`: write a new token to the token file. Returns the exit
 * code.
 */
function rotateTokenFile(options: ICliOptions, logger: Logger): number {
  if (options.token || process.env[TOKEN_ENV]) {
    logger.error(
      `the token comes from ${options.token ? '--token' : `$${TOKEN_ENV}`}, not a file: set a new value there and restart the relay`
    );
    return 1;
  }
  const file = path.resolve(options.tokenFile ?? defaultTokenFile());
  let old: string | undefined;
  try {
    old = readTokenFile(file);
  } catch {
    old = undefined;
  }
  const token = generateToken();
  writePrivateFile(file, `${token}\n`);
  if (old) {
    try {
      updatePairingLink(file, old, token);
    } catch (error) {
      logger.warn(
        `could not update the pairing link: ${(error as Error).message}`
      );
    }
  }
  const link = path.join(path.dirname(file), 'pairing-link');
  logger.raw(
    `New token written to ${file}.\n` +
      'A relay running with this file refuses the old token at once: it closes every JupyterLab page and ends every MCP session.\n' +
      `Pair each JupyterLab again: open the pairing link in ${link}, or run "Start MCP bridge" there and paste the new token.\n` +
      'Clients that spawn `jupyterlab-mcp-bridge --stdio` read the file again by themselves; give HTTP clients the new token (Authorization: Bearer).\n'
  );
  return 0;
}

/**
 * Entry point of the `jupyterlab-mcp-bridge` command.
 */
export async function main(
  argv: string[] = process.argv.slice(2)
): Promise<void> {
  const logger = new Logger();
  const options = parseOrExplain(argv, logger);
  if (!options) {
    return;
  }
  if (options.help) {
    process.stderr.write(USAGE);
    return;
  }
  if (options.version) {
    process.stderr.write(`${packageVersion()}\n`);
    return;
  }
  if (options.verbose) {
    logger.level = 'debug';
  }
  if (options.rotateToken) {
    process.exitCode = rotateTokenFile(options, logger);
    return;
  }
  if (!hostAccepted(options, logger)) {
    return;
  }
  const resolved = resolveOrExplain(options, logger);
  if (!resolved) {
    return;
  }
  logger.addSecret(resolved.token);
  installProcessGuard(logger);
  if (options.stdio) {
    await serveStdio(options, resolved, logger);
    return;
  }
  await serveRelay(options, resolved, logger);
}

/**
 * The parsed arguments; undefined (exit code 2) after printing what is
 * wrong with them and the usage.
 */
function parseOrExplain(
  argv: string[],
  logger: Logger
): ICliOptions | undefined {
  try {
    return parseCli(argv);
  } catch (error) {
    logger.raw(
      `jupyterlab-mcp-bridge: ${(error as Error).message}\n\n${USAGE}`
    );
    process.exitCode = 2;
    return undefined;
  }
}

/**
 * Whether the relay may listen on `--host`: a loopback address, or another
 * one with `--allow-remote-host` (with a warning). Refused: exit code 2.
 */
function hostAccepted(options: ICliOptions, logger: Logger): boolean {
  if (isLoopbackHost(options.host)) {
    return true;
  }
  if (!options.allowRemoteHost) {
    logger.error(remoteHostRefusal(options.host));
    process.exitCode = 2;
    return false;
  }
  logger.warn(
    `listening on ${options.host} (--allow-remote-host): the token of HTTP clients and every MCP message cross the network in clear`
  );
  return true;
}

/**
 * The token (from `--token`, the environment or the token file, created
 * when missing); undefined (exit code 1) after saying why there is none.
 */
function resolveOrExplain(
  options: ICliOptions,
  logger: Logger
): IResolvedToken | undefined {
  if (options.token) {
    logger.warn(
      `--token is visible to other local users in the process list; prefer $${TOKEN_ENV} or --token-file`
    );
  }
  try {
    return resolveToken({
      token: options.token,
      tokenFile: options.tokenFile
    });
  } catch (error) {
    logger.error((error as Error).message);
    process.exitCode = 1;
    return undefined;
  }
}

/**
 * `--stdio`: serve one MCP client on stdin/stdout, joining the relay on the
 * port or becoming it; the process exits when the client goes.
 */
async function serveStdio(
  options: ICliOptions,
  resolved: IResolvedToken,
  logger: Logger
): Promise<void> {
  const connectHost =
    options.host === '0.0.0.0' || options.host === '::'
      ? '127.0.0.1'
      : options.host;
  try {
    // Loaded only in --stdio mode: it brings the SDK's client and stdio
    // transports.
    const { runStdio } = createRequire(__filename)('./stdio') as typeof Stdio;
    await runStdio({
      connectHost,
      port: options.port,
      token: resolved.token,
      tokenFile: resolved.file,
      logger,
      startRelay: () => startRelay(options, resolved, logger)
    });
    process.exit(0);
  } catch (error) {
    logger.error(logger.mask((error as Error).message));
    process.exit(1);
  }
}

/**
 * The relay, until SIGINT or SIGTERM (a second one exits at once). A relay
 * that cannot start sets exit code 1.
 */
async function serveRelay(
  options: ICliOptions,
  resolved: IResolvedToken,
  logger: Logger
): Promise<void> {
  let relay: Relay;
  try {
    relay = await startRelay(options, resolved, logger);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    logger.error(
      code === 'EADDRINUSE'
        ? `port ${options.port} is already in use (is another relay running? try --port)`
        : (error as Error).message
    );
    process.exitCode = 1;
    return;
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    logger.info(`${signal}: shutting down`);
    relay.close().then(
      () => process.exit(0),
      error => {
        logger.error(`shutdown: ${String(error)}`);
        process.exit(1);
      }
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
