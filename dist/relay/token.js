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
exports.TOKEN_ENV = void 0;
exports.configDir = configDir;
exports.defaultTokenFile = defaultTokenFile;
exports.generateToken = generateToken;
exports.writePrivateFile = writePrivateFile;
exports.resolveToken = resolveToken;
/**
 * Where the relay's secret comes from, and how it is stored.
 */
const node_crypto_1 = require("node:crypto");
const fs = __importStar(require("node:fs"));
const os = __importStar(require("node:os"));
const path = __importStar(require("node:path"));
/**
 * Environment variable holding the token.
 */
exports.TOKEN_ENV = 'JUPYTERLAB_MCP_BRIDGE_TOKEN';
/**
 * The relay's configuration directory:
 * `${XDG_CONFIG_HOME:-~/.config}/jupyterlab-mcp-bridge`.
 */
function configDir(env = process.env) {
    const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME)
        ? env.XDG_CONFIG_HOME
        : path.join(os.homedir(), '.config');
    return path.join(base, 'jupyterlab-mcp-bridge');
}
/**
 * The default token file.
 */
function defaultTokenFile(env = process.env) {
    return path.join(configDir(env), 'token');
}
/**
 * A new random token: 32 bytes, base64url.
 */
function generateToken() {
    return (0, node_crypto_1.randomBytes)(32).toString('base64url');
}
/**
 * Write a private file (mode 0600) in a private directory (mode 0700 when
 * created), replacing it atomically.
 */
function writePrivateFile(file, content) {
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${(0, node_crypto_1.randomBytes)(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, file);
}
function readTokenFile(file) {
    try {
        const text = fs.readFileSync(file, 'utf8').trim();
        return text.length > 0 ? text : undefined;
    }
    catch (error) {
        if (error.code === 'ENOENT') {
            return undefined;
        }
        throw new Error(`Cannot read the token file ${file}: ${error.message}`);
    }
}
/**
 * Resolve the token: `--token`, then the environment, then `--token-file`
 * or the default file; when the file does not exist, generate a token and
 * write it there (mode 0600).
 */
function resolveToken(options) {
    const env = options.env ?? process.env;
    if (options.token) {
        return { token: options.token, source: 'option' };
    }
    const fromEnv = env[exports.TOKEN_ENV];
    if (fromEnv && fromEnv.trim().length > 0) {
        return { token: fromEnv.trim(), source: 'env' };
    }
    const file = path.resolve(options.tokenFile ?? defaultTokenFile(env));
    const existing = readTokenFile(file);
    if (existing) {
        return { token: existing, source: 'file', file };
    }
    const token = generateToken();
    writePrivateFile(file, `${token}\n`);
    return { token, source: 'generated', file };
}
//# sourceMappingURL=token.js.map