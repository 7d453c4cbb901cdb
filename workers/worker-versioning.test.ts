// Safe deploys of a saga change (Worker Deployment Versioning), on the run's dev server: orders that
// started on build v1 finish on v1's workers while build v2 — a saga change v1's histories cannot
// replay — becomes current through `npm run rollout`'s code (ramped 50 % → 100 %); new orders run v2,
// v1 drains once its orders are done, and a rollback routes new orders to v1 again. Also: a first
// deploy makes its build current by itself (workers), which build `npm start` runs after a saga change,
// and the derived build id.
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, makeTelemetryFilterString, NativeConnection, Runtime, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { decodeVersioningBehavior } from '@temporalio/common';
import { aCustomer, aProduct, dataConverterOf, eventually, queuesOf, startTestStack, type TestStack } from '../test/harness';
import { orderInput, startSaga } from '../test/saga-test-kit';
import { SAGA_RELEASE_MEMO } from '../test/versioning/saga-v2.workflows';
import { derivedBuildId, describeDeployment, makeCurrentIfNone, openPinnedWorkflows } from '../platform/worker-deployment';
import { chooseStartBuild } from '../dev/start-build';
import { dispatchUpdate, statusQuery, type OrderSagaResult } from '../workflows/definitions';
import { parseArgs, rollback, rollout, status, type RolloutTarget } from '../scripts/rollout';
import { CONTEXTS, createContextWorker } from './worker-factory';

let connection: NativeConnection;
let v1Bundle: WorkflowBundleOption;
let v2Bundle: WorkflowBundleOption;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  // The replay below fails on purpose; the SDK core would print that failure as a warning.
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } } });
  connection = await NativeConnection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS! });
  const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  v1Bundle = { codePath: process.env.TEST_WORKFLOW_BUNDLE! };
  v2Bundle = { code: (await bundleWorkflowCode({ workflowsPath: path.join(__dirname, '..', 'test', 'versioning', 'saga-v2.workflows.ts'), logger: silent })).code };
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await connection?.close();
});

/**
 * A stack with no unversioned workers (every order runs on a build of the deployment), its own task
 * queues and a deployment of its own; `startBuild` runs the five context workers of one build.
 */
async function aDeployment() {
  const stack = await startTestStack({ contexts: [] });
  cleanups.push(() => stack.stop());
  const deploymentName = `saga-orders-test-${randomBytes(4).toString('hex')}`;
  async function startBuild(buildId: string, workflowBundle: WorkflowBundleOption) {
    const config = { ...stack.config, WORKER_DEPLOYMENT_NAME: deploymentName, WORKER_BUILD_ID: buildId };
    const workers = await Promise.all(CONTEXTS.map((context) => createContextWorker(context, { connection, prisma: stack.prisma, config, workflowBundle })));
    const running = workers.map((w) => w.run());
    cleanups.push(async () => { for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown(); await Promise.all(running); });
  }
  const target: RolloutTarget = { client: stack.temporal, deploymentName, queues: queuesOf(stack), pollMs: 250 };
  const { customerId } = await aCustomer(stack.prisma, { creditLimitCents: 1_000_000 });
  const { productId } = await aProduct(stack.prisma, { stock: 100 });
  return { stack, deploymentName, target, startBuild, customerId, productId };
}

async function anOrderWaitingForDispatch({ stack, customerId, productId }: { stack: TestStack; customerId: string; productId: string }) {
  const input = orderInput({ customerId, lines: [{ productId, quantity: 1 }], dispatchDelayMs: 3_600_000 });
  const handle = await startSaga(stack, input);
  await eventually(() => handle.query(statusQuery), (s) => s.status === 'PAID');
  return handle;
}

/** The build of every workflow task the order's history records, and what describe says it is pinned to. */
async function buildsOf(handle: WorkflowHandle) {
  const { events } = await handle.fetchHistory();
  const tasks = (events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes).map((e) => e.workflowTaskCompletedEventAttributes!.deploymentVersion?.buildId);
  const activities = (events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.workerVersion?.buildId);
  const failedTasks = (events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length;
  const description = await handle.describe();
  const versioning = description.raw.workflowExecutionInfo?.versioningInfo;
  return {
    tasks: [...new Set(tasks)], activities: [...new Set(activities)], failedTasks, pinnedTo: versioning?.deploymentVersion?.buildId, behavior: decodeVersioningBehavior(versioning?.behavior),
    release: description.memo?.[SAGA_RELEASE_MEMO] ?? 'v1',
  };
}

describe('deploying a saga change with worker versioning', () => {
  it('when v2 is rolled out while v1 orders wait for dispatch, then v1 orders finish on v1, new orders run v2, v1 drains, and a rollback routes to v1 again', async () => {
    const deployment = await aDeployment();
    const { stack, target, startBuild, deploymentName } = deployment;
    const lines: string[] = [];
    target.log = (line) => lines.push(line);

    // First deploy: v1 becomes current (the deployment had none).
    await startBuild('v1', v1Bundle);
    expect(await rollout(target, { buildId: 'v1' })).toMatchObject({ buildId: 'v1', current: true, previous: undefined });
    const onV1 = [await anOrderWaitingForDispatch(deployment), await anOrderWaitingForDispatch(deployment)];

    // v2 starts beside v1 and is rolled out; the rollout then waits for v1 to drain.
    await startBuild('v2', v2Bundle);
    const rolling = rollout(target, { buildId: 'v2', ramp: [50, 100], stepMs: 1000, drainTimeoutMs: 45_000 });
    rolling.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
    await eventually(() => describeDeployment(stack.temporal.workflowService, 'default', deploymentName), (d) => d?.current === 'v2');
    const onV2 = [await anOrderWaitingForDispatch(deployment), await anOrderWaitingForDispatch(deployment)];
    const expectedStatus = [`deployment ${deploymentName}: current v2`, '  v1  DRAINING, 2 open order(s)', '  v2  CURRENT, 2 open order(s)'];
    await eventually(() => status(target), (shown) => expectedStatus.every((line) => shown.includes(line)), 10_000);

    const all = [...onV1, ...onV2];
    for (const handle of all) await handle.executeUpdate(dispatchUpdate);
    const results = (await Promise.all(all.map((h) => h.result()))) as OrderSagaResult[];
    expect(results.map((r) => r.status)).toEqual(['SHIPPED', 'SHIPPED', 'SHIPPED', 'SHIPPED']);

    for (const handle of onV1) expect(await buildsOf(handle)).toEqual({ tasks: ['v1'], activities: ['v1'], failedTasks: 0, pinnedTo: 'v1', behavior: 'PINNED', release: 'v1' });
    for (const handle of onV2) expect(await buildsOf(handle)).toEqual({ tasks: ['v2'], activities: ['v2'], failedTasks: 0, pinnedTo: 'v2', behavior: 'PINNED', release: 'v2' });

    const report = await rolling;
    expect(report).toEqual({ buildId: 'v2', previous: 'v1', ramped: [50], current: true, drained: true, openOnPrevious: 0 });
    expect(lines).toEqual(expect.arrayContaining([
      'build v2: ramping, 50 % of new orders',
      'build v2: current (was v1), every new order starts on it',
      'build v1: drained (no open order is pinned to it); its workers can stop',
    ]));

    // Pinning is what kept v1's orders going: their histories do not replay on v2's code.
    const v1History = await onV1[0]!.fetchHistory();
    await expect(Worker.runReplayHistory({ workflowBundle: v2Bundle, dataConverter: dataConverterOf(stack) }, v1History)).rejects.toThrow(/[Nn]ondetermin/);

    // Rollback: v1 (its workers still run) is current again; the next order runs v1's saga.
    expect(await rollback(target)).toEqual({ action: 'current', buildId: 'v1', from: 'v2', openOnFrom: 0 });
    const afterRollback = await startSaga(stack, orderInput({ customerId: deployment.customerId, lines: [{ productId: deployment.productId, quantity: 1 }] }));
    expect(((await afterRollback.result()) as OrderSagaResult).status).toBe('SHIPPED');
    expect(await buildsOf(afterRollback)).toMatchObject({ tasks: ['v1'], pinnedTo: 'v1', release: 'v1' });

    // A build without workers is refused, naming what is missing.
    await expect(rollout({ ...target, workersTimeoutMs: 500 }, { buildId: 'never-started' }))
      .rejects.toThrow('build never-started has no live workers for orders (workflows), orders, stock, credit, payment, shipment');
  });

  it('when a deployment has no current build, then the first build\'s workers make theirs current, and a later build does not take over by itself', async () => {
    const { stack, target, startBuild, deploymentName } = await aDeployment();
    const firstDeploy = (buildId: string) => makeCurrentIfNone(stack.temporal.workflowService, 'default', { deploymentName, buildId }, target.queues, { identity: 'test', timeoutMs: 20_000 });
    await startBuild('a', v1Bundle);
    expect(await firstDeploy('a')).toEqual({ current: 'a', madeCurrent: true });
    await startBuild('b', v2Bundle);
    expect(await firstDeploy('b')).toEqual({ current: 'a', madeCurrent: false });
  });

  it('when npm start restarts with changed saga code, then it keeps the current build while orders are in flight on it, and starts the new build once none is', async () => {
    const deployment = await aDeployment();
    const { stack, target, startBuild, deploymentName } = deployment;
    await startBuild('old', v1Bundle);
    await rollout(target, { buildId: 'old' });
    const inFlight = await anOrderWaitingForDispatch(deployment);
    await eventually(() => openPinnedWorkflows(stack.temporal, { deploymentName, buildId: 'old' }), (n) => n === 1, 10_000);

    const kept = await chooseStartBuild(stack.temporal, deploymentName);
    expect(kept).toMatchObject({ version: { deploymentName, buildId: 'old' }, waiting: [] });
    expect(kept.note).toContain(`1 order(s) are in flight on the current build old, so this start serves that build with this code (build ${derivedBuildId()})`);
    expect(await chooseStartBuild(stack.temporal, deploymentName, 'chosen')).toEqual({
      version: { deploymentName, buildId: 'chosen' }, waiting: ['1 order(s) pinned to build old wait for its workers, which this start does not run'],
    });

    await inFlight.executeUpdate(dispatchUpdate);
    await inFlight.result();
    await eventually(() => openPinnedWorkflows(stack.temporal, { deploymentName, buildId: 'old' }), (n) => n === 0, 10_000);
    expect(await chooseStartBuild(stack.temporal, deploymentName)).toEqual({
      version: { deploymentName, buildId: derivedBuildId() }, note: 'replaces build old, which has no order in flight', waiting: [],
    });
  });

  it('when the saga code changes, then the derived build id changes; when other code or a test changes, then it does not', () => {
    const root = path.join(__dirname, '..');
    const copy = (name: string) => {
      const dir = mkdtempSync(path.join(tmpdir(), `build-id-${name}-`));
      for (const part of ['package.json', 'workflows', 'domain', 'api/app.ts']) cpSync(path.join(root, part), path.join(dir, part), { recursive: true });
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      return dir;
    };
    const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    expect(derivedBuildId()).toMatch(new RegExp(`^${version.replaceAll('.', '\\.')}-[0-9a-f]{10}$`));
    const [same, sagaChanged, apiChanged, testChanged] = [copy('same'), copy('saga'), copy('api'), copy('test')];
    appendFileSync(path.join(sagaChanged, 'workflows', 'compensations.ts'), '\n// a change\n');
    appendFileSync(path.join(apiChanged, 'api', 'app.ts'), '\n// a change\n');
    appendFileSync(path.join(testChanged, 'workflows', 'replay.test.ts'), '\n// a change\n');
    expect(derivedBuildId(same)).toBe(derivedBuildId());
    expect(derivedBuildId(sagaChanged)).not.toBe(derivedBuildId());
    expect([derivedBuildId(apiChanged), derivedBuildId(testChanged)]).toEqual([derivedBuildId(), derivedBuildId()]);
  });

  it.each([
    [['--build', 'b7', '--ramp', '10,50,100', '--step', '30s'], { build: 'b7', ramp: [10, 50, 100], stepMs: 30_000, rollback: false, status: false }],
    [['--rollback'], { ramp: [], rollback: true, status: false }],
    [['--status', '--deployment', 'other'], { ramp: [], rollback: false, status: true, deployment: 'other' }],
  ])('when the rollout is run with %p, then it reads %p', (argv, expected) => {
    expect(parseArgs(argv)).toEqual(expected);
  });

  it.each([[['--ramp', '50,10']], [['--build', 'b', '--ramp', '0,100']], [[]], [['--build']], [['--now']]])('when the rollout is run with %p, then it refuses', (argv) => {
    expect(() => parseArgs(argv)).toThrow();
  });
});
