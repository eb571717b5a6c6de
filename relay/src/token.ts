/**
 * Where the relay's secret comes from, and how it is stored.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Environment variable holding the token.
 */
export const TOKEN_ENV = 'JUPYTERLAB_MCP_BRIDGE_TOKEN';

/**
 * The resolved token and where it came from.
 */
export interface IResolvedToken {
  token: string;
  source: 'option' | 'env' | 'file' | 'generated';
  /**
   * The token file, when the token was read from or written to one.
   */
  file?: string;
}

/**
 * The relay's configuration directory:
 * `${XDG_CONFIG_HOME:-~/.config}/jupyterlab-mcp-bridge`.
 */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME)
      ? env.XDG_CONFIG_HOME
      : path.join(os.homedir(), '.config');
  return path.join(base, 'jupyterlab-mcp-bridge');
}

/**
 * The default token file.
 */
export function defaultTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configDir(env), 'token');
}

/**
 * A new random token: 32 bytes, base64url.
 */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Write a private file (mode 0600) in a private directory (mode 0700 when
 * created), replacing it atomically.
 */
export function writePrivateFile(file: string, content: string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/**
 * The token in a token file (trimmed), or undefined when the file does not
 * exist or is empty. The file must belong to the current user and be
 * neither readable nor writable by its group or others (whoever can read
 * it holds the user's kernels; whoever can write it chooses their token):
 * otherwise this throws, saying how to fix it. Checked on the open file,
 * so that what is checked is what is read.
 */
export function readTokenFile(file: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw new Error(
      `Cannot read the token file ${file}: ${(error as Error).message}`
    );
  }
  try {
    checkPrivate(file, fs.fstatSync(fd));
    const text = fs.readFileSync(fd, 'utf8').trim();
    return text.length > 0 ? text : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Throw unless `stat` (of `file`) is a regular file of the current user
 * with no permission for group or others. (No check where the platform
 * has no user ids.)
 */
export function checkPrivate(file: string, stat: fs.Stats): void {
  if (!stat.isFile()) {
    throw new Error(`The token file ${file} is not a regular file.`);
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  if (uid < 0) {
    return;
  }
  const problems: string[] = [];
  if (stat.uid !== uid) {
    problems.push(`it belongs to user id ${stat.uid}, not to you (${uid})`);
  }
  if ((stat.mode & 0o077) !== 0) {
    problems.push(
      `its mode is ${(stat.mode & 0o777).toString(8).padStart(4, '0')}: its group or others can read or write it`
    );
  }
  if (problems.length === 0) {
    return;
  }
  const fix =
    stat.uid !== uid
      ? `Use a token file of your own (--token-file), or remove this one (rm ${shellQuote(file)}) and a new one is made.`
      : `Fix it with: chmod 600 ${shellQuote(file)}`;
  throw new Error(
    `Refusing the token file ${file}: ${problems.join('; ')}. Whoever can read it can run code in your kernels, and ` +
      `whoever can write it chooses your token. ${fix}`
  );
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value)
    ? value
    : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Resolve the token: `--token`, then the environment, then `--token-file`
 * or the default file; when the file does not exist, generate a token and
 * write it there (mode 0600).
 */
export function resolveToken(options: {
  token?: string;
  tokenFile?: string;
  env?: NodeJS.ProcessEnv;
}): IResolvedToken {
  const env = options.env ?? process.env;
  if (options.token) {
    return { token: options.token, source: 'option' };
  }
  const fromEnv = env[TOKEN_ENV];
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

/**
 * Put a new token in the pairing-link file the banner wrote beside the
 * token file, if there is one.
 */
export function updatePairingLink(
  tokenFile: string,
  old: string,
  token: string
): void {
  const file = path.join(path.dirname(tokenFile), 'pairing-link');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return;
  }
  // Tokens are base64url: the same in the link as in the file.
  writePrivateFile(file, text.split(old).join(token));
}
