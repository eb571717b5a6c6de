/**
 * The user's policy over tool calls: per category of tool, and per tool,
 * `allow`, `ask` or `deny`. Pure functions, unit-tested in Node.
 */

/**
 * The categories of tools, each with its own policy.
 */
export const TOOL_CATEGORIES = [
  'read',
  'edit',
  'execute',
  'kernel',
  'files',
  'terminal',
  'commands'
] as const;

/**
 * A category of tools (the same union as `ToolCategory` in `src/mcp/tool.ts`).
 */
export type PolicyCategory = (typeof TOOL_CATEGORIES)[number];

/**
 * What happens to a call: it runs, the user is asked first, or it is
 * refused (and the tool is not even listed).
 */
export type PolicyDecision = 'allow' | 'ask' | 'deny';

/**
 * The decisions, in order of strictness.
 */
export const POLICY_DECISIONS: readonly PolicyDecision[] = [
  'allow',
  'ask',
  'deny'
];

/**
 * A decision per category.
 */
export type CategoryPolicy = Record<PolicyCategory, PolicyDecision>;

/**
 * A decision per tool name, overriding its category's.
 */
export type ToolPolicy = Record<string, PolicyDecision>;

/**
 * The whole policy.
 */
export interface IPolicy {
  categories: CategoryPolicy;
  tools: ToolPolicy;
}

/**
 * Defaults: reading, editing and running cells are allowed; kernels, files,
 * terminals and JupyterLab commands ask first.
 */
export const DEFAULT_CATEGORY_POLICY: Readonly<CategoryPolicy> = {
  read: 'allow',
  edit: 'allow',
  execute: 'allow',
  kernel: 'ask',
  files: 'ask',
  terminal: 'ask',
  commands: 'ask'
};

/**
 * Whether a value is a policy decision.
 */
export function isPolicyDecision(value: unknown): value is PolicyDecision {
  return (
    typeof value === 'string' &&
    (POLICY_DECISIONS as readonly string[]).includes(value)
  );
}

/**
 * Whether a value is a tool category.
 */
export function isPolicyCategory(value: unknown): value is PolicyCategory {
  return (
    typeof value === 'string' &&
    (TOOL_CATEGORIES as readonly string[]).includes(value)
  );
}

/**
 * Read a policy from settings values, keeping what is valid: categories
 * missing or invalid take `defaults`; tool entries that are not a decision
 * are dropped. `problems` names what was ignored.
 */
export function readPolicy(
  categoryPolicy: unknown,
  toolPolicy: unknown,
  defaults: Readonly<CategoryPolicy> = DEFAULT_CATEGORY_POLICY
): { policy: IPolicy; problems: string[] } {
  const problems: string[] = [];
  const categories: CategoryPolicy = { ...defaults };
  if (Private.isRecord(categoryPolicy)) {
    for (const [key, value] of Object.entries(categoryPolicy)) {
      if (!isPolicyCategory(key)) {
        problems.push(`categoryPolicy: unknown category "${key}"`);
      } else if (!isPolicyDecision(value)) {
        problems.push(
          `categoryPolicy.${key}: ${JSON.stringify(value)} is not allow, ask or deny`
        );
      } else {
        categories[key] = value;
      }
    }
  } else if (categoryPolicy !== undefined) {
    problems.push('categoryPolicy: not an object');
  }
  const tools: ToolPolicy = {};
  if (Private.isRecord(toolPolicy)) {
    for (const [name, value] of Object.entries(toolPolicy)) {
      if (isPolicyDecision(value)) {
        tools[name] = value;
      } else {
        problems.push(
          `toolPolicy.${name}: ${JSON.stringify(value)} is not allow, ask or deny`
        );
      }
    }
  } else if (toolPolicy !== undefined) {
    problems.push('toolPolicy: not an object');
  }
  return { policy: { categories, tools }, problems };
}

/**
 * The decision for a tool: its own entry in the tool policy, else its
 * category's. A category the policy does not know asks.
 */
export function resolvePolicy(
  tool: { name: string; category: string },
  policy: IPolicy
): PolicyDecision {
  const own = Object.prototype.hasOwnProperty.call(policy.tools, tool.name)
    ? policy.tools[tool.name]
    : undefined;
  if (own) {
    return own;
  }
  return isPolicyCategory(tool.category)
    ? policy.categories[tool.category]
    : 'ask';
}

/**
 * The strictest of some decisions (`deny` over `ask` over `allow`).
 */
export function strictest(
  decisions: readonly PolicyDecision[]
): PolicyDecision {
  let worst: PolicyDecision = 'allow';
  for (const decision of decisions) {
    if (POLICY_DECISIONS.indexOf(decision) > POLICY_DECISIONS.indexOf(worst)) {
      worst = decision;
    }
  }
  return worst;
}

/**
 * The decision for one call: the tool's own (see {@link resolvePolicy}),
 * made stricter by the categories of what the call does besides (a
 * JupyterLab command that runs cells is also `execute`). `deniedBy` names
 * the setting that refuses it.
 */
export function decideCall(
  tool: { name: string; category: string },
  alsoCategories: readonly PolicyCategory[],
  policy: IPolicy
): { decision: PolicyDecision; deniedBy: string | null } {
  const own = resolvePolicy(tool, policy);
  if (own === 'deny') {
    return {
      decision: 'deny',
      deniedBy: Object.prototype.hasOwnProperty.call(policy.tools, tool.name)
        ? `"toolPolicy" denies ${tool.name}`
        : `"categoryPolicy" denies the ${tool.category} category`
    };
  }
  for (const category of alsoCategories) {
    if (policy.categories[category] === 'deny') {
      return {
        decision: 'deny',
        deniedBy: `"categoryPolicy" denies the ${category} category, which this call also belongs to`
      };
    }
  }
  return {
    decision: strictest([
      own,
      ...alsoCategories.map(category => policy.categories[category])
    ]),
    deniedBy: null
  };
}

/**
 * Whether two policies decide the same for every tool in `tools` (so that
 * `tools/list` is unchanged).
 */
export function sameListing(
  tools: readonly { name: string; category: string }[],
  a: IPolicy,
  b: IPolicy
): boolean {
  return tools.every(
    tool =>
      (resolvePolicy(tool, a) === 'deny') ===
      (resolvePolicy(tool, b) === 'deny')
  );
}

/**
 * The tools a session may call without asking again, after the user chose
 * "Allow for this session".
 */
export class SessionGrants {
  /**
   * Whether `tool` is allowed for the rest of `sessionId`.
   */
  has(sessionId: string, tool: string): boolean {
    return this._grants.get(sessionId)?.has(tool) ?? false;
  }

  /**
   * Allow `tool` for the rest of `sessionId`.
   */
  add(sessionId: string, tool: string): void {
    let tools = this._grants.get(sessionId);
    if (!tools) {
      tools = new Set();
      this._grants.set(sessionId, tools);
    }
    tools.add(tool);
  }

  /**
   * Forget a session's grants (it ended).
   */
  forget(sessionId: string): void {
    this._grants.delete(sessionId);
  }

  private _grants = new Map<string, Set<string>>();
}

namespace Private {
  export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}
