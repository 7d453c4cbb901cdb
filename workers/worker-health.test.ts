// /health/live and /health/ready of real worker processes (workers/all.worker.ts), against the run's
// Temporal dev server and PostgreSQL: ready names each context's state, a database that does not
// answer makes it 503, and SIGTERM turns it 503 at once while the process drains in-flight work.
import type { ChildProcess } from 'node:child_process';
import { aCustomer, aProduct, startTestStack, type TestStack } from '../test/harness';
import { freePort } from '../test/free-port';
import { orderInput, startSaga, timelineTypes } from '../test/saga-test-kit';
import { spawnWorker, type WorkerProcess as SpawnedWorker } from '../test/worker-process';

let stack: TestStack;
const spawned: ChildProcess[] = [];

type WorkerProcess = SpawnedWorker & { health: string };

/** all.worker.ts for `contexts` with its health endpoints on a free port; resolves once it polls. */
async function workerProcess(contexts: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const health = `127.0.0.1:${await freePort()}`;
  const worker = await spawnWorker('all.worker.ts', {
    DATABASE_URL: stack.config.DATABASE_URL!, TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS, TASK_QUEUE_PREFIX: stack.config.TASK_QUEUE_PREFIX,
    WORKER_CONTEXTS: contexts, WORKER_HEALTH_ADDRESS: health, WORKER_METRICS_ADDRESS: '', ...env,
  });
  spawned.push(worker.child);
  return { ...worker, health: `http://${health}` };
}

async function get(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

/**
 * The first readiness answer that `settled` accepts, or the last one after 10 s: the workers' run()
 * begins just after their log line, and on a busy machine a process's first query (Prisma loading its
 * engine) can outlast the probe's 2 s.
 */
async function readyWhen(health: string, settled: (ready: { status: number; body: any }) => boolean): Promise<{ status: number; body: any }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ready = await get(`${health}/health/ready`);
    if (settled(ready) || Date.now() > deadline) return ready;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => {
  if (child.exitCode !== null) resolve(child.exitCode);
  else child.once('exit', (code) => resolve(code));
});

let healthy: WorkerProcess;
let noDatabase: WorkerProcess;

beforeAll(async () => {
  // The saga's other contexts run in this process; the stock context only in the spawned one.
  stack = await startTestStack({ contexts: ['orders', 'credit', 'payment', 'shipment'] });
  const closedPort = await freePort();
  [healthy, noDatabase] = await Promise.all([
    workerProcess('stock'),
    workerProcess('stock,credit', {
      DATABASE_URL: `postgresql://nobody@127.0.0.1:${closedPort}/nothing`,
      // Its own queues: this broken worker must not take the saga's stock tasks.
      TASK_QUEUE_PREFIX: `${stack.config.TASK_QUEUE_PREFIX}down-`,
    }),
  ]);
}, 90_000);

afterAll(async () => {
  for (const child of spawned) if (child.exitCode === null) child.kill('SIGKILL');
  await stack?.stop();
});

describe('worker health endpoints', () => {
  it('when a worker process polls and its database answers, then live is 200 and ready is 200 naming each context RUNNING', async () => {
    expect(await get(`${healthy.health}/health/live`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await readyWhen(healthy.health, (r) => r.status === 200)).toEqual({
      status: 200,
      body: { status: 'ok', contexts: { stock: 'RUNNING' }, checks: { postgres: 'ok', temporal: 'ok' } },
    });
    expect((await fetch(`${healthy.health}/nothing`)).status).toBe(404);
  });

  it('when its database does not answer, then the worker still starts and polls, live is 200 and ready is 503 naming the database', async () => {
    expect((await get(`${noDatabase.health}/health/live`)).status).toBe(200);
    const ready = await readyWhen(noDatabase.health, (r) => /Can't reach database server/.test(r.body.checks?.postgres));
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'unavailable', contexts: { stock: 'RUNNING', credit: 'RUNNING' }, checks: { temporal: 'ok' } });
    expect(ready.body.checks.postgres).toMatch(/^failing: .*Can't reach database server at 127\.0\.0\.1:\d+/);
    expect(ready.body.reasons).toEqual([`postgres ${ready.body.checks.postgres}`]);
  });

  it('when SIGTERM arrives while an activity is in flight, then ready is 503 (draining) at once, live stays 200, and the process exits 0 once the activity finished', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 5 });
    const { customerId } = await aCustomer(stack.prisma);
    const input = orderInput({ customerId, lines: [{ productId, quantity: 1 }] });
    const code = exited(healthy.child);

    // The product's row is locked, so the stock worker's reserveStock waits inside its transaction.
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let locker = 0;
    const lockHeld = stack.prisma.$transaction(async (tx) => {
      locker = (await tx.$queryRaw<Array<{ pid: number }>>`SELECT pg_backend_pid() AS pid`)[0]!.pid;
      await tx.$queryRaw`SELECT id FROM products WHERE id = ${productId}::uuid FOR UPDATE`;
      await released;
    }, { timeout: 30_000 });
    try {
      while (!locker) await new Promise((r) => setTimeout(r, 10));
      await startSaga(stack, input);
      for (let i = 0; ; i++) {
        const [blocked] = await stack.prisma.$queryRaw<Array<{ waiting: number }>>`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE ${locker}::int = ANY(pg_blocking_pids(pid))`;
        if (blocked!.waiting > 0) break;
        if (i > 300) throw new Error(`reserveStock never reached the locked row:\n${healthy.output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }

      // A request racing the signal may still be answered first; the first answer after it is 503.
      healthy.child.kill('SIGTERM');
      const signalled = Date.now();
      let ready = await get(`${healthy.health}/health/ready`);
      while (ready.status === 200 && Date.now() - signalled < 1000) ready = await get(`${healthy.health}/health/ready`);
      expect(ready).toMatchObject({ status: 503, body: { status: 'draining', reasons: ['shutting down (SIGTERM): finishing in-flight work'] } });
      expect((await get(`${healthy.health}/health/live`)).status).toBe(200);
      expect(healthy.child.exitCode).toBeNull();
    } finally {
      release();
      await lockHeld;
    }
    expect(await code).toBe(0);
    // The activity it was running when told to stop finished, not abandoned.
    expect(await timelineTypes(stack.prisma, input.orderId)).toContain('StockReserved');
    await expect(fetch(`${healthy.health}/health/live`)).rejects.toThrow();
  });
});
