/**
 * The start-up banner: endpoint, token file, pairing link and ready-to-paste
 * client configuration. Never prints the token except inside the pairing
 * link, and that only when asked or on a terminal.
 */
import * as path from 'node:path';
import {
  DEFAULT_PORT,
  MCP_PATH,
  PAGE_PATH,
  PAIRING_TOKEN_KEY,
  PAIRING_URL_KEY
} from './protocol';
import {
  configDir,
  type IResolvedToken,
  TOKEN_ENV,
  writePrivateFile
} from './token';

/**
 * The pairing link that JupyterLab reads from its URL fragment.
 */
export function pairingLink(
  labUrl: string,
  relayUrl: string,
  token: string
): string {
  const wsUrl = `${relayUrl.replace(/^http/, 'ws')}${PAGE_PATH}`;
  const base = labUrl.split('#')[0];
  return `${base}#${PAIRING_URL_KEY}=${encodeURIComponent(wsUrl)}&${PAIRING_TOKEN_KEY}=${encodeURIComponent(token)}`;
}

/**
 * What the banner needs.
 */
export interface IBannerOptions {
  version: string;
  relayUrl: string;
  port: number;
  token: IResolvedToken;
  labUrl: string;
  /** Print the pairing link itself (TTY or `--print-pairing-link`). */
  printLink: boolean;
  /** `--token-file` when given (so that stdio configs name it). */
  tokenFileOption?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Build the banner text. When the link is not printed it is written to a
 * 0600 `pairing-link` file next to the token file.
 */
export function buildBanner(options: IBannerOptions): string {
  const { relayUrl, token } = options;
  const mcpUrl = `${relayUrl}${MCP_PATH}`;
  const link = pairingLink(options.labUrl, relayUrl, token.token);
  const lines: string[] = [];
  lines.push(`jupyterlab-mcp-bridge ${options.version}: relay listening`);
  lines.push(`  MCP endpoint (Streamable HTTP): ${mcpUrl}`);
  let tokenRef: string;
  if (token.file) {
    lines.push(`  Token file: ${token.file}`);
    tokenRef = `$(cat ${shellQuote(token.file)})`;
  } else if (token.source === 'env') {
    lines.push(`  Token: from $${TOKEN_ENV}`);
    tokenRef = `$${TOKEN_ENV}`;
  } else {
    lines.push(
      '  Token: from --token (prefer a token file or the environment)'
    );
    tokenRef = `$${TOKEN_ENV}`;
  }
  lines.push('');
  if (options.printLink) {
    lines.push(
      'Pair JupyterLab: open this link (it carries the secret token; do not share it):'
    );
    lines.push(`  ${link}`);
  } else {
    const dir = token.file ? path.dirname(token.file) : configDir(options.env);
    const file = path.join(dir, 'pairing-link');
    try {
      writePrivateFile(file, `${link}\n`);
      lines.push(
        `Pair JupyterLab: open the link stored in ${file} (mode 0600; it carries the token),`
      );
      lines.push(
        '  or run "Start MCP bridge" in JupyterLab. Use --print-pairing-link to print it here.'
      );
    } catch (error) {
      lines.push(
        `Could not write the pairing link file ${file}: ${(error as Error).message}`
      );
      lines.push('  Use --print-pairing-link to print the link.');
    }
  }
  lines.push('');
  // This very CLI, by absolute path: works from a checkout and from an
  // install alike (`npx jupyterlab-mcp-bridge` needs the npm package).
  const cli = path.resolve(__dirname, '..', 'bin', 'jupyterlab-mcp-bridge.js');
  const args = [cli, '--stdio'];
  if (options.port !== DEFAULT_PORT) {
    args.push('--port', String(options.port));
  }
  if (options.tokenFileOption) {
    args.push('--token-file', options.tokenFileOption);
  }
  const stdioServer = { command: process.execPath, args };
  lines.push('Client configuration (the token is never inline):');
  lines.push(
    '  Claude Desktop / Cursor (mcpServers in claude_desktop_config.json / .cursor/mcp.json):'
  );
  lines.push(
    indent(
      JSON.stringify({ mcpServers: { jupyterlab: stdioServer } }, null, 2),
      4
    )
  );
  lines.push('  VS Code (.vscode/mcp.json):');
  lines.push(
    indent(
      JSON.stringify(
        { servers: { jupyterlab: { type: 'stdio', ...stdioServer } } },
        null,
        2
      ),
      4
    )
  );
  lines.push('  Claude Code:');
  lines.push(
    `    claude mcp add --transport http jupyterlab ${mcpUrl} --header "Authorization: Bearer ${tokenRef}"`
  );
  lines.push(`  Other HTTP clients (set ${TOKEN_ENV}):`);
  const httpConfig = {
    mcpServers: {
      jupyterlab: {
        type: 'http',
        url: mcpUrl,
        headers: { Authorization: `Bearer \${${TOKEN_ENV}}` }
      }
    }
  };
  lines.push(indent(JSON.stringify(httpConfig, null, 2), 4));
  lines.push('');
  return lines.join('\n') + '\n';
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map(line => pad + line)
    .join('\n');
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value)
    ? value
    : `'${value.replace(/'/g, `'\\''`)}'`;
}
