// `npm run cluster`: the system on hosts of its own, made of Linux network namespaces.
// This process owns the network and nothing else: it removes what a crashed earlier run left, creates
// the switch and the hosts, runs the experiment (cluster/experiment.ts) ON the client host, and on
// every way out — the experiment's exit, Ctrl-C, SIGTERM, an exception — kills whatever still runs in
// the namespaces and deletes them. The exit code is the experiment's.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../chaos/config';
import { Network, netnsAvailable, reapLeftovers } from './netns';
import { HOSTS } from './topology';

const say = (line: string) => console.log(`[cluster] ${line}`);

function main(): void {
  const available = netnsAvailable();
  if (!available.ok) {
    console.error(`[cluster] cannot run: ${available.why}. npm run cluster needs root on Linux with iproute2, iptables and tc.`);
    process.exit(2);
  }
  const stale = reapLeftovers();
  if (stale.length) say(`removed ${stale.length} namespaces a crashed earlier run left: ${stale.join(', ')}`);
  const net = new Network();
  let cleaned = false;
  const cleanUp = () => {
    if (cleaned) return;
    cleaned = true;
    const names = net.ownNamespaces();
    net.destroy();
    const left = net.ownNamespaces();
    say(left.length ? `!! could not remove ${left.join(', ')}` : `removed ${names.length} namespaces and every process in them`);
  };
  // The last resort: an exit for any reason still removes the network (synchronously).
  process.on('exit', cleanUp);
  try {
    net.create(HOSTS);
  } catch (error) {
    console.error(`[cluster] creating the network failed: ${(error as Error).message}`);
    process.exit(2);
  }
  say(`network: switch ${net.switchNs} and ${HOSTS.length} hosts (${HOSTS.map((h) => `${h.name} ${h.ip}`).join(', ')})`);

  const experiment = spawn('ip', ['netns', 'exec', net.ns('client'), process.execPath, '--import', 'tsx', path.join(ROOT, 'cluster', 'experiment.ts')], {
    cwd: ROOT, stdio: 'inherit', env: { ...process.env, CLUSTER_NS_PREFIX: net.prefix, CLUSTER_NS_SWITCH: net.switchNs },
  });
  let signalled = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signalled++;
    // First signal: the experiment stops its processes in order (workers drain). A second one, or
    // 60 s without an exit: everything is killed now.
    if (signalled === 1) {
      say(`${signal}: stopping the experiment …`);
      experiment.kill('SIGTERM');
      setTimeout(() => { cleanUp(); process.exit(130); }, 60_000).unref();
    } else {
      cleanUp();
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  experiment.on('exit', (code, signal) => {
    cleanUp();
    process.exit(signalled ? 130 : code ?? (signal ? 1 : 0));
  });
}

main();
