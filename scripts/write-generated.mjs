// Write the extension's generated sources (git-ignored), before tsc:
//
// - src/_version.ts from package.json, so that the page reports the version
//   set in one place (package.json) as its MCP serverInfo and to the relay.
//   The wheel reads the same field (pyproject.toml), and the relay its own
//   package.json, kept equal by `npm run set-version` (checked by a unit test).
// - src/_protocol.ts, a copy of relay/src/protocol.ts (the relay <-> page wire
//   protocol, types and constants only). The relay owns it; the extension
//   compiles its own copy so that its npm package depends on no unpublished
//   package (`jupyter labextension install` fetches every dependency).
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Write `path` only when its text changes (keeps tsc's incremental build).
 */
function writeIfChanged(path, text) {
  let current = '';
  try {
    current = readFileSync(path, 'utf-8');
  } catch {
    // first build
  }
  if (current !== text) {
    writeFileSync(path, text);
  }
}

const { version } = JSON.parse(readFileSync('package.json', 'utf-8'));
writeIfChanged(
  'src/_version.ts',
  `// Written by scripts/write-generated.mjs from package.json; do not edit.\n\n/**\n * The extension's version (package.json).\n */\nexport const VERSION = '${version}';\n`
);

writeIfChanged(
  'src/_protocol.ts',
  '// Written by scripts/write-generated.mjs from relay/src/protocol.ts; do not edit.\n\n' +
    readFileSync('relay/src/protocol.ts', 'utf-8')
);
