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
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
const strict_1 = __importDefault(require("node:assert/strict"));
const fs = __importStar(require("node:fs"));
const net = __importStar(require("node:net"));
const os = __importStar(require("node:os"));
const path = __importStar(require("node:path"));
const node_test_1 = require("node:test");
const index_js_1 = require("@modelcontextprotocol/sdk/client/index.js");
const stdio_js_1 = require("@modelcontextprotocol/sdk/client/stdio.js");
const fake_page_1 = require("./fake-page");
const stdio_1 = require("./stdio");
const log_1 = require("./log");
const relay_1 = require("./relay");
const token_1 = require("./token");
const TOKEN = 'stdio-test-token-0123456789abcdefghijkl';
const BIN = path.join(__dirname, '..', '..', 'bin', 'jupyterlab-mcp-bridge.js');
function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const port = server.address().port;
            server.close(() => resolve(port));
        });
    });
}
function spawnStdio(port, configHome) {
    const transport = new stdio_js_1.StdioClientTransport({
        command: process.execPath,
        args: [BIN, '--stdio', '--port', String(port), '--page-wait', '10'],
        env: {
            PATH: process.env.PATH ?? '',
            HOME: configHome,
            XDG_CONFIG_HOME: configHome,
            [token_1.TOKEN_ENV]: TOKEN
        },
        stderr: 'pipe'
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk) => {
        stderr += chunk.toString('utf8');
    });
    const client = new index_js_1.Client({ name: 'stdio-test', version: '0.0.0' });
    return { client, transport, stderr: () => stderr };
}
(0, node_test_1.describe)('--stdio', () => {
    let configHome;
    (0, node_test_1.before)(() => {
        configHome = fs.mkdtempSync(path.join(os.tmpdir(), 'jmb-stdio-'));
    });
    (0, node_test_1.after)(() => {
        fs.rmSync(configHome, { recursive: true, force: true });
    });
    (0, node_test_1.it)('joins a relay already listening', async () => {
        const relay = new relay_1.Relay({ port: 0, token: TOKEN, logger: (0, log_1.silentLogger)() });
        await relay.start();
        const page = await fake_page_1.FakePage.connect(relay.port, TOKEN);
        const { client, transport, stderr } = spawnStdio(relay.port, configHome);
        try {
            await client.connect(transport);
            strict_1.default.equal(client.getServerVersion()?.name, 'fake-page');
            strict_1.default.equal((await client.listTools()).tools.length, 2);
            const progress = [];
            const result = await client.callTool({ name: 'echo', arguments: { z: 3 } }, undefined, {
                onprogress: p => progress.push(p.progress)
            });
            strict_1.default.deepEqual(result.content, [
                { type: 'text', text: 'echo {"z":3}' }
            ]);
            strict_1.default.deepEqual(progress, [1]);
            strict_1.default.equal(relay.hub.sessions.size, 1);
            strict_1.default.ok(!stderr().includes(TOKEN));
            await client.close();
            const start = Date.now();
            while (relay.hub.sessions.size > 0 && Date.now() - start < 3000) {
                await new Promise(r => setTimeout(r, 50));
            }
            strict_1.default.equal(relay.hub.sessions.size, 0);
        }
        finally {
            await client.close();
            await page.close();
            await relay.close();
        }
    });
    (0, node_test_1.it)('becomes the relay when none listens', async () => {
        const port = await freePort();
        strict_1.default.equal(await (0, stdio_1.probeRelay)('127.0.0.1', port), 'free');
        const { client, transport, stderr } = spawnStdio(port, configHome);
        const connecting = client.connect(transport);
        let page;
        try {
            const start = Date.now();
            while ((await (0, stdio_1.probeRelay)('127.0.0.1', port)) !== 'relay') {
                if (Date.now() - start > 10000) {
                    throw new Error(`the stdio process did not become the relay:\n${stderr()}`);
                }
                await new Promise(r => setTimeout(r, 100));
            }
            page = await fake_page_1.FakePage.connect(port, TOKEN);
            await connecting;
            strict_1.default.equal((await client.listTools()).tools.length, 2);
            const result = await client.callTool({ name: 'echo', arguments: {} });
            strict_1.default.deepEqual(result.content, [{ type: 'text', text: 'echo {}' }]);
            strict_1.default.ok(stderr().includes('RELAY_READY'));
            strict_1.default.ok(!stderr().includes(TOKEN), 'the token must not be printed');
        }
        finally {
            await client.close();
            await page?.close();
        }
        const start = Date.now();
        while ((await (0, stdio_1.probeRelay)('127.0.0.1', port)) !== 'free' &&
            Date.now() - start < 5000) {
            await new Promise(r => setTimeout(r, 100));
        }
        strict_1.default.equal(await (0, stdio_1.probeRelay)('127.0.0.1', port), 'free');
    });
});
//# sourceMappingURL=stdio.test.js.map