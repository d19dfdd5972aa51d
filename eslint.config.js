// Lint: TypeScript rules, and the rule that keeps workflow code deterministic: nothing under
// workflows/ may import Node built-ins, I/O libraries or activity implementations (types only).
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'net', 'http', 'https', 'url', 'stream', 'zlib', 'util', 'events', 'timers', 'process'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.upkeep/**', '.bench/**', 'dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...NODE_BUILTINS.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'workflow code must stay deterministic: no Node built-ins' })),
            { name: 'onnxruntime-node', message: 'inference belongs in activities' },
            { name: 'hyparquet', message: 'data reading belongs in activities' },
            { name: '@temporalio/client', message: 'workflows use @temporalio/workflow' },
            { name: '@temporalio/worker', message: 'workflows use @temporalio/workflow' },
            { name: '@temporalio/activity', message: 'workflows use @temporalio/workflow' },
          ],
          patterns: [
            { group: ['node:*'], message: 'workflow code must stay deterministic: no Node built-ins' },
            { group: ['@aws-sdk/*'], message: 'storage belongs in activities' },
            { group: ['../activities/*', '../activities/**'], allowTypeImports: true, message: 'workflows reach activities only through import type + proxyActivities' },
          ],
        },
      ],
    },
  },
);
