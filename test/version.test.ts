import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(__dirname, '..');

function packageJson(path: string): {
  version: string;
  dependencies?: Record<string, string>;
} {
  return JSON.parse(readFileSync(join(ROOT, path), 'utf-8'));
}

describe('one version', () => {
  it('the relay and the extension carry the version of package.json', () => {
    const extension = packageJson('package.json');
    const relay = packageJson('relay/package.json');
    assert.match(extension.version, /^\d+\.\d+\.\d+/);
    assert.equal(relay.version, extension.version, 'npm run set-version');
    assert.equal(
      extension.dependencies?.['jupyterlab-mcp-bridge'],
      undefined,
      'the extension compiles its own copy of the wire protocol: its npm package must not depend on the (separately published) relay'
    );
  });
  it('no source file of the extension imports the relay package', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(join(ROOT, dir), {
        withFileTypes: true
      })) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          walk(path);
        } else if (
          /\.tsx?$/.test(entry.name) &&
          /from 'jupyterlab-mcp-bridge(\/[^']*)?'/.test(
            readFileSync(join(ROOT, path), 'utf-8')
          )
        ) {
          offenders.push(path);
        }
      }
    };
    walk('src');
    assert.deepEqual(
      offenders,
      [],
      'import the wire protocol from src/_protocol.ts: `jupyter labextension install` cannot fetch the unpublished relay package'
    );
  });
  it("the extension compiles the relay's wire protocol as it is", () => {
    const relay = readFileSync(join(ROOT, 'relay/src/protocol.ts'), 'utf-8');
    const copy = readFileSync(join(ROOT, 'src/_protocol.ts'), 'utf-8');
    assert.ok(copy.endsWith(relay), 'run node scripts/write-generated.mjs');
  });
  it('the wheel and the page read it from package.json', () => {
    const pyproject = readFileSync(join(ROOT, 'pyproject.toml'), 'utf-8');
    assert.match(pyproject, /dynamic = \["version"\]/);
    assert.match(
      pyproject,
      /\[tool\.hatch\.version\][^[]*path = "package\.json"/
    );
    const written = readFileSync(
      join(ROOT, 'scripts/write-generated.mjs'),
      'utf-8'
    );
    assert.match(written, /package\.json/);
  });
});
