"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.USAGE = void 0;
exports.parseCli = parseCli;
exports.main = main;
/**
 * The `jupyterlab-mcp-bridge` command line.
 */
const node_util_1 = require("node:util");
const protocol_1 = require("../protocol");
const banner_1 = require("./banner");
const log_1 = require("./log");
const relay_1 = require("./relay");
const stdio_1 = require("./stdio");
const token_1 = require("./token");
const version_1 = require("./version");
/**
 * Usage text of `--help`.
 */
exports.USAGE = `Usage: jupyterlab-mcp-bridge [options]

Relay between MCP clients and the MCP server running inside a JupyterLab page.

Modes:
  (default)                  Listen for MCP clients (Streamable HTTP on /mcp) and pages.
  --stdio                    Serve one MCP client on stdin/stdout: join the relay
                             listening on --port, or become it.

Options:
  --host HOST                Bind address (default 127.0.0.1)
  -p, --port PORT            Port (default ${protocol_1.DEFAULT_PORT})
  --page-wait SECONDS        How long a request waits for a JupyterLab page (default 30)
  --token-file PATH          Token file (default \${XDG_CONFIG_HOME:-~/.config}/jupyterlab-mcp-bridge/token,
                             created with a random token when missing)
  --token TOKEN              The token itself (discouraged: visible in the process list;
                             prefer $${token_1.TOKEN_ENV} or a token file)
  --allow-origin URL         Also allow this page origin (repeatable), e.g. https://hub.example.org
                             or http://myhost:* (any port). Loopback origins are always allowed.
  --lab-url URL              JupyterLab URL of the pairing link (default http://localhost:8888/lab)
  --print-pairing-link       Print the pairing link (it contains the token) even when stderr
                             is not a terminal; otherwise it goes to a 0600 file
  -q, --quiet                No banner (errors are still printed)
  --verbose                  Debug logging
  -v, --version              Print the version
  -h, --help                 Print this help

Everything is written to stderr; stdout carries only MCP messages in --stdio mode.
`;
/**
 * Parse arguments; throws with a user-facing message on bad input.
 */
function parseCli(argv) {
    const { values } = (0, node_util_1.parseArgs)({
        args: argv,
        strict: true,
        allowPositionals: false,
        options: {
            host: { type: 'string' },
            port: { type: 'string', short: 'p' },
            'page-wait': { type: 'string' },
            token: { type: 'string' },
            'token-file': { type: 'string' },
            'allow-origin': { type: 'string', multiple: true },
            'lab-url': { type: 'string' },
            'print-pairing-link': { type: 'boolean' },
            quiet: { type: 'boolean', short: 'q' },
            verbose: { type: 'boolean' },
            stdio: { type: 'boolean' },
            help: { type: 'boolean', short: 'h' },
            version: { type: 'boolean', short: 'v' }
        }
    });
    const port = values.port === undefined ? protocol_1.DEFAULT_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new Error(`Invalid --port: ${values.port}`);
    }
    const pageWait = values['page-wait'] === undefined ? 30 : Number(values['page-wait']);
    if (!Number.isFinite(pageWait) || pageWait < 0) {
        throw new Error(`Invalid --page-wait: ${values['page-wait']}`);
    }
    return {
        host: values.host ?? '127.0.0.1',
        port,
        pageWaitSeconds: pageWait,
        token: values.token,
        tokenFile: values['token-file'],
        allowOrigins: values['allow-origin'] ?? [],
        labUrl: values['lab-url'] ?? 'http://localhost:8888/lab',
        printPairingLink: values['print-pairing-link'] ?? false,
        quiet: values.quiet ?? false,
        verbose: values.verbose ?? false,
        stdio: values.stdio ?? false,
        help: values.help ?? false,
        version: values.version ?? false
    };
}
function installProcessGuard(logger) {
    process.on('uncaughtException', error => {
        logger.error(`unexpected error (the relay keeps running): ${error.stack ?? error.message}`);
    });
    process.on('unhandledRejection', reason => {
        logger.error(`unhandled rejection (the relay keeps running): ${String(reason)}`);
    });
}
function makeRelay(options, token, logger) {
    return new relay_1.Relay({
        host: options.host,
        port: options.port,
        token,
        allowOrigins: options.allowOrigins,
        pageWaitMs: options.pageWaitSeconds * 1000,
        logger
    });
}
async function startRelay(options, resolved, logger) {
    const relay = makeRelay(options, resolved.token, logger);
    await relay.start();
    if (!options.quiet) {
        logger.raw((0, banner_1.buildBanner)({
            version: relay.version,
            relayUrl: relay.url,
            port: relay.port,
            token: resolved,
            labUrl: options.labUrl,
            printLink: options.printPairingLink || process.stderr.isTTY === true,
            tokenFileOption: options.tokenFile
        }));
    }
    logger.raw(`RELAY_READY ${relay.url}\n`);
    return relay;
}
/**
 * Entry point of the `jupyterlab-mcp-bridge` command.
 */
async function main(argv = process.argv.slice(2)) {
    const logger = new log_1.Logger();
    let options;
    try {
        options = parseCli(argv);
    }
    catch (error) {
        logger.raw(`jupyterlab-mcp-bridge: ${error.message}\n\n${exports.USAGE}`);
        process.exitCode = 2;
        return;
    }
    if (options.help) {
        process.stderr.write(exports.USAGE);
        return;
    }
    if (options.version) {
        process.stderr.write(`${(0, version_1.packageVersion)()}\n`);
        return;
    }
    if (options.verbose) {
        logger.level = 'debug';
    }
    if (options.token) {
        logger.warn(`--token is visible to other local users in the process list; prefer $${token_1.TOKEN_ENV} or --token-file`);
    }
    let resolved;
    try {
        resolved = (0, token_1.resolveToken)({
            token: options.token,
            tokenFile: options.tokenFile
        });
    }
    catch (error) {
        logger.error(error.message);
        process.exitCode = 1;
        return;
    }
    logger.addSecret(resolved.token);
    installProcessGuard(logger);
    if (options.stdio) {
        const connectHost = options.host === '0.0.0.0' || options.host === '::'
            ? '127.0.0.1'
            : options.host;
        try {
            await (0, stdio_1.runStdio)({
                connectHost,
                port: options.port,
                token: resolved.token,
                logger,
                startRelay: () => startRelay(options, resolved, logger)
            });
            process.exit(0);
        }
        catch (error) {
            logger.error(logger.mask(error.message));
            process.exit(1);
        }
        return;
    }
    let relay;
    try {
        relay = await startRelay(options, resolved, logger);
    }
    catch (error) {
        const code = error.code;
        logger.error(code === 'EADDRINUSE'
            ? `port ${options.port} is already in use (is another relay running? try --port)`
            : error.message);
        process.exitCode = 1;
        return;
    }
    let stopping = false;
    const stop = (signal) => {
        if (stopping) {
            process.exit(1);
        }
        stopping = true;
        logger.info(`${signal}: shutting down`);
        relay.close().then(() => process.exit(0), error => {
            logger.error(`shutdown: ${String(error)}`);
            process.exit(1);
        });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
}
//# sourceMappingURL=cli.js.map