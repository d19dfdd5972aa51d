/**
 * Which module may import which (docs/architecture.md draws the picture). Every arrow points one
 * way: entry points (bin/, cli/, scripts/) → workers/ → workflows/ → domain/;
 * workers/ → activities/ → engine/ → domain/.
 * Run by `npm run lint` and `npm test`:  npx depcruise -c .dependency-cruiser.cjs .
 */
const PROJECT = '^(bin|cli|scripts|workers|workflows|activities|engine|domain|test)/';
/** Code that runs in production (scripts/ and test/ are development tools, but for the bootstrap and the build that bin/ uses). */
const PRODUCTION = '^(bin|cli|workers|workflows|activities|engine|domain)/|^scripts/(bootstrap|build)[.]';
/** The files activities/ may hold: the ports, the index that wires them, and one factory per area. */
const ACTIVITY_FILES = [
  'deps',
  'index',
  'audit',
  'data',
  'evaluation',
  'registry',
  'reports',
  'trail',
  'training',
  'watchdog',
  'channels',
  'digest',
  'handover',
];
/** The engine's folders, lowest first: a folder imports only folders before it (and engine/*.ts). */
const ENGINE_ORDER = [
  'math',
  'store',
  'data',
  'config',
  'notify',
  'drift',
  'multivariate',
  'estimation',
  'evaluation',
  'registry',
  'audit',
  'training',
  'watchdog',
  'cards',
  'pictures',
  'evidence',
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle (type-only imports included): move the shared part down, e.g. to domain/ or a types module.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-imports-no-project-module',
      severity: 'error',
      comment: 'domain/ holds the shapes everyone shares: it imports nothing of the project outside domain/.',
      from: { path: '^domain/' },
      to: { path: PROJECT, pathNot: '^domain/' },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'domain/ is deterministic and does no I/O: no Node built-ins; of npm packages only zod (the config schema) and @noble/curves (signatures), other packages for types only.',
      from: { path: '^domain/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'domain-npm-types-only',
      severity: 'error',
      comment: 'domain/ may use zod, @noble/curves and @noble/hashes (pure JavaScript); any other npm package only through `import type`.',
      from: { path: '^domain/' },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        dependencyTypesNot: ['type-only'],
        pathNot: '(^|/)node_modules/(zod|@noble/curves|@noble/hashes)/',
      },
    },
    {
      name: 'engine-knows-no-temporal',
      severity: 'error',
      comment:
        'engine/ is the library (readers, store, evaluation, drift, training, audit trail, cards): it runs the same under a worker, in the one-shot CLI and in a test, so it imports no Temporal package.',
      from: { path: '^engine/' },
      to: { path: '(^|/)node_modules/@temporalio/' },
    },
    {
      name: 'engine-imports-only-engine-and-domain',
      severity: 'error',
      comment: 'engine/ imports domain/ and itself, never activities/, workflows/, workers/, cli/, scripts/, bin/ or test/.',
      from: { path: '^engine/' },
      to: { path: PROJECT, pathNot: '^(engine|domain)/' },
    },
    ...ENGINE_ORDER.map((folder, i) => ({
      name: `engine-${folder}-imports-only-lower-folders`,
      severity: 'error',
      comment: `Inside engine/, arrows point one way: ${ENGINE_ORDER.join(' → ')} (lowest first). engine/${folder}/ imports only the folders before it, and engine/*.ts.`,
      from: { path: `^engine/${folder}/` },
      to: { path: '^engine/[^/]+/', pathNot: `^engine/(${ENGINE_ORDER.slice(0, i + 1).join('|')})/` },
    })),
    {
      name: 'engine-top-files-are-leaves',
      severity: 'error',
      comment: 'engine/*.ts (errors, ports, util) are what every engine folder shares: they import no engine folder.',
      from: { path: '^engine/[^/]+[.]ts$' },
      to: { path: '^engine/[^/]+/' },
    },
    {
      name: 'workflows-reach-activities-through-the-index-only',
      severity: 'error',
      comment: 'Workflow code is bundled into the sandbox: it names activities only through the Activities type of activities/index.ts (for proxyActivities).',
      from: { path: '^workflows/' },
      to: { path: '^activities/', pathNot: '^activities/index[.]ts$' },
    },
    {
      name: 'workflows-import-activities-as-types',
      severity: 'error',
      comment: 'Only `import type { Activities } from "../activities/index.js"`: a value import would bundle activity code into the sandbox.',
      from: { path: '^workflows/' },
      to: { path: '^activities/index[.]ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-not-upward',
      severity: 'error',
      comment: 'workflows/ import domain/ (and the Activities type), never engine/, workers/, cli/, scripts/, bin/ or test/.',
      from: { path: '^workflows/' },
      to: { path: '^(engine|workers|cli|scripts|bin|test)/' },
    },
    {
      name: 'activities-not-upward',
      severity: 'error',
      comment: 'activities/ are thin factories over engine/: they import engine/ and domain/, never workflows/, workers/, cli/, scripts/, bin/ or test/.',
      from: { path: '^activities/' },
      to: { path: '^(workflows|workers|cli|scripts|bin|test)/' },
    },
    {
      name: 'activities-is-flat',
      severity: 'error',
      comment:
        'activities/ holds only the activity factories (one file per area: a few lines each that read deps, call engine/ and map results and errors to Temporal), deps.ts and index.ts. No subfolders: logic goes to engine/.',
      from: {},
      to: { path: '^activities/', pathNot: `^activities/(${ACTIVITY_FILES.join('|')})[.]ts$` },
    },
    {
      name: 'activities-files-are-known',
      severity: 'error',
      comment: 'A module in activities/ that is not a factory, deps.ts or index.ts (activities-is-flat lists them): logic goes to engine/.',
      from: { path: '^activities/', pathNot: `^activities/(${ACTIVITY_FILES.join('|')})[.]ts$` },
      to: {},
    },
    {
      name: 'workers-not-upward',
      severity: 'error',
      comment: 'workers/ (the composition root) is imported by the entry points, never the other way round.',
      from: { path: '^workers/' },
      to: { path: '^(cli|scripts|bin|test)/' },
    },
    {
      name: 'cli-client-imports-no-entry-side',
      severity: 'error',
      comment:
        'cli/client/ is the service layer the CLI commands and the web inbox both call (requests, decisions, rollback): it imports neither them nor anything else of cli/, so neither side can reach into the other through it.',
      from: { path: '^cli/client/' },
      to: { path: '^cli/', pathNot: '^cli/client/' },
    },
    {
      name: 'web-not-to-commands',
      severity: 'error',
      comment: 'The web inbox (cli/web/) reaches Temporal through cli/client/, never through the CLI commands (cli/commands/), which print.',
      from: { path: '^cli/web/' },
      to: { path: '^cli/commands/' },
    },
    {
      name: 'product-not-to-dev-tools',
      severity: 'error',
      comment:
        'The product (cli/ and below) does not import the development tools in scripts/ (bench, fixtures, test runner), but for the build that bin/ runs.',
      from: { path: '^(cli|workers|workflows|activities|engine|domain)/' },
      to: { path: '^scripts/', pathNot: '^scripts/build[.]mjs$' },
    },
    {
      name: 'production-not-to-test',
      severity: 'error',
      comment: 'Nothing that runs in production imports test/.',
      from: { path: PRODUCTION },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve to a file or an installed package.',
      from: {},
      // dist/ is the compiled CLI, made on first use (scripts/build.mjs): absent on a fresh clone.
      to: { couldNotResolve: true, pathNot: '^[.][.]/dist/' },
    },
  ],
  options: {
    // Type-only imports count: a cycle through types is still a cycle for the reader.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|dist[.]tmp-[0-9]+|[.]upkeep|[.]bench)/' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
