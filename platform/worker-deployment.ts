// Worker Deployment Versioning: which version a worker process is, and the server calls that route
// orders between versions (current, ramping, drained) for the workers, `npm start` and `npm run rollout`.
// A version is `<deployment>:<build id>`. Order sagas are PINNED: an order runs its whole life on the
// version it started on, its activities included, so every context worker of a build (orders, stock,
// credit, payment, shipment) joins the same version.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isGrpcServiceError, type Client, type Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Config, TaskQueues } from './config';

export interface DeploymentVersion { deploymentName: string; buildId: string }
export type WorkflowService = Connection['workflowService'];

const PROJECT_ROOT = path.resolve(__dirname, '..');
/** What the workflow bundle is built from: the saga code and the domain it imports (tests excluded). */
const WORKFLOW_SOURCES = ['workflows', 'domain'];

const derived = new Map<string, string>();
/**
 * `<package version>-<10 hex of a sha256>` over the workflow bundle's sources and the SDK's workflow
 * runtime version. It changes exactly when the saga's code does — uncommitted edits included, and the
 * same inside the Docker image, which has no .git — while an API- or activity-only change keeps the
 * version (activities are compatible across a rolling restart; only workflow code must be pinned).
 */
export function derivedBuildId(root = PROJECT_ROOT): string {
  const known = derived.get(root);
  if (known) return known;
  const hash = createHash('sha256');
  const files = WORKFLOW_SOURCES.flatMap((dir) => sourceFiles(root, dir)).sort();
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(path.join(root, file))).update('\0');
  const sdk = JSON.parse(readFileSync(require.resolve('@temporalio/workflow/package.json'), 'utf8')) as { version: string };
  hash.update(`@temporalio/workflow@${sdk.version}`);
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const id = `${version}-${hash.digest('hex').slice(0, 10)}`;
  derived.set(root, id);
  return id;
}

function sourceFiles(root: string, dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(root, file);
    return entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [file] : [];
  });
}

/** This process's version when WORKER_DEPLOYMENT_NAME is set; undefined: unversioned workers. */
export function workerDeploymentVersion(config: Pick<Config, 'WORKER_DEPLOYMENT_NAME' | 'WORKER_BUILD_ID'>): DeploymentVersion | undefined {
  if (!config.WORKER_DEPLOYMENT_NAME) return undefined;
  return { deploymentName: config.WORKER_DEPLOYMENT_NAME, buildId: config.WORKER_BUILD_ID ?? derivedBuildId() };
}

/** The server's spelling, also the value of the TemporalWorkerDeploymentVersion search attribute. */
export const versionName = (v: DeploymentVersion) => `${v.deploymentName}:${v.buildId}`;

export type VersionStatus = 'INACTIVE' | 'CURRENT' | 'RAMPING' | 'DRAINING' | 'DRAINED' | 'CREATED' | 'UNSPECIFIED';
export interface VersionSummary { buildId: string; status: VersionStatus; everCurrent: boolean; deactivatedAt?: Date }
export interface DeploymentState {
  current?: string;
  ramping?: { buildId: string; percentage: number };
  versions: VersionSummary[];
  conflictToken?: Uint8Array | null;
}

const NOT_FOUND = 5;
const FAILED_PRECONDITION = 9;
const grpcCode = (error: unknown) => (isGrpcServiceError(error) ? error.code : undefined);

const versionStatus = (status: temporal.api.enums.v1.WorkerDeploymentVersionStatus | null | undefined): VersionStatus =>
  (temporal.api.enums.v1.WorkerDeploymentVersionStatus[status ?? 0] ?? 'UNSPECIFIED').replace('WORKER_DEPLOYMENT_VERSION_STATUS_', '') as VersionStatus;
const toDate = (ts: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  (ts?.seconds == null ? undefined : new Date(Number(String(ts.seconds)) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)));

/** The deployment's routing and versions; undefined while no versioned worker of it has polled. */
export async function describeDeployment(service: WorkflowService, namespace: string, deploymentName: string): Promise<DeploymentState | undefined> {
  try {
    const { workerDeploymentInfo: info, conflictToken } = await service.describeWorkerDeployment({ namespace, deploymentName });
    const routing = info?.routingConfig;
    const ramping = routing?.rampingDeploymentVersion?.buildId;
    return {
      current: routing?.currentDeploymentVersion?.buildId ?? undefined,
      ramping: ramping ? { buildId: ramping, percentage: routing?.rampingVersionPercentage ?? 0 } : undefined,
      versions: (info?.versionSummaries ?? []).map((s) => ({
        buildId: s.deploymentVersion?.buildId ?? '',
        status: versionStatus(s.status),
        everCurrent: Boolean(s.lastCurrentTime),
        deactivatedAt: toDate(s.lastDeactivationTime),
      })),
      conflictToken,
    };
  } catch (error) {
    if (grpcCode(error) === NOT_FOUND) return undefined;
    throw error;
  }
}

export interface VersionState { status: VersionStatus; drained: boolean; taskQueues: string[] }

/** A version's status (DRAINED once no open pinned workflow uses it) and the queues it has seen. */
export async function describeVersion(service: WorkflowService, namespace: string, version: DeploymentVersion): Promise<VersionState | undefined> {
  try {
    const { workerDeploymentVersionInfo: info, versionTaskQueues } = await service.describeWorkerDeploymentVersion({ namespace, deploymentVersion: version });
    const status = versionStatus(info?.status);
    const drainage = info?.drainageInfo?.status === temporal.api.enums.v1.VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED;
    return { status, drained: status === 'DRAINED' || drainage, taskQueues: [...new Set((versionTaskQueues ?? []).map((q) => q.name ?? ''))] };
  } catch (error) {
    if (grpcCode(error) === NOT_FOUND) return undefined;
    throw error;
  }
}

/** A poller counts as alive when it polled this recently (long polls last about a minute). */
const POLLER_ALIVE_MS = 120_000;

/**
 * The contexts with no live worker of `version`: each queue's activity pollers, and the orders
 * queue's workflow pollers. Routing orders to such a version would leave their steps waiting.
 */
export async function contextsWithoutWorkers(service: WorkflowService, namespace: string, version: DeploymentVersion, queues: TaskQueues): Promise<string[]> {
  const { TASK_QUEUE_TYPE_WORKFLOW: WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY: ACTIVITY } = temporal.api.enums.v1.TaskQueueType;
  const wanted = [
    { context: 'orders (workflows)', name: queues.orders, type: WORKFLOW },
    ...Object.entries(queues).map(([context, name]) => ({ context, name, type: ACTIVITY })),
  ];
  const missing = await Promise.all(wanted.map(async ({ context, name, type }) => {
    const { pollers } = await service.describeTaskQueue({ namespace, taskQueue: { name }, taskQueueType: type });
    const alive = (pollers ?? []).some((p) => p.deploymentOptions?.deploymentName === version.deploymentName
      && p.deploymentOptions?.buildId === version.buildId
      && Date.now() - (toDate(p.lastAccessTime)?.getTime() ?? 0) < POLLER_ALIVE_MS);
    return alive ? undefined : context;
  }));
  return missing.filter((c): c is string => Boolean(c));
}

/** Open orders pinned to `version`, from visibility (seconds behind at most). */
export async function openPinnedWorkflows(client: Client, version: DeploymentVersion): Promise<number> {
  const { count } = await client.workflow.count(
    `TemporalWorkerDeploymentVersion = "${versionName(version)}" AND TemporalWorkflowVersioningBehavior = "Pinned" AND ExecutionStatus = "Running"`,
  );
  return count;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Retries a routing change while the server cannot take it yet because workers are still starting:
 * it knows a version only once its workers polled (NOT_FOUND), and refuses one that lacks a task
 * queue the current version has, whose tasks would go unversioned (FAILED_PRECONDITION).
 */
async function whileWorkersStart<T>(change: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await change();
    } catch (error) {
      const code = grpcCode(error);
      if ((code !== NOT_FOUND && code !== FAILED_PRECONDITION) || Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

/** Makes `version` current (every new order goes to it); returns the build that was. */
export async function setCurrentVersion(service: WorkflowService, namespace: string, version: DeploymentVersion, options: { identity: string; timeoutMs?: number }): Promise<string | undefined> {
  const { previousDeploymentVersion } = await whileWorkersStart(
    () => service.setWorkerDeploymentCurrentVersion({ namespace, ...version, identity: options.identity }), options.timeoutMs ?? 30_000);
  return previousDeploymentVersion?.buildId ?? undefined;
}

/** Sends `percentage` of new orders to `version` (the rest to the current one). */
export async function setRampingVersion(service: WorkflowService, namespace: string, version: DeploymentVersion, percentage: number, options: { identity: string; timeoutMs?: number }): Promise<void> {
  await whileWorkersStart(
    () => service.setWorkerDeploymentRampingVersion({ namespace, ...version, percentage, identity: options.identity }), options.timeoutMs ?? 30_000);
}

/** Stops a ramp: every new order goes to the current version again. */
export async function removeRamp(service: WorkflowService, namespace: string, deploymentName: string, identity: string): Promise<void> {
  await service.setWorkerDeploymentRampingVersion({ namespace, deploymentName, buildId: '', percentage: 0, identity });
}

/**
 * The first deploy of a deployment: while it has no current version, new orders would go to
 * unversioned workers (there are none), so a versioned worker makes its own version current once
 * every context of it has polled. Only then, and only if nobody did meanwhile (the conflict token):
 * a later build never takes over by itself — that is `npm run rollout`'s job.
 */
export async function makeCurrentIfNone(service: WorkflowService, namespace: string, version: DeploymentVersion, queues: TaskQueues, options: { identity: string; timeoutMs: number; stopped?: () => boolean }): Promise<{ current?: string; madeCurrent: boolean }> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline && !options.stopped?.()) {
    const state = await describeDeployment(service, namespace, version.deploymentName);
    if (state?.current) return { current: state.current, madeCurrent: false };
    const seen = (await describeVersion(service, namespace, version))?.taskQueues ?? [];
    if (state && Object.values(queues).every((q) => seen.includes(q))) {
      try {
        await service.setWorkerDeploymentCurrentVersion({ namespace, ...version, identity: options.identity, conflictToken: state.conflictToken });
        return { current: version.buildId, madeCurrent: true };
      } catch (error) {
        if (grpcCode(error) !== FAILED_PRECONDITION) throw error; // someone changed the routing meanwhile: look again
      }
    }
    await sleep(1000);
  }
  return { madeCurrent: false };
}
