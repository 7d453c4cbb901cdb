// Lint: TypeScript rules everywhere, plus the purity rules that keep workflows deterministic and the
// domain free of infrastructure (no Node builtins, Prisma, Express, Temporal in domain/ or workflows/),
// plus the directions of our own imports between layers and no import cycles (eslint-plugin-import-x).
// test/lint/wrong-way-imports.test.ts proves the dependency rules by linting code that breaks them.
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

const nodeBuiltins = ['assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'http', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'stream', 'timers', 'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib'];
const infrastructure = [
  { group: ['node:*', ...nodeBuiltins, ...nodeBuiltins.map((m) => `${m}/*`)], message: 'Node builtins are not deterministic / not available in the workflow sandbox.' },
  { group: ['@prisma/*', '**/generated/**', 'pg', 'express', 'jsonwebtoken', 'pino', '**/platform/**', '**/api/**', '**/workers/**'], message: 'Infrastructure does not belong here.' },
];

// Our top-level folders. Each product layer names the folders it may import besides its own and the
// domain (which every layer may use); every other folder of ours is a restricted zone for it:
//   domain ← workflows (activity types only, below); domain ← persistence ← activities ← workers;
//   domain, persistence, workflows/definitions.ts ← api; platform (config, logger, Prisma client)
//   under all but the domain. scripts/, bench/, chaos/, cluster/ and test/ are tools: no layer rule, no cycles.
const OURS = ['domain', 'workflows', 'activities', 'persistence', 'workers', 'api', 'platform', 'dev', 'generated', 'prisma', 'scripts', 'bench', 'chaos', 'cluster', 'test', 'console'];
const LAYERS = {
  domain: { may: [], why: 'The domain imports nothing of ours outside domain/.' },
  workflows: { may: ['activities'], why: 'Workflows import the domain and activity types only: they run in the deterministic bundle.' },
  persistence: { may: ['platform'], why: 'Persistence maps aggregates to rows: it imports the domain and platform only.' },
  activities: { may: ['persistence', 'platform'], why: 'Activities import the domain, persistence and platform only.' },
  // The API is a workflow client: it needs the messages and search attributes, not the saga's code.
  api: { may: ['persistence', 'platform'], mayFrom: { workflows: ['./definitions.ts'] }, why: 'The API imports the domain, platform, persistence and workflows/definitions.ts only, never activities.' },
  workers: { may: ['activities', 'persistence', 'platform', 'workflows'], why: 'Workers compose activities and workflows; they import no API, tool or test code.' },
  platform: { may: ['generated'], why: 'Platform is the bottom layer: it imports the domain and the generated Prisma client only.' },
  // The web console runs in the browser and talks to the API over HTTP only (docs/API.md).
  console: { may: [], why: 'The console imports nothing of the server but the pure domain; it reaches the API over HTTP.' },
};
const layerZones = (layer, { may, mayFrom = {}, why }) => [
  ...OURS.filter((folder) => ![layer, 'domain', ...may].includes(folder))
    .map((folder) => ({ target: layer, from: folder, except: mayFrom[folder] ?? [], message: why })),
  // No product code imports tests, wherever they are.
  { target: layer, from: ['**/*.test.ts', '**/*.builders.ts'], message: 'Product code does not import tests or test builders.' },
];
const importResolution = {
  'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.json'] })],
  'import-x/extensions': ['.ts', '.tsx'],
  'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
  'import-x/ignore': ['generated/', 'node_modules/'],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'generated/**', '.data/**', '.tools/**', 'dist/**', 'test-artifacts/**', '**/*.js', '**/*.mjs', 'test/lint/fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Tests read JSON responses of arbitrary shape; asserting on them is the point.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...infrastructure, { group: ['@temporalio/*'], message: 'The domain knows nothing of Temporal.' }] }],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Pass the clock in; no new Date() in the domain.' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Pass the clock in.' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Pass ids/randomness in.' },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      'no-restricted-imports': ['error', { patterns: infrastructure }],
      '@typescript-eslint/no-floating-promises': 'error',
      // Activity modules may be imported for their types only; their code runs on the activity workers.
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ['**/activities/**'], allowTypeImports: true, message: 'Workflows import activity modules for their types only (import type).' }] }],
    },
  },
  {
    // Browser code: no Node builtins, no server packages; the domain only through pure modules.
    files: ['console/src/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ ...infrastructure[0], message: 'The console runs in the browser: no Node builtins.' }, infrastructure[1]] }] },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX },
    settings: importResolution,
    // The rule skips type-only imports (erased at run time); test/lint/wrong-way-imports.test.ts checks
    // that the graph with them has no cycle either.
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  ...Object.entries(LAYERS).map(([layer, rule]) => ({
    files: [`${layer}/**/*.ts`, `${layer}/**/*.tsx`],
    ignores: ['**/*.test.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones(layer, rule) }] },
  })),
);
