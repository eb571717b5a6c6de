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
  const mcpUrl = `${options.relayUrl}${MCP_PATH}`;
  const token = tokenLines(options.token);
  return (
    [
      `jupyterlab-mcp-bridge ${options.version}: relay listening`,
      `  MCP endpoint (Streamable HTTP): ${mcpUrl}`,
      ...token.lines,
      '',
      ...pairingLines(options),
      '',
      ...clientLines(options, mcpUrl, token.ref),
      ''
    ].join('\n') + '\n'
  );
}

/**
 * Where the token comes from, and how a shell command refers to it (never
 * the token itself).
 */
function tokenLines(token: IResolvedToken): { lines: string[]; ref: string } {
  if (token.file) {
    return {
      lines: [`  Token file: ${token.file}`],
      ref: `$(cat ${shellQuote(token.file)})`
    };
  }
  if (token.source === 'env') {
    return { lines: [`  Token: from $${TOKEN_ENV}`], ref: `$${TOKEN_ENV}` };
  }
  return {
    lines: ['  Token: from --token (prefer a token file or the environment)'],
    ref: `$${TOKEN_ENV}`
  };
}

/**
 * How to pair JupyterLab: the pairing link itself when it is printed, else
 * the 0600 file it is written to.
 */
function pairingLines(options: IBannerOptions): string[] {
  const { token } = options;
  const link = pairingLink(options.labUrl, options.relayUrl, token.token);
  if (options.printLink) {
    return [
      'Pair JupyterLab: open this link (it carries the secret token; do not share it):',
      `  ${link}`
    ];
  }
  const dir = token.file ? path.dirname(token.file) : configDir(options.env);
  const file = path.join(dir, 'pairing-link');
  try {
    writePrivateFile(file, `${link}\n`);
    return [
      `Pair JupyterLab: open the link stored in ${file} (mode 0600; it carries the token),`,
      '  or run "Start MCP bridge" in JupyterLab. Use --print-pairing-link to print it here.'
    ];
  } catch (error) {
    return [
      `Could not write the pairing link file ${file}: ${(error as Error).message}`,
      '  Use --print-pairing-link to print the link.'
    ];
  }
}

/**
 * Ready-to-paste client configurations: stdio clients spawn this very CLI,
 * HTTP clients read the token from where it is (`tokenRef`).
 */
function clientLines(
  options: IBannerOptions,
  mcpUrl: string,
  tokenRef: string
): string[] {
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
  const httpConfig = {
    mcpServers: {
      jupyterlab: {
        type: 'http',
        url: mcpUrl,
        headers: { Authorization: `Bearer \${${TOKEN_ENV}}` }
      }
    }
  };
  return [
    'Client configuration (the token is never inline):',
    '  Claude Desktop / Cursor (mcpServers in claude_desktop_config.json / .cursor/mcp.json):',
    indent(
      JSON.stringify({ mcpServers: { jupyterlab: stdioServer } }, null, 2),
      4
    ),
    '  VS Code (.vscode/mcp.json):',
    indent(
      JSON.stringify(
        { servers: { jupyterlab: { type: 'stdio', ...stdioServer } } },
        null,
        2
      ),
      4
    ),
    '  Claude Code:',
    `    claude mcp add --transport http jupyterlab ${mcpUrl} --header "Authorization: Bearer ${tokenRef}"`,
    `  Other HTTP clients (set ${TOKEN_ENV}):`,
    indent(JSON.stringify(httpConfig, null, 2), 4)
  ];
}

/**
 * Indent every line of `text` by `n` spaces.
 */
function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map(line => pad + line)
    .join('\n');
}

/**
 * Quote a value for a POSIX shell (as is when it needs no quotes).
 */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value)
    ? value
    : `'${value.replace(/'/g, `'\\''`)}'`;
}
