// The PostgreSQL host of `npm run cluster`: an embedded PostgreSQL that listens on this host's own
// address (CLUSTER_PG_ADDRESS) and lets the cluster's subnet in. pg_stat_statements is loaded so the
// capacity model can count statements per order. Stops PostgreSQL on SIGTERM/SIGINT.
import { startEmbeddedPostgres } from '../dev/postgres';

async function main(): Promise<void> {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const pg = await startEmbeddedPostgres({
    dataDir: env('CLUSTER_PG_DATA'), port: Number(env('CLUSTER_PG_PORT')), database: env('CLUSTER_PG_DATABASE'),
    listenAddress: env('CLUSTER_PG_ADDRESS'), allowFrom: env('CLUSTER_PG_ALLOW'),
    extraFlags: ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=all'],
  });
  console.log(`postgres host ready ${pg.url.replace(/:[^:@/]+@/, ':***@')}`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void pg.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
