"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || function (mod) {
    if (mod && mod.__esModule) return mod;
    var result = {};
    if (mod != null) for (var k in mod) if (k !== "default" && Object.prototype.hasOwnProperty.call(mod, k)) __createBinding(result, mod, k);
    __setModuleDefault(result, mod);
    return result;
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.probeRelay = probeRelay;
exports.runStdio = runStdio;
/**
 * `--stdio`: an MCP stdio server for clients that spawn a command. It joins
 * the relay listening on the port, or becomes it, and proxies stdin/stdout
 * to the relay's `/mcp`.
 */
const http = __importStar(require("node:http"));
const streamableHttp_js_1 = require("@modelcontextprotocol/sdk/client/streamableHttp.js");
const stdio_js_1 = require("@modelcontextprotocol/sdk/server/stdio.js");
const protocol_1 = require("../protocol");
const jsonrpc_1 = require("./jsonrpc");
const pages_1 = require("./pages");
/**
 * Ask `http://host:port/healthz` whether our relay listens there.
 */
function probeRelay(host, port, timeoutMs = 3000) {
    return new Promise(resolve => {
        const req = http.get({
            host,
            port,
            path: protocol_1.HEALTH_PATH,
            timeout: timeoutMs,
            headers: { Accept: 'application/json' }
        }, res => {
            const chunks = [];
            let size = 0;
            res.on('data', (chunk) => {
                size += chunk.length;
                if (size < 65536) {
                    chunks.push(chunk);
                }
            });
            res.on('end', () => {
                try {
                    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
                    resolve((0, jsonrpc_1.isObject)(body) && body.name === protocol_1.RELAY_NAME ? 'relay' : 'other');
                }
                catch {
                    resolve('other');
                }
            });
            res.on('error', () => resolve('other'));
        });
        req.on('timeout', () => {
            req.destroy();
            resolve('other');
        });
        req.on('error', error => {
            const code = error.code;
            resolve(code === 'ECONNREFUSED' || code === 'ECONNRESET' ? 'free' : 'other');
        });
    });
}
/**
 * Join or become the relay, then proxy stdio to it. Resolves when stdin
 * closes and everything is shut down.
 */
async function runStdio(options) {
    const { logger } = options;
    let relay;
    for (let attempt = 0;; attempt++) {
        const probe = await probeRelay(options.connectHost, options.port);
        if (probe === 'relay') {
            logger.info(`joining the relay on port ${options.port}`);
            break;
        }
        if (probe === 'other') {
            throw new Error(`Port ${options.port} is used by another program; choose another with --port`);
        }
        try {
            relay = await options.startRelay();
            break;
        }
        catch (error) {
            if (error.code !== 'EADDRINUSE' ||
                attempt >= 5) {
                throw error;
            }
            // Another process became the relay meanwhile: join it.
            await new Promise(r => setTimeout(r, 200));
        }
    }
    const base = `http://${options.connectHost.includes(':') ? `[${options.connectHost}]` : options.connectHost}:${options.port}`;
    const upstream = new streamableHttp_js_1.StreamableHTTPClientTransport(new URL(protocol_1.MCP_PATH, base), {
        requestInit: {
            headers: {
                Authorization: `Bearer ${options.token}`,
                // The page shows this client's transport as stdio.
                [protocol_1.STDIO_CLIENT_HEADER]: 'stdio'
            }
        }
    });
    const stdin = options.stdin ?? process.stdin;
    const stdio = new stdio_js_1.StdioServerTransport(stdin, (options.stdout ?? process.stdout));
    let initializeId;
    stdio.onmessage = (message) => {
        const msg = message;
        const reqId = (0, jsonrpc_1.requestIdOf)(msg);
        if (msg.method === 'initialize' && reqId !== undefined) {
            initializeId = reqId;
        }
        upstream.send(message).catch((error) => {
            logger.warn(`could not reach the relay: ${String(error)}`);
            if (reqId !== undefined) {
                const reply = (0, jsonrpc_1.errorResponse)(reqId, pages_1.RELAY_ERROR_CODE, `jupyterlab-mcp-bridge relay unreachable: ${logger.mask(String(error))}`);
                stdio.send(reply).catch(() => undefined);
            }
        });
    };
    stdio.onerror = error => logger.warn(`stdin: ${error.message}`);
    upstream.onmessage = (message) => {
        const msg = message;
        if (initializeId !== undefined &&
            (0, jsonrpc_1.responseIdOf)(msg) === initializeId &&
            (0, jsonrpc_1.isObject)(msg.result)) {
            const version = msg.result.protocolVersion;
            if (typeof version === 'string') {
                upstream.setProtocolVersion(version);
            }
        }
        if ((0, jsonrpc_1.isJsonRpcMessage)(msg)) {
            stdio
                .send(message)
                .catch(error => logger.warn(`stdout: ${String(error)}`));
        }
    };
    upstream.onerror = error => logger.debug(`relay connection: ${error.message}`);
    await upstream.start();
    await stdio.start();
    await new Promise(resolve => {
        stdin.on('end', () => resolve());
        stdin.on('close', () => resolve());
    });
    logger.debug('stdin closed: shutting down');
    try {
        if (upstream.sessionId) {
            await upstream.terminateSession();
        }
    }
    catch (error) {
        logger.debug(`ending the session: ${String(error)}`);
    }
    await upstream.close().catch(() => undefined);
    await stdio.close().catch(() => undefined);
    if (relay) {
        await relay.close();
    }
}
//# sourceMappingURL=stdio.js.map