// The ground `npm run cluster` stands on, small enough for CI: two hosts made of network namespaces
// behind a switch namespace, PostgreSQL on one (listening on its own address), a client on the other
// that connects over the bridge; the root namespace gains no interface or address; and afterwards no namespace and
// no process of the run is left, including a crashed run's leftovers. Needs root and `ip netns`:
// skipped with the reason otherwise.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Network, listNamespaces, netnsAvailable, pidsIn, reapLeftovers, NS_BASE } from '../../cluster/netns';
import { ManagedProcess } from '../../chaos/processes';

const available = netnsAvailable();
const describeIfNetns = available.ok ? describe : describe.skip;
if (!available.ok) console.warn(`cluster-netns.test.ts skipped: ${available.why}`);

const ROOT = path.resolve(__dirname, '..', '..');

describeIfNetns('hosts in network namespaces', () => {
  const network = new Network(`${NS_BASE}-${process.pid}-t${Date.now() % 10_000}-`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cluster-netns-'));
  let postgres: ManagedProcess | undefined;

  afterAll(async () => {
    await postgres?.close().catch(() => undefined);
    network.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when PostgreSQL runs on one host, then another host reaches it over the bridge, the root namespace gains no interface, and nothing is left afterwards', async () => {
    const rootLinks = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }).split('\n').map((l) => l.split(': ')[1]).sort();
    network.create([{ name: 'db', ip: '10.77.0.10' }, { name: 'app', ip: '10.77.0.2' }]);
    postgres = new ManagedProcess({
      name: 'postgres', file: 'cluster/postgres.host.ts', logFile: path.join(dir, 'postgres.log'), prefix: network.on('db'),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CLUSTER_PG_DATA: path.join(dir, 'pg'), CLUSTER_PG_PORT: '5432', CLUSTER_PG_DATABASE: 'netns_test', CLUSTER_PG_ADDRESS: '10.77.0.10', CLUSTER_PG_ALLOW: '10.77.0.0/24' },
      ready: (p) => p.waitForLine(/postgres host ready/),
    }, () => undefined); // its exit when the namespace is removed is the point
    await postgres.start(45_000);

    const query = `const pg = require('pg'); const c = new pg.Client({ connectionString: 'postgresql://postgres:postgres@10.77.0.10:5432/netns_test' });
      c.connect().then(() => c.query('SELECT inet_client_addr() AS me')).then((r) => { console.log(r.rows[0].me); return c.end(); }).catch((e) => { console.error(e.message); process.exit(1); });`;
    const seen = execFileSync('ip', ['netns', 'exec', network.ns('app'), process.execPath, '-e', query], { cwd: ROOT, encoding: 'utf8' }).trim();
    expect(seen).toBe('10.77.0.2');

    // The run's network lives only in its namespaces: the root namespace got no interface and no address.
    expect(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }).split('\n').map((l) => l.split(': ')[1]).sort()).toEqual(rootLinks);
    expect(execFileSync('ip', ['-o', 'addr'], { encoding: 'utf8' })).not.toContain('10.77.0.');

    const pgPids = pidsIn(network.ns('db'));
    expect(pgPids.length).toBeGreaterThan(1); // the host program and PostgreSQL's own processes
    network.destroy();
    expect(listNamespaces().filter((ns) => ns.startsWith(network.prefix))).toEqual([]);
    // Gone, or a zombie waiting to be reaped by its parent (SIGKILL has done its work).
    const running = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 30 && pgPids.some(running); i++) await new Promise((r) => setTimeout(r, 100));
    expect(pgPids.filter(running)).toEqual([]);
  });

  it('when a crashed run left namespaces, then the next run removes them and only them', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    const stale = `${NS_BASE}-${gone}-leftover`;
    const live = `${NS_BASE}-${process.pid}-alive`;
    execFileSync('ip', ['netns', 'add', stale]);
    execFileSync('ip', ['netns', 'add', live]);
    try {
      expect(reapLeftovers()).toContain(stale);
      expect(listNamespaces()).not.toContain(stale);
      expect(listNamespaces()).toContain(live);
    } finally {
      spawnSync('ip', ['netns', 'del', live]);
      spawnSync('ip', ['netns', 'del', stale]);
    }
  });
});
