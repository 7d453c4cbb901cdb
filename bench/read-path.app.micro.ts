// The HTTP stack around GET /orders/:id's query, without sockets or a database: each request is a
// real IncomingMessage/ServerResponse pair on an in-memory socket, handled by createApp with a stub
// Prisma that answers the view at once, so the CPU per request is Express, JWT, the request log (to
// /dev/null), metrics, tracing as the API starts it (no collector), headers and the response write —
// and nothing else. For scale, the same answer from a bare node:http handler (what
// bench/read-floor.ts does around its query).
//   node --import tsx bench/read-path.app.micro.ts
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import { Duplex } from 'node:stream';
import { Client } from '@temporalio/client';
import { loadConfig } from '../platform/config';
import { startTracing } from '../platform/tracing';
import { createLogger } from '../platform/logger';
import type { PrismaClient } from '../platform/prisma';
import { createApp } from '../api/app';
import { issueToken } from '../api/auth';

const N = Number(process.env.MICRO_N ?? 20_000);
const ROUNDS = Number(process.env.MICRO_ROUNDS ?? 5);
/** Requests started together, as a server parses several per turn of its loop under load; also the batch orderViewReader sees. */
const IN_FLIGHT = Number(process.env.MICRO_IN_FLIGHT ?? 8);

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Serves one request on a fresh in-memory socket; resolves when the response has finished. */
function serve(handler: Handler, url: string, headers: Record<string, string>): Promise<number> {
  const socket = new Duplex({ read() {}, write(_chunk, _encoding, done) { done(); } });
  // As a loopback TCP client's: Express's `trust proxy` check parses it (an absent one costs far more).
  Object.defineProperty(socket, 'remoteAddress', { value: '127.0.0.1' });
  const req = new http.IncomingMessage(socket as never);
  req.method = 'GET';
  req.url = url;
  req.headers = headers;
  req.complete = true;
  req.push(null);
  const res = new http.ServerResponse(req);
  res.assignSocket(socket as never);
  return new Promise((resolve) => {
    res.on('finish', () => {
      res.detachSocket(socket as never);
      resolve(res.statusCode);
    });
    handler(req, res);
  });
}

async function main(): Promise<void> {
  const config = loadConfig({ JWT_SECRET: randomUUID() + randomUUID(), NODE_ENV: 'development', LOG_LEVEL: 'info' });
  // As api/server.ts starts it: no collector, so nothing recorded, but the context manager runs.
  startTracing({ serviceName: 'saga-orders-api', config });
  const customerId = randomUUID();
  const orderId = randomUUID();
  const view = {
    orderId, customerId, status: 'SHIPPED', items: [{ sku: 'SKU-BENCH-1', name: 'Bench mug', quantity: 1, productId: randomUUID(), lineTotalCents: 1250, unitPriceCents: 1250 }],
    totalCents: 1250, shippingAddress: { city: 'Springfield', line1: '1 Main St', country: 'US', postalCode: '12345' }, payment: { chargedCents: 1250, refundedCents: 0 },
    rejectionReason: null, cancellationReason: null, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString(), version: 6,
    timeline: ['OrderPlaced', 'StockReserved', 'CreditReserved', 'OrderApproved', 'PaymentCharged', 'OrderPaid', 'StockShipped', 'CreditConsumed', 'ShipmentBooked', 'OrderShipped']
      .map((type, i) => ({ sequence: i + 1, type, at: new Date().toISOString(), data: { orderId, amountCents: 1250 } })),
  };
  const body = JSON.stringify(view);
  const stubPrisma = { $queryRawUnsafe: async () => [{ order_id: orderId, customer_id: customerId, body }] } as unknown as PrismaClient;
  const app = createApp({ prisma: stubPrisma, temporal: new Client(), config, logger: createLogger({ level: 'info', name: 'api' }, createWriteStream('/dev/null')) });
  const token = issueToken(config, { customerId, role: 'customer' }).accessToken;
  const headers = { host: '127.0.0.1', authorization: `Bearer ${token}`, connection: 'keep-alive' };

  const bare: Handler = (_req, res) => {
    void stubPrisma.$queryRawUnsafe('').then(() => {
      const json = JSON.stringify(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      res.end(json);
    });
  };
  const cases: [string, Handler][] = [['createApp, GET /orders/:id', app as unknown as Handler], ['bare node:http handler (the floor\'s work)', bare]];
  const status = await serve(app as unknown as Handler, `/orders/${orderId}`, headers);
  if (status !== 200) throw new Error(`GET /orders/:id → ${status}`);

  const cpu = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  const serveMany = async (handler: Handler, count: number) => {
    for (let i = 0; i < count; i += IN_FLIGHT) await Promise.all(Array.from({ length: IN_FLIGHT }, () => serve(handler, `/orders/${orderId}`, headers)));
  };
  for (const [, handler] of cases) await serveMany(handler, 2000);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, handler] of cases) {
      const before = process.cpuUsage();
      await serveMany(handler, N);
      const used = process.cpuUsage(before);
      cpu.get(name)!.push((used.user + used.system) / N);
    }
  }
  console.log(`${N} requests per round, ${IN_FLIGHT} at a time, median of ${ROUNDS} rounds, CPU µs per request (no sockets, no database):`);
  for (const [name, xs] of cpu) {
    xs.sort((a, b) => a - b);
    console.log(`  ${name.padEnd(48)} ${xs[Math.floor(xs.length / 2)]!.toFixed(1).padStart(6)} µs  (${xs.map((x) => x.toFixed(0)).join(' ')})`);
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
