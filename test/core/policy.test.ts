import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DEFAULT_CATEGORY_POLICY,
  readPolicy,
  resolvePolicy,
  sameListing,
  SessionGrants,
  TOOL_CATEGORIES,
  type IPolicy
} from '../../src/core/policy';
import type { ToolCategory } from '../../src/mcp/tool';

const defaults = (): IPolicy => readPolicy(undefined, undefined).policy;

describe('policy categories', () => {
  it('are the categories tools declare, no more, no less', () => {
    // Both assignments compile only if the two unions are the same.
    const fromTool: (typeof TOOL_CATEGORIES)[number] = 'read' as ToolCategory;
    const toTool: ToolCategory = TOOL_CATEGORIES[0];
    assert.equal(fromTool, toTool);
    assert.deepEqual(
      Object.keys(DEFAULT_CATEGORY_POLICY).sort(),
      [...TOOL_CATEGORIES].sort()
    );
  });

  it('default to allow reading, editing and running, and to ask for the rest', () => {
    assert.deepEqual(DEFAULT_CATEGORY_POLICY, {
      read: 'allow',
      edit: 'allow',
      execute: 'allow',
      kernel: 'ask',
      files: 'ask',
      terminal: 'ask',
      commands: 'ask'
    });
  });
});

describe('resolvePolicy', () => {
  it("takes the category's decision", () => {
    const policy = defaults();
    assert.equal(
      resolvePolicy({ name: 'read_cell', category: 'read' }, policy),
      'allow'
    );
    assert.equal(
      resolvePolicy({ name: 'write_file', category: 'files' }, policy),
      'ask'
    );
  });

  it('lets a tool entry override its category, either way', () => {
    const { policy } = readPolicy(
      { edit: 'ask', files: 'deny' },
      { insert_cell: 'allow', read_file: 'allow', delete_cell: 'deny' }
    );
    assert.equal(
      resolvePolicy({ name: 'insert_cell', category: 'edit' }, policy),
      'allow'
    );
    assert.equal(
      resolvePolicy({ name: 'move_cell', category: 'edit' }, policy),
      'ask'
    );
    assert.equal(
      resolvePolicy({ name: 'delete_cell', category: 'edit' }, policy),
      'deny'
    );
    assert.equal(
      resolvePolicy({ name: 'read_file', category: 'files' }, policy),
      'allow'
    );
    assert.equal(
      resolvePolicy({ name: 'write_file', category: 'files' }, policy),
      'deny'
    );
  });

  it('asks for a category it does not know', () => {
    assert.equal(
      resolvePolicy({ name: 'x', category: 'mystery' }, defaults()),
      'ask'
    );
  });

  it('ignores inherited names such as "constructor"', () => {
    assert.equal(
      resolvePolicy({ name: 'constructor', category: 'read' }, defaults()),
      'allow'
    );
  });
});

describe('readPolicy', () => {
  it('keeps valid entries, fills missing categories from the defaults, and names what it ignored', () => {
    const { policy, problems } = readPolicy(
      { edit: 'ask', kernel: 'sometimes', gpu: 'deny' },
      { write_file: 'allow', delete_file: true }
    );
    assert.deepEqual(policy.categories, {
      ...DEFAULT_CATEGORY_POLICY,
      edit: 'ask'
    });
    assert.deepEqual(policy.tools, { write_file: 'allow' });
    assert.deepEqual(problems, [
      'categoryPolicy.kernel: "sometimes" is not allow, ask or deny',
      'categoryPolicy: unknown category "gpu"',
      'toolPolicy.delete_file: true is not allow, ask or deny'
    ]);
  });

  it('takes other defaults (e.g. the schema default as overridden by the admin)', () => {
    const allowAll = Object.fromEntries(
      TOOL_CATEGORIES.map(category => [category, 'allow'])
    ) as IPolicy['categories'];
    const { policy } = readPolicy({ files: 'deny' }, {}, allowAll);
    assert.equal(policy.categories.files, 'deny');
    assert.equal(policy.categories.terminal, 'allow');
  });

  it('refuses values that are not objects', () => {
    const { policy, problems } = readPolicy('deny', ['x']);
    assert.deepEqual(policy, defaults());
    assert.deepEqual(problems, [
      'categoryPolicy: not an object',
      'toolPolicy: not an object'
    ]);
  });
});

describe('sameListing', () => {
  const tools = [
    { name: 'read_cell', category: 'read' },
    { name: 'write_file', category: 'files' }
  ];

  it('is true when only allow and ask change', () => {
    assert.ok(
      sameListing(tools, defaults(), readPolicy({ files: 'allow' }, {}).policy)
    );
  });

  it('is false when a tool becomes denied or stops being denied', () => {
    const denied = readPolicy({ files: 'deny' }, {}).policy;
    assert.ok(!sameListing(tools, defaults(), denied));
    assert.ok(!sameListing(tools, denied, defaults()));
    assert.ok(
      !sameListing(
        tools,
        defaults(),
        readPolicy({}, { read_cell: 'deny' }).policy
      )
    );
  });
});

describe('SessionGrants', () => {
  it('allows a tool for one session until it is forgotten', () => {
    const grants = new SessionGrants();
    grants.add('s1', 'write_file');
    assert.ok(grants.has('s1', 'write_file'));
    assert.ok(!grants.has('s1', 'delete_file'));
    assert.ok(!grants.has('s2', 'write_file'));
    grants.forget('s1');
    assert.ok(!grants.has('s1', 'write_file'));
  });
});
