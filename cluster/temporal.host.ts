// The Temporal host of `npm run cluster`: the CLI's dev server (one process: frontend, history,
// matching, SQLite persistence) listening on this host's own address. Stops it on SIGTERM/SIGINT.
import { appendFileSync } from 'node:fs';
import { startTemporalDevServer } from '../dev/temporal-dev-server';

async function main(): Promise<void> {
  const ip = process.env.CLUSTER_TEMPORAL_ADDRESS!;
  const logFile = process.env.CLUSTER_TEMPORAL_LOG!;
  // Listening on every address of this host: the dev server's own services (frontend, history,
  // matching) call each other on 127.0.0.1, while the other hosts reach it on `ip`.
  const server = await startTemporalDevServer({
    dbFile: process.env.CLUSTER_TEMPORAL_DB!, ip: '0.0.0.0', port: Number(process.env.CLUSTER_TEMPORAL_PORT), uiPort: Number(process.env.CLUSTER_TEMPORAL_UI_PORT), headless: true,
    log: (text) => appendFileSync(logFile, text),
  });
  console.log(`temporal host ready ${ip}:${process.env.CLUSTER_TEMPORAL_PORT} (listening on ${server.address})`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void server.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  server.process.once('exit', (code) => {
    if (!stopping) {
      console.error(`temporal dev server exited (${code})`);
      process.exit(1);
    }
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
