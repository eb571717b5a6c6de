import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { DEFAULT_SETTINGS } from '../../src/core/settings';

describe('DEFAULT_SETTINGS', () => {
  it('matches the defaults of schema/plugin.json, key by key', () => {
    const schema = JSON.parse(
      readFileSync(
        join(__dirname, '..', '..', 'schema', 'plugin.json'),
        'utf-8'
      )
    ) as { properties: Record<string, { default: unknown }> };
    const fromSchema = Object.fromEntries(
      Object.entries(schema.properties).map(([key, value]) => [
        key,
        value.default
      ])
    );
    assert.deepEqual({ ...DEFAULT_SETTINGS }, fromSchema);
  });
});
