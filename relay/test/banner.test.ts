import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { buildBanner } from '../src/banner';

describe('buildBanner', () => {
  it('names a stdio command that exists, and never prints the token outside the link', () => {
    const token = 'banner-token-0123456789abcdefghijklmnop';
    const text = buildBanner({
      version: '0.0.0',
      relayUrl: 'http://127.0.0.1:4545',
      port: 4545,
      token: { token, source: 'env' },
      labUrl: 'http://localhost:8888/lab',
      printLink: true
    });
    const paths = [...text.matchAll(/"([^"]*jupyterlab-mcp-bridge\.js)"/g)].map(
      match => match[1]
    );
    assert.ok(paths.length > 0, text);
    for (const file of paths) {
      assert.ok(fs.existsSync(file), `${file} does not exist`);
    }
    const withoutLink = text
      .split('\n')
      .filter(line => !line.includes('#mcp-bridge-url='))
      .join('\n');
    assert.ok(!withoutLink.includes(token));
  });
});
