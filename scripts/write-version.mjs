// Write src/_version.ts from package.json, so that the page reports the
// version set in one place (package.json) as its MCP serverInfo and to the
// relay. The wheel reads the same field (pyproject.toml), and the relay its
// own package.json, kept equal by `npm run set-version` (checked by a unit test).
import { readFileSync, writeFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf-8'));
const text = `// Written by scripts/write-version.mjs from package.json; do not edit.\n\n/**\n * The extension's version (package.json).\n */\nexport const VERSION = '${version}';\n`;
let current = '';
try {
  current = readFileSync('src/_version.ts', 'utf-8');
} catch {
  // first build
}
if (current !== text) {
  writeFileSync('src/_version.ts', text);
}
