// @ts-check
import jupyter from '@jupyter/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'lib/',
      'relay/lib/',
      'relay/bin/',
      'lab/',
      'jupyterlab_mcp_bridge/',
      'ui-tests/test-results/',
      'ui-tests/playwright-report/',
      'build/',
      '**/*.d.ts'
    ]
  },
  ...tseslint.configs.recommended,
  {
    plugins: { jupyter },
    files: ['src/**/*.ts'],
    rules: {
      ...jupyter.configs.recommended[0].rules,
      'jupyter/no-untranslated-string': 'error'
    }
  },
  {
    // Tool definitions and MCP wiring speak to agents (LLMs), not to the
    // user: their titles and messages stay as written.
    files: ['src/tools/**/*.ts', 'src/mcp/**/*.ts', 'src/actions/**/*.ts'],
    rules: {
      'jupyter/no-untranslated-string': 'off'
    }
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports' }
      ],
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { args: 'none', caughtErrors: 'none' }
      ],
      'no-console': 'error',
      'no-control-regex': 'off',
      eqeqeq: ['error', 'smart'],
      curly: 'error'
    }
  },
  {
    files: ['ui-tests/**/*.ts'],
    rules: {
      'no-empty-pattern': 'off'
    }
  },
  prettier
);
