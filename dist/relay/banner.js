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
exports.pairingLink = pairingLink;
exports.buildBanner = buildBanner;
/**
 * The start-up banner: endpoint, token file, pairing link and ready-to-paste
 * client configuration. Never prints the token except inside the pairing
 * link, and that only when asked or on a terminal.
 */
const path = __importStar(require("node:path"));
const protocol_1 = require("../protocol");
const token_1 = require("./token");
/**
 * The pairing link that JupyterLab reads from its URL fragment.
 */
function pairingLink(labUrl, relayUrl, token) {
    const wsUrl = `${relayUrl.replace(/^http/, 'ws')}${protocol_1.PAGE_PATH}`;
    const base = labUrl.split('#')[0];
    return `${base}#${protocol_1.PAIRING_URL_KEY}=${encodeURIComponent(wsUrl)}&${protocol_1.PAIRING_TOKEN_KEY}=${encodeURIComponent(token)}`;
}
/**
 * Build the banner text. When the link is not printed it is written to a
 * 0600 `pairing-link` file next to the token file.
 */
function buildBanner(options) {
    const { relayUrl, token } = options;
    const mcpUrl = `${relayUrl}${protocol_1.MCP_PATH}`;
    const link = pairingLink(options.labUrl, relayUrl, token.token);
    const lines = [];
    lines.push(`jupyterlab-mcp-bridge ${options.version}: relay listening`);
    lines.push(`  MCP endpoint (Streamable HTTP): ${mcpUrl}`);
    let tokenRef;
    if (token.file) {
        lines.push(`  Token file: ${token.file}`);
        tokenRef = `$(cat ${shellQuote(token.file)})`;
    }
    else if (token.source === 'env') {
        lines.push(`  Token: from $${token_1.TOKEN_ENV}`);
        tokenRef = `$${token_1.TOKEN_ENV}`;
    }
    else {
        lines.push('  Token: from --token (prefer a token file or the environment)');
        tokenRef = `$${token_1.TOKEN_ENV}`;
    }
    lines.push('');
    if (options.printLink) {
        lines.push('Pair JupyterLab: open this link (it carries the secret token; do not share it):');
        lines.push(`  ${link}`);
    }
    else {
        const dir = token.file ? path.dirname(token.file) : (0, token_1.configDir)(options.env);
        const file = path.join(dir, 'pairing-link');
        try {
            (0, token_1.writePrivateFile)(file, `${link}\n`);
            lines.push(`Pair JupyterLab: open the link stored in ${file} (mode 0600; it carries the token),`);
            lines.push('  or run "Start MCP bridge" in JupyterLab. Use --print-pairing-link to print it here.');
        }
        catch (error) {
            lines.push(`Could not write the pairing link file ${file}: ${error.message}`);
            lines.push('  Use --print-pairing-link to print the link.');
        }
    }
    lines.push('');
    // This very CLI, by absolute path: works from a checkout and from an
    // install alike (`npx jupyterlab-mcp-bridge` needs the npm package).
    const cli = path.resolve(__dirname, '..', '..', 'bin', 'jupyterlab-mcp-bridge.js');
    const args = [cli, '--stdio'];
    if (options.port !== protocol_1.DEFAULT_PORT) {
        args.push('--port', String(options.port));
    }
    if (options.tokenFileOption) {
        args.push('--token-file', options.tokenFileOption);
    }
    const stdioServer = { command: process.execPath, args };
    lines.push('Client configuration (the token is never inline):');
    lines.push('  Claude Desktop / Cursor (mcpServers in claude_desktop_config.json / .cursor/mcp.json):');
    lines.push(indent(JSON.stringify({ mcpServers: { jupyterlab: stdioServer } }, null, 2), 4));
    lines.push('  VS Code (.vscode/mcp.json):');
    lines.push(indent(JSON.stringify({ servers: { jupyterlab: { type: 'stdio', ...stdioServer } } }, null, 2), 4));
    lines.push('  Claude Code:');
    lines.push(`    claude mcp add --transport http jupyterlab ${mcpUrl} --header "Authorization: Bearer ${tokenRef}"`);
    lines.push(`  Other HTTP clients (set ${token_1.TOKEN_ENV}):`);
    const httpConfig = {
        mcpServers: {
            jupyterlab: {
                type: 'http',
                url: mcpUrl,
                headers: { Authorization: `Bearer \${${token_1.TOKEN_ENV}}` }
            }
        }
    };
    lines.push(indent(JSON.stringify(httpConfig, null, 2), 4));
    lines.push('');
    return lines.join('\n') + '\n';
}
function indent(text, n) {
    const pad = ' '.repeat(n);
    return text
        .split('\n')
        .map(line => pad + line)
        .join('\n');
}
function shellQuote(value) {
    return /^[\w@%+=:,./-]+$/.test(value)
        ? value
        : `'${value.replace(/'/g, `'\\''`)}'`;
}
//# sourceMappingURL=banner.js.map