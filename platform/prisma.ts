// One Prisma client per process, on the pg driver adapter (Prisma 7's Rust-free client).
import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from '../generated/prisma/client';

export type { PrismaClient };
/** Prisma's SQL template helpers (Prisma.sql, Prisma.join) for the few hand-written statements. */
export { Prisma };
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/**
 * How long a query waits for a pooled connection before failing. The API answers that failure with
 * 503 + Retry-After (never a 500, never an endless queue); an activity attempt fails and Temporal
 * retries it (see the budget in persistence/transaction.ts).
 */
export const POOL_WAIT_MS = 2_000;

export function createPrisma(databaseUrl: string, poolSize = 10): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: POOL_WAIT_MS });
  return new PrismaClient({ adapter });
}
