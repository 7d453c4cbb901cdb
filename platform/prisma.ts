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

/**
 * Statements each pooled connection keeps prepared, by their exact SQL text: PostgreSQL parses and
 * plans them once per connection instead of on every execution (GET /orders/:id's view: ~300 → ~105 µs
 * of database CPU per read, bench/read-path.micro.ts). Only statements registered here, never ad-hoc
 * SQL: each name lives on every connection for as long as it is open. Their result columns must not
 * depend on a table's shape (no `SELECT *`), or a migration would make the cached plan fail.
 */
const preparedStatements = new Map<string, string>();

/** Registers `sql` to run as the prepared statement `name`; returns `sql`, to pass to $queryRawUnsafe. */
export function preparedStatement(name: string, sql: string): string {
  for (const [known, n] of preparedStatements) {
    if (n === name && known !== sql) throw new Error(`prepared statement ${name} is already registered with other SQL`);
  }
  preparedStatements.set(sql, name);
  return sql;
}

export function createPrisma(databaseUrl: string, poolSize = 10): PrismaClient {
  const adapter = new PrismaPg(
    { connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: POOL_WAIT_MS },
    // '' is the protocol's unnamed statement: parsed and planned each time, as without this option.
    { statementNameGenerator: (query) => preparedStatements.get(query.sql) ?? '' },
  );
  return new PrismaClient({ adapter });
}
