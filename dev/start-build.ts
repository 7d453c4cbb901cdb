// Which build `npm start` runs its workers as (Worker Deployment Versioning), and making it current.
// One machine runs one build, so old builds' workers are gone after a restart, while orders are
// pinned to the build they started on. Hence: a restart with changed saga code starts a new build
// only when no order is in flight on the current one; otherwise it keeps serving the current build
// on today's code, so those orders go on (as they did before versioning: a saga change must then
// replay, i.e. be written with patched(); the replay tests check it). WORKER_BUILD_ID overrides.
import type { Client } from '@temporalio/client';
import { derivedBuildId, describeDeployment, openPinnedWorkflows, setCurrentVersion, type DeploymentVersion } from '../platform/worker-deployment';

export interface StartBuild {
  version: DeploymentVersion;
  /** Why this build, when it is not simply the code's own. */
  note?: string;
  /** Orders pinned to other builds, whose workers this start does not run: they wait. */
  waiting: string[];
}

export async function chooseStartBuild(client: Client, deploymentName: string, explicitBuildId?: string): Promise<StartBuild> {
  const codeBuild = explicitBuildId ?? derivedBuildId();
  const version = (buildId: string) => ({ deploymentName, buildId });
  const state = await describeDeployment(client.workflowService, client.options.namespace, deploymentName);
  const current = state?.current;
  let chosen = codeBuild;
  let note: string | undefined;
  if (current && current !== codeBuild && !explicitBuildId) {
    const inFlight = await openPinnedWorkflows(client, version(current));
    if (inFlight === 0) note = `replaces build ${current}, which has no order in flight`;
    else {
      chosen = current;
      note = `${inFlight} order(s) are in flight on the current build ${current}, so this start serves that build with this code (build ${codeBuild}): `
        + 'a saga change must then replay, i.e. use patched() (README "Deploy a saga change"). '
        + `WORKER_BUILD_ID=${codeBuild} npm start runs this code's own build instead; those orders then wait for build ${current}'s workers`;
    }
  }
  const others = (state?.versions ?? []).filter((v) => v.buildId !== chosen && ['CURRENT', 'RAMPING', 'DRAINING'].includes(v.status));
  const waiting: string[] = [];
  for (const other of others) {
    const open = await openPinnedWorkflows(client, version(other.buildId));
    if (open > 0) waiting.push(`${open} order(s) pinned to build ${other.buildId} wait for its workers, which this start does not run`);
  }
  return { version: version(chosen), ...(note ? { note } : {}), waiting };
}

/** Once its workers poll: the build becomes current (if it is not already) and new orders start on it. */
export async function makeStartBuildCurrent(client: Client, version: DeploymentVersion, timeoutMs: number): Promise<string | undefined> {
  const state = await describeDeployment(client.workflowService, client.options.namespace, version.deploymentName);
  if (state?.current === version.buildId) return version.buildId;
  return setCurrentVersion(client.workflowService, client.options.namespace, version, { identity: 'npm start', timeoutMs });
}
