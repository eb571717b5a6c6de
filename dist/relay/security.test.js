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
const os = __importStar(require("node:os"));
const path = __importStar(require("node:path"));
const node_test_1 = require("node:test");
const protocol_1 = require("../protocol");
const banner_1 = require("./banner");
const log_1 = require("./log");
const security_1 = require("./security");
const token_1 = require("./token");
const defaults = security_1.DEFAULT_ORIGIN_PATTERNS.map(security_1.parseOriginPattern);
(0, node_test_1.describe)('tokensEqual', () => {
    (0, node_test_1.it)('accepts the same token only', () => {
        strict_1.default.equal((0, security_1.tokensEqual)('abc123', 'abc123'), true);
        strict_1.default.equal((0, security_1.tokensEqual)('abc124', 'abc123'), false);
        strict_1.default.equal((0, security_1.tokensEqual)('abc1234', 'abc123'), false);
        strict_1.default.equal((0, security_1.tokensEqual)('', 'abc123'), false);
        strict_1.default.equal((0, security_1.tokensEqual)(undefined, 'abc123'), false);
        strict_1.default.equal((0, security_1.tokensEqual)('', ''), false);
    });
});
(0, node_test_1.describe)('bearerFromHeader', () => {
    (0, node_test_1.it)('extracts a bearer token', () => {
        strict_1.default.equal((0, security_1.bearerFromHeader)('Bearer xyz'), 'xyz');
        strict_1.default.equal((0, security_1.bearerFromHeader)('bearer xyz'), 'xyz');
        strict_1.default.equal((0, security_1.bearerFromHeader)('Basic xyz'), undefined);
        strict_1.default.equal((0, security_1.bearerFromHeader)(undefined), undefined);
        strict_1.default.equal((0, security_1.bearerFromHeader)('Bearer '), undefined);
    });
});
(0, node_test_1.describe)('parsePageSubprotocols', () => {
    (0, node_test_1.it)('finds the page protocol and the token', () => {
        strict_1.default.deepEqual((0, security_1.parsePageSubprotocols)(`${protocol_1.PAGE_SUBPROTOCOL}, bearer.tok`), {
            hasPageProtocol: true,
            token: 'tok'
        });
        strict_1.default.deepEqual((0, security_1.parsePageSubprotocols)(protocol_1.PAGE_SUBPROTOCOL), {
            hasPageProtocol: true,
            token: undefined
        });
        strict_1.default.deepEqual((0, security_1.parsePageSubprotocols)('bearer.'), {
            hasPageProtocol: false,
            token: undefined
        });
        strict_1.default.deepEqual((0, security_1.parsePageSubprotocols)(undefined), {
            hasPageProtocol: false,
            token: undefined
        });
    });
});
(0, node_test_1.describe)('origins', () => {
    (0, node_test_1.it)('allows loopback origins on any port by default', () => {
        for (const origin of [
            'http://localhost:8888',
            'http://localhost',
            'https://127.0.0.1:9999',
            'http://[::1]:8888',
            'http://LOCALHOST:1'
        ]) {
            strict_1.default.equal((0, security_1.isOriginAllowed)(origin, defaults), true, origin);
        }
    });
    (0, node_test_1.it)('refuses other origins', () => {
        for (const origin of [
            'http://evil.example',
            'http://localhost.evil.example:8888',
            'null',
            'file://',
            'ws://localhost:8888',
            'http://127.0.0.2:8888',
            'not a url'
        ]) {
            strict_1.default.equal((0, security_1.isOriginAllowed)(origin, defaults), false, origin);
        }
    });
    (0, node_test_1.it)('supports extra origins with exact or wildcard ports', () => {
        const patterns = [
            ...defaults,
            (0, security_1.parseOriginPattern)('https://hub.example.org'),
            (0, security_1.parseOriginPattern)('http://myhost:*')
        ];
        strict_1.default.equal((0, security_1.isOriginAllowed)('https://hub.example.org', patterns), true);
        strict_1.default.equal((0, security_1.isOriginAllowed)('https://hub.example.org:443', patterns), true);
        strict_1.default.equal((0, security_1.isOriginAllowed)('https://hub.example.org:8443', patterns), false);
        strict_1.default.equal((0, security_1.isOriginAllowed)('http://hub.example.org', patterns), false);
        strict_1.default.equal((0, security_1.isOriginAllowed)('http://myhost:1234', patterns), true);
        strict_1.default.equal((0, security_1.isOriginAllowed)('https://myhost:1234', patterns), false);
    });
    (0, node_test_1.it)('rejects malformed patterns', () => {
        strict_1.default.throws(() => (0, security_1.parseOriginPattern)('myhost'));
        strict_1.default.throws(() => (0, security_1.parseOriginPattern)('ftp://myhost'));
        strict_1.default.throws(() => (0, security_1.parseOriginPattern)('http://myhost:99999'));
        strict_1.default.throws(() => (0, security_1.parseOriginPattern)('http://myhost/path'));
    });
    (0, node_test_1.it)('treats a missing origin according to `required`', () => {
        strict_1.default.equal((0, security_1.checkOrigin)(undefined, defaults, false), true);
        strict_1.default.equal((0, security_1.checkOrigin)(undefined, defaults, true), false);
        strict_1.default.equal((0, security_1.checkOrigin)('http://evil.example', defaults, false), false);
    });
});
(0, node_test_1.describe)('isHostAllowed', () => {
    (0, node_test_1.it)('allows loopback names and the bound host with the right port', () => {
        strict_1.default.equal((0, security_1.isHostAllowed)('127.0.0.1:4545', '127.0.0.1', 4545), true);
        strict_1.default.equal((0, security_1.isHostAllowed)('localhost:4545', '127.0.0.1', 4545), true);
        strict_1.default.equal((0, security_1.isHostAllowed)('[::1]:4545', '127.0.0.1', 4545), true);
        strict_1.default.equal((0, security_1.isHostAllowed)('myhost:4545', 'myhost', 4545), true);
        strict_1.default.equal((0, security_1.isHostAllowed)('10.0.0.5:4545', '10.0.0.5', 4545), true);
    });
    (0, node_test_1.it)('refuses other hosts, ports and malformed values', () => {
        strict_1.default.equal((0, security_1.isHostAllowed)('evil.example:4545', '127.0.0.1', 4545), false);
        strict_1.default.equal((0, security_1.isHostAllowed)('127.0.0.1:4546', '127.0.0.1', 4545), false);
        strict_1.default.equal((0, security_1.isHostAllowed)('127.0.0.1', '127.0.0.1', 4545), false);
        strict_1.default.equal((0, security_1.isHostAllowed)(undefined, '127.0.0.1', 4545), false);
        strict_1.default.equal((0, security_1.isHostAllowed)('a@b:4545', '127.0.0.1', 4545), false);
        strict_1.default.equal((0, security_1.isHostAllowed)('0.0.0.0:4545', '0.0.0.0', 4545), false);
    });
});
(0, node_test_1.describe)('Logger', () => {
    (0, node_test_1.it)('masks secrets', () => {
        const lines = [];
        const logger = new log_1.Logger('debug', { write: line => lines.push(line) });
        logger.addSecret('s3cr3t-token');
        logger.info('token is s3cr3t-token, again s3cr3t-token');
        strict_1.default.equal(lines.length, 1);
        strict_1.default.ok(!lines[0].includes('s3cr3t-token'));
        strict_1.default.ok(lines[0].includes('***'));
    });
});
(0, node_test_1.describe)('resolveToken', () => {
    (0, node_test_1.it)('generates a private token file, then reuses it', () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jmb-token-'));
        try {
            const env = { XDG_CONFIG_HOME: dir };
            const first = (0, token_1.resolveToken)({ env });
            strict_1.default.equal(first.source, 'generated');
            strict_1.default.equal(first.file, path.join(dir, 'jupyterlab-mcp-bridge', 'token'));
            strict_1.default.match(first.token, /^[A-Za-z0-9_-]{43}$/);
            strict_1.default.equal(fs.statSync(first.file).mode & 0o777, 0o600);
            strict_1.default.equal(fs.statSync(path.dirname(first.file)).mode & 0o777, 0o700);
            const second = (0, token_1.resolveToken)({ env });
            strict_1.default.equal(second.source, 'file');
            strict_1.default.equal(second.token, first.token);
        }
        finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
    (0, node_test_1.it)('prefers --token, then the environment, then --token-file', () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jmb-token-'));
        try {
            const file = path.join(dir, 'tok');
            fs.writeFileSync(file, 'from-file\n');
            strict_1.default.equal((0, token_1.resolveToken)({ token: 'opt', env: { [token_1.TOKEN_ENV]: 'env' } }).token, 'opt');
            strict_1.default.equal((0, token_1.resolveToken)({ tokenFile: file, env: { [token_1.TOKEN_ENV]: 'env' } }).token, 'env');
            const fromFile = (0, token_1.resolveToken)({ tokenFile: file, env: {} });
            strict_1.default.equal(fromFile.token, 'from-file');
            strict_1.default.equal(fromFile.source, 'file');
        }
        finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
(0, node_test_1.describe)('pairingLink', () => {
    (0, node_test_1.it)('puts the ws URL and token in the fragment', () => {
        const link = (0, banner_1.pairingLink)('http://localhost:8888/lab', 'http://127.0.0.1:4545', 'tok');
        strict_1.default.equal(link, 'http://localhost:8888/lab#mcp-bridge-url=ws%3A%2F%2F127.0.0.1%3A4545%2Fpage&mcp-bridge-token=tok');
    });
});
//# sourceMappingURL=security.test.js.map