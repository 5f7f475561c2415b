// Lint: type-aware typescript-eslint, plus a fence keeping Node built-ins (and I/O packages)
// out of code that runs in the Temporal workflow sandbox (domain/ and workflows/).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['node_modules/**', '.liveshift/**', 'bin/**', 'eslint.config.mjs', 'vitest.config.mts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['domain/**/*.ts', 'workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflow-sandbox code must not use Node built-ins.' })),
            { name: 'better-sqlite3', message: 'Workflow-sandbox code must not do I/O.' },
            { name: '@temporalio/activity', message: 'Workflows import activity types only.' },
          ],
          patterns: [
            {
              group: ['**/sim/**', '**/cli/**', '**/workers/**'],
              message: 'Workflow-sandbox code must not import I/O layers.',
            },
            {
              group: ['**/activities/**'],
              message: 'Workflows import activity types only (use `import type`).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
