// Four projects: pure domain unit tests, workflow tests (every saga path on the time-skipping test
// server with fake activities, test/time-skipping-env.ts), integration tests (activities, workflows,
// API) and end-to-end tests. One Temporal dev server and one PostgreSQL database serve the whole run
// (test/global-setup.ts); each test uses fresh ids, emails, skus and task queues.
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] };
const common = { transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };

/** @type {import('jest').Config} */
module.exports = {
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
  // Three test files at once, also on two cores: most of a test's time is waiting for sagas on the
  // Temporal server and Postgres (one file at a time used ~40% of the CPU; measured: 337 s in band,
  // 188 s with three workers while other work shared the machine). Each file still has its own ids,
  // task queues and customers, so files never see each other's data.
  maxWorkers: 3,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/domain/**/*.test.ts', '<rootDir>/platform/**/*.test.ts', '<rootDir>/test/lint/**/*.test.ts', '<rootDir>/console/src/**/*.test.ts'] },
    { ...common, displayName: 'workflow', testMatch: ['<rootDir>/workflows/**/*.workflow.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/activities/**/*.test.ts', '<rootDir>/workflows/**/*.test.ts', '<rootDir>/api/**/*.test.ts', '<rootDir>/workers/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', '\\.workflow\\.test\\.ts$'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
