// Found by `npm run chaos` (fault "restart Postgres"): a query that reached PostgreSQL while it was
// shutting down failed with SQLSTATE 57P03, which Prisma 7 wraps as P2039 with the SQLSTATE in
// meta.driverAdapterError.cause — the API answered 500 INTERNAL_ERROR instead of 503
// SERVICE_UNAVAILABLE, so clients that retry only 503 gave up on a retryable request.
// The error below is the one the API logged during the chaos run (POST /orders → priceItems).
import type { AddressInfo } from 'node:net';
import express from 'express';
import { PrismaClientKnownRequestError } from '@prisma/client/runtime/client';
import { errorMiddleware } from '../../api/problem';
import { createLogger } from '../../platform/logger';

function postgresError(sqlState: string, message: string) {
  return new PrismaClientKnownRequestError(`\nInvalid \`prisma.product.findMany()\` invocation:\n\n\nDatabase error. Code: \`${sqlState}\`. Message: \`${message}\``, {
    code: 'P2039',
    clientVersion: '7.10.0',
    meta: {
      modelName: 'Product',
      driverAdapterError: { name: 'DriverAdapterError', cause: { originalCode: sqlState, originalMessage: message, kind: 'postgres', code: sqlState, severity: 'FATAL', message } },
    },
  });
}

it.each([
  ['57P03', 'the database system is shutting down'],
  ['57P01', 'terminating connection due to administrator command'],
])('when PostgreSQL answers %s (%s), then the API answers 503 SERVICE_UNAVAILABLE, not 500', async (sqlState, message) => {
  const app = express();
  app.get('/boom', () => { throw postgresError(sqlState, message); });
  app.use(errorMiddleware(createLogger({ level: 'silent' })));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/boom`);
    const body = (await res.json()) as { code?: string };
    expect({ status: res.status, code: body.code }).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE' });
  } finally {
    server.close();
  }
});

// Found by the chaos run of issue 11/12 ("restart Postgres"): a raw query on a connection PostgreSQL
// closed while restarting fails as P2010 with driver-adapter kind ConnectionClosed.
it('when PostgreSQL closes the connection mid-query (P2010, ConnectionClosed), then the API answers 503, not 500', async () => {
  const closed = new PrismaClientKnownRequestError('\nInvalid `prisma.$queryRaw()` invocation:\n\n\nRaw query failed. Code: `N/A`. Message: `Server has closed the connection.`', {
    code: 'P2010', clientVersion: '7.10.0', meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'ConnectionClosed' } } },
  });
  const app = express();
  app.get('/boom', () => { throw closed; });
  app.use(errorMiddleware(createLogger({ level: 'silent' })));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/boom`);
    expect({ status: res.status, retryAfter: res.headers.get('retry-after') }).toEqual({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
  } finally {
    server.close();
  }
});
