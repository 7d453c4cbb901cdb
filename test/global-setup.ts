// Starts ONE Temporal dev server and ONE PostgreSQL database for the whole test run, migrates it and
// bundles the workflow code once. Real parts only: the database is DATABASE_URL's server (a fresh
// database on it) or an embedded PostgreSQL; the server is the Temporal CLI's dev server.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { applyMigrations } from '../platform/migrate';
import { newKeyRingEntry } from '../platform/payload-codec';
import { ensureDatabase, startEmbeddedPostgres } from '../dev/postgres';
import { startTemporalDevServer } from '../dev/temporal-dev-server';
import { WORKFLOWS_PATH } from '../workers/worker-factory';
import { workflowInterceptorModules } from '../workers/worker-tracing';
import { freePort } from './free-port';

export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'saga-orders-test-'));
  chmodSync(dir, 0o755); // as root, the embedded Postgres runs as its own user and must reach its data dir
  const started = Date.now();

  const postgres = process.env.DATABASE_URL
    ? await (async () => {
        const url = new URL(process.env.DATABASE_URL!);
        url.pathname = `/saga_test_${randomBytes(4).toString('hex')}`;
        await ensureDatabase(url.toString());
        return { url: url.toString(), embedded: false, stop: async () => undefined };
      })()
    : await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port: await freePort(), database: 'saga_orders_test' });
  await applyMigrations(postgres.url);

  // As the workers bundle it: without a span collector (the default; the trace ids passed on) and
  // with one (OpenTelemetry's interceptors, for the tests that record spans: test/harness.ts).
  const bundle = (recording: boolean) => bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: workflowInterceptorModules(recording), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  const [temporal, untraced, traced] = await Promise.all([
    (async () => startTemporalDevServer({ dbFile: path.join(dir, 'temporal.db'), port: await freePort(), uiPort: await freePort(), headless: false }))(),
    bundle(false),
    bundle(true),
  ]);
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, untraced.code);
  const tracedBundlePath = path.join(dir, 'workflow-bundle-traced.js');
  writeFileSync(tracedBundlePath, traced.code);

  process.env.TEST_DATABASE_URL = postgres.url;
  // One payload key ring for the run: every client and worker the tests create, in any process, agrees.
  process.env.PAYLOAD_KEYS ??= newKeyRingEntry('test');
  process.env.TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.TEST_TEMPORAL_UI_PORT = String(temporal.uiPort);
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.TEST_WORKFLOW_BUNDLE_TRACED = tracedBundlePath;
  process.env.TEST_DIR = dir;
  (globalThis as Record<string, unknown>).__SAGA_TEST__ = { postgres, temporal, dir };
  console.log(`\n[test] postgres ${postgres.embedded ? 'embedded' : 'from DATABASE_URL'}, temporal ${temporal.address}, ready in ${Date.now() - started} ms`);
}
