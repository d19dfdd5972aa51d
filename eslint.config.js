// Lint: TypeScript rules; the rule that keeps workflow code deterministic (nothing under workflows/
// imports Node built-ins, I/O libraries, activity implementations or the zod schema: types only);
// and a size limit. The direction of imports is checked by dependency-cruiser
// (.dependency-cruiser.cjs); `npm run lint` runs both.
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'fs',
  'path',
  'os',
  'child_process',
  'worker_threads',
  'crypto',
  'net',
  'http',
  'https',
  'url',
  'stream',
  'zlib',
  'util',
  'events',
  'timers',
  'process',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.upkeep/**', '.bench/**', 'dist/**', 'dist.tmp-*/**'] },
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
            { name: 'onnxruntime-node', message: 'inference belongs in engine/, called by an activity' },
            { name: 'hyparquet', message: 'data reading belongs in engine/, called by an activity' },
            { name: '@temporalio/client', message: 'workflows use @temporalio/workflow' },
            { name: '@temporalio/worker', message: 'workflows use @temporalio/workflow' },
            { name: '@temporalio/activity', message: 'workflows use @temporalio/workflow' },
          ],
          patterns: [
            { group: ['node:*'], message: 'workflow code must stay deterministic: no Node built-ins' },
            { group: ['@aws-sdk/*'], message: 'storage belongs in engine/, called by an activity' },
            {
              group: ['../activities/*', '../activities/**'],
              allowTypeImports: true,
              message: 'workflows reach activities only through import type + proxyActivities',
            },
            {
              group: ['../domain/config.js'],
              allowTypeImports: true,
              message: 'the config schema (zod) stays out of the workflow sandbox: import its types only',
            },
          ],
        },
      ],
    },
  },
  {
    // The client layer that the CLI and the web inbox share returns values and throws: the
    // commands print, the inbox renders (docs/architecture.md).
    files: ['cli/client/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'stdout', message: 'cli/client/ never prints: return the value, the caller prints it' },
        { object: 'process', property: 'stderr', message: 'cli/client/ never prints: throw an UpkeepError, the caller shows it' },
      ],
    },
  },
  {
    // A source file over 500 lines (blank lines and comments not counted) says why at its top:
    // /* eslint-disable max-lines -- <reason> */
    files: ['**/*.{ts,js,mjs,cjs}'],
    ignores: ['test/**', 'scripts/fixtures/**'],
    rules: { 'max-lines': ['error', { max: 500, skipBlankLines: true, skipComments: true }] },
  },
  {
    // activities/ holds factories only: each activity reads its deps, calls engine/ and maps the
    // result or error to Temporal (ApplicationFailure, heartbeats, cancellation, attempt). Logic
    // that needs more room belongs in engine/ (depcruise keeps the folder flat: activities-is-flat).
    files: ['activities/*.ts'],
    rules: { 'max-lines': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
);
