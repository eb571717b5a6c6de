/**
 * The relay's version, read from its package.json at run time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/**
 * The version of the `jupyterlab-mcp-bridge` package (lib/../package.json).
 */
export function packageVersion(): string {
  if (cached === undefined) {
    try {
      const file = path.join(__dirname, '..', 'package.json');
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as {
        version?: unknown;
      };
      cached = typeof parsed.version === 'string' ? parsed.version : '0.0.0';
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}
