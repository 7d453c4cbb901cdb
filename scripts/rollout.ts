// `npm run rollout`: routes new orders to another build of the workers (Worker Deployment Versioning).
//   npm run rollout -- --build <id> [--ramp 10,50,100] [--step 1m] [--drain-timeout 30m]
//   npm run rollout -- --rollback [--build <id>]
//   npm run rollout -- --status
// A rollout checks that every context of the new build has live workers, optionally ramps (that
// share of new orders goes to it, the rest to the current build; a ramp stops and is removed when an
// order fails on the new build), makes it current, then waits until the previous build has drained:
// orders are pinned, so those started on it finish there and its workers must run until then.
// Rollback makes the previous build current again (or removes a ramp in progress).
import { hostname } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, parseDurationMs, taskQueues, type TaskQueues } from '../platform/config';
import { temporalConnectionOptions } from '../platform/temporal-connection';
import {
  contextsWithoutWorkers, describeDeployment, describeVersion, openPinnedWorkflows, removeRamp, setCurrentVersion,
  setRampingVersion, versionName, type DeploymentState, type DeploymentVersion,
} from '../platform/worker-deployment';

export interface RolloutTarget {
  client: Client;
  deploymentName: string;
  queues: TaskQueues;
  /** Progress lines (the CLI prints them). */
  log?: (line: string) => void;
  identity?: string;
  /** How often drainage and the ramp gate are checked. */
  pollMs?: number;
  /** How long a build's workers may take to show up before the rollout gives up. */
  workersTimeoutMs?: number;
}

export interface RolloutReport {
  buildId: string;
  previous?: string;
  /** The percentages the new build was ramped through before it became current. */
  ramped: number[];
  current: boolean;
  /** Whether the previous build drained within the drain timeout (undefined: nothing to drain, or not waited). */
  drained?: boolean;
  /** Open orders still pinned to the previous build when the rollout ended. */
  openOnPrevious?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const defaultIdentity = () => `npm run rollout@${hostname()}`;

function context(target: RolloutTarget) {
  return {
    service: target.client.workflowService,
    namespace: target.client.options.namespace,
    log: target.log ?? (() => undefined),
    identity: target.identity ?? defaultIdentity(),
    pollMs: target.pollMs ?? 2000,
    version: (buildId: string): DeploymentVersion => ({ deploymentName: target.deploymentName, buildId }),
  };
}

async function deploymentOf(target: RolloutTarget): Promise<DeploymentState> {
  const state = await describeDeployment(target.client.workflowService, target.client.options.namespace, target.deploymentName);
  if (!state) throw new Error(`no worker deployment "${target.deploymentName}": no versioned worker of it has polled yet (WORKER_DEPLOYMENT_NAME)`);
  return state;
}

/** Waits until every context of `buildId` has a live worker; names those that have none. */
async function requireWorkers(target: RolloutTarget, buildId: string): Promise<void> {
  const { service, namespace, version } = context(target);
  const deadline = Date.now() + (target.workersTimeoutMs ?? 30_000);
  for (;;) {
    const missing = await contextsWithoutWorkers(service, namespace, version(buildId), target.queues);
    if (!missing.length) return;
    if (Date.now() > deadline) {
      throw new Error(`build ${buildId} has no live workers for ${missing.join(', ')}: start them first (orders routed to it would wait)`);
    }
    await sleep(500);
  }
}

export async function rollout(target: RolloutTarget, options: { buildId: string; ramp?: number[]; stepMs?: number; drainTimeoutMs?: number }): Promise<RolloutReport> {
  const { service, namespace, log, identity, pollMs, version } = context(target);
  const { buildId } = options;
  const ramp = options.ramp ?? [];
  const before = await describeDeployment(service, namespace, target.deploymentName);
  if (before?.current === buildId && !before.ramping) {
    log(`build ${buildId} is already current`);
    return { buildId, previous: buildId, ramped: [], current: true };
  }
  await requireWorkers(target, buildId);
  // Its workers polled, so the deployment exists now even on a first deploy.
  const state = await deploymentOf(target);
  const previous = state.current && state.current !== buildId ? state.current : undefined;
  log(`build ${buildId}: workers of all contexts are polling; current build: ${state.current ?? 'none'}`);

  const ramped: number[] = [];
  // A saga never fails on a business outcome (a rejection completes it), so a failed order on the
  // new build is a defect: the ramp stops there and the current build takes all new orders again.
  const failedQuery = `TemporalWorkerDeploymentVersion = "${versionName(version(buildId))}" AND (ExecutionStatus = "Failed" OR ExecutionStatus = "TimedOut")`;
  const failedBefore = (await target.client.workflow.count(failedQuery)).count;
  for (const percentage of ramp.filter((p) => p < 100)) {
    await setRampingVersion(service, namespace, version(buildId), percentage, { identity });
    ramped.push(percentage);
    log(`build ${buildId}: ramping, ${percentage} % of new orders`);
    const until = Date.now() + (options.stepMs ?? 60_000);
    while (Date.now() < until) {
      await sleep(Math.min(pollMs, Math.max(0, until - Date.now())));
      const failed = (await target.client.workflow.count(failedQuery)).count - failedBefore;
      if (failed > 0) {
        await removeRamp(service, namespace, target.deploymentName, identity);
        throw new Error(`ramp stopped at ${percentage} %: ${failed} order(s) failed on build ${buildId}; ramp removed, new orders go to ${state.current ?? 'the current build'} (its failed orders: \`temporal workflow list --query '${failedQuery}'\`)`);
      }
    }
  }
  if (ramp.length && Math.max(...ramp) < 100) {
    log(`build ${buildId}: left ramping at ${Math.max(...ramp)} %; \`npm run rollout -- --build ${buildId}\` makes it current, \`--rollback\` removes the ramp`);
    return { buildId, previous: state.current, ramped, current: false };
  }

  await setCurrentVersion(service, namespace, version(buildId), { identity });
  log(`build ${buildId}: current (was ${state.current ?? 'none'}), every new order starts on it`);
  if (!previous) return { buildId, previous: state.current, ramped, current: true };
  return { buildId, previous, ramped, current: true, ...(await waitUntilDrained(target, previous, options.drainTimeoutMs ?? 30 * 60_000)) };
}

/**
 * Orders pinned to `buildId` finish on its workers; the server calls the build drained once none is
 * open (it confirms after its visibility grace period: minutes on a cluster, seconds on the dev server).
 */
async function waitUntilDrained(target: RolloutTarget, buildId: string, timeoutMs: number): Promise<{ drained?: boolean; openOnPrevious: number }> {
  const { service, namespace, log, pollMs, version } = context(target);
  const deadline = Date.now() + timeoutMs;
  let reported: number | undefined;
  for (;;) {
    const [state, open] = await Promise.all([describeVersion(service, namespace, version(buildId)), openPinnedWorkflows(target.client, version(buildId))]);
    if (state?.drained) {
      log(`build ${buildId}: drained (no open order is pinned to it); its workers can stop`);
      return { drained: true, openOnPrevious: open };
    }
    if (open !== reported) {
      log(`build ${buildId}: draining, ${open} open order(s) pinned to it finish on its workers${open === 0 ? ' (the server confirms drainage shortly)' : ''}`);
      reported = open;
    }
    if (timeoutMs === 0) return { openOnPrevious: open };
    if (Date.now() > deadline) {
      log(`build ${buildId}: still draining after ${Math.round(timeoutMs / 1000)} s with ${open} open order(s): keep its workers running; \`npm run rollout -- --status\` shows progress`);
      return { drained: false, openOnPrevious: open };
    }
    await sleep(pollMs);
  }
}

export interface RollbackReport {
  /** 'ramp-removed': a ramp was in progress and is gone; 'current': `buildId` is current again. */
  action: 'ramp-removed' | 'current';
  buildId: string;
  /** The build that lost the routing: orders started on it stay pinned to it. */
  from: string;
  openOnFrom: number;
}

/** The previous build: the most recently replaced of those that were ever current. */
export function previousBuild(state: DeploymentState): string | undefined {
  return state.versions
    .filter((v) => v.everCurrent && v.buildId !== state.current && v.deactivatedAt)
    .sort((a, b) => b.deactivatedAt!.getTime() - a.deactivatedAt!.getTime())[0]?.buildId;
}

export async function rollback(target: RolloutTarget, options: { buildId?: string } = {}): Promise<RollbackReport> {
  const { service, namespace, log, identity, version } = context(target);
  const state = await deploymentOf(target);
  if (state.ramping && !options.buildId) {
    await removeRamp(service, namespace, target.deploymentName, identity);
    const openOnFrom = await openPinnedWorkflows(target.client, version(state.ramping.buildId));
    log(`ramp of build ${state.ramping.buildId} removed: every new order starts on ${state.current ?? 'unversioned workers'}; ${openOnFrom} open order(s) started on ${state.ramping.buildId} stay pinned to it: keep its workers until it drains`);
    return { action: 'ramp-removed', buildId: state.current ?? '', from: state.ramping.buildId, openOnFrom };
  }
  const buildId = options.buildId ?? previousBuild(state);
  if (!buildId) throw new Error(`deployment "${target.deploymentName}" has no previous build to roll back to`);
  if (!state.current) throw new Error(`deployment "${target.deploymentName}" has no current build to roll back from`);
  if (buildId === state.current) throw new Error(`build ${buildId} is already current`);
  await requireWorkers(target, buildId);
  if (state.ramping) await removeRamp(service, namespace, target.deploymentName, identity);
  await setCurrentVersion(service, namespace, version(buildId), { identity });
  const openOnFrom = await openPinnedWorkflows(target.client, version(state.current));
  log(`build ${buildId}: current again (was ${state.current}); ${openOnFrom} open order(s) started on ${state.current} stay pinned to it: keep its workers until it drains`);
  return { action: 'current', buildId, from: state.current, openOnFrom };
}

/** Lines describing the deployment: routing, and each build's state with its open pinned orders. */
export async function status(target: RolloutTarget): Promise<string[]> {
  const state = await deploymentOf(target);
  const { version } = context(target);
  const lines = [`deployment ${target.deploymentName}: current ${state.current ?? 'none'}${state.ramping ? `, ramping ${state.ramping.buildId} at ${state.ramping.percentage} %` : ''}`];
  for (const v of state.versions) {
    const open = ['CURRENT', 'RAMPING', 'DRAINING'].includes(v.status) ? `, ${await openPinnedWorkflows(target.client, version(v.buildId))} open order(s)` : '';
    lines.push(`  ${v.buildId}  ${v.status}${open}`);
  }
  return lines;
}

interface Args { build?: string; ramp: number[]; stepMs?: number; drainTimeoutMs?: number; rollback: boolean; status: boolean; deployment?: string }

export function parseArgs(argv: string[]): Args {
  const args: Args = { ramp: [], rollback: false, status: false };
  const usage = 'usage: npm run rollout -- --build <id> [--ramp 10,50,100] [--step 1m] [--drain-timeout 30m] | --rollback [--build <id>] | --status   [--deployment <name>]';
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value\n${usage}`);
      return v;
    };
    switch (flag) {
      case '--build': args.build = value(); break;
      case '--deployment': args.deployment = value(); break;
      case '--ramp': {
        const text = value();
        args.ramp = text.split(',').map(Number);
        const increasing = args.ramp.every((p, j) => Number.isInteger(p) && p >= 1 && p <= 100 && (j === 0 || p > args.ramp[j - 1]!));
        if (!increasing) throw new Error(`--ramp expects increasing percentages from 1 to 100, e.g. 10,50,100; got "${text}"`);
        break;
      }
      case '--step': args.stepMs = parseDurationMs(value()); break;
      case '--drain-timeout': args.drainTimeoutMs = parseDurationMs(value()); break;
      case '--rollback': args.rollback = true; break;
      case '--status': args.status = true; break;
      default: throw new Error(`unknown argument "${flag}"\n${usage}`);
    }
  }
  if (!args.status && !args.rollback && !args.build) throw new Error(usage);
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig(process.env, { secrets: false });
  const connection = await Connection.connect(temporalConnectionOptions(config));
  try {
    const target: RolloutTarget = {
      client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
      deploymentName: args.deployment ?? config.WORKER_DEPLOYMENT_NAME ?? 'saga-orders',
      queues: taskQueues(config),
      log: (line) => console.log(`[rollout] ${line}`),
    };
    if (args.status) for (const line of await status(target)) console.log(line);
    else if (args.rollback) await rollback(target, { buildId: args.build });
    else {
      const report = await rollout(target, { buildId: args.build!, ramp: args.ramp, stepMs: args.stepMs, drainTimeoutMs: args.drainTimeoutMs });
      if (report.drained === false) process.exitCode = 2;
    }
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`[rollout] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
