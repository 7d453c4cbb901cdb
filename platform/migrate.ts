// Applies the committed Prisma migrations without Prisma's native schema engine (which cannot be
// downloaded everywhere). It follows `prisma migrate deploy`'s bookkeeping exactly — same table,
// checksum and advisory lock — so a database migrated here is "up to date" for the real CLI too.
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const PRISMA_MIGRATE_LOCK = 72707369;
export const MIGRATIONS_DIR = path.resolve(__dirname, '..', 'prisma', 'migrations');

export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
  /** Recorded as applied in the database but absent from the migrations folder (also passed to `warn`). */
  missingOnDisk: string[];
}

export interface MigrateOptions {
  dir?: string;
  /** How long to wait for another migrator's lock before failing with who holds it; 0 waits without limit. */
  lockTimeoutMs?: number;
  /** Non-fatal findings, e.g. migrations the database knows and the checkout does not. */
  warn?: (message: string) => void;
}

/** `options` may also be the migrations folder, as the second argument used to be. */
export async function applyMigrations(databaseUrl: string, options: string | MigrateOptions = {}): Promise<MigrationResult> {
  const { dir = MIGRATIONS_DIR, lockTimeoutMs = DEFAULT_LOCK_TIMEOUT_MS, warn = (message: string) => console.warn(`[migrate] ${message}`) } =
    typeof options === 'string' ? { dir: options } : options;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let locked = false;
  try {
    await takeMigrationLock(client, lockTimeoutMs);
    locked = true;
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const done = new Map(rows.map((r) => [r.migration_name, r]));
    const failed = rows.find((r) => r.finished_at === null);
    if (failed) throw new Error(`migration ${failed.migration_name} failed earlier; resolve it before starting`);

    const names = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'migration.sql')))
      .map((d) => d.name)
      .sort();
    const onDisk = new Set(names);
    const missingOnDisk = rows.map((r) => r.migration_name).filter((name) => !onDisk.has(name)).sort();
    for (const name of missingOnDisk) {
      warn(`migration ${name} is recorded as applied in the database but is missing from ${dir}: this checkout is older than the database, or the folder was renamed or deleted`);
    }
    const applied: string[] = [];
    for (const name of names) {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      const checksum = migrationChecksum(sql);
      const previous = done.get(name);
      if (previous) {
        if (!checksumMatches(sql, previous.checksum)) throw new Error(`migration ${name} was edited after it was applied`);
        continue;
      }
      const id = randomUUID();
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
           VALUES ($1, $2, now(), $3, 1)`,
          [id, checksum, name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${(error as Error).message}`);
      }
      applied.push(name);
    }
    return { applied, alreadyApplied: names.length - applied.length, missingOnDisk };
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK]).catch(() => undefined);
    await client.end();
  }
}

/** What Prisma records for a migration: sha256 of migration.sql exactly as read, in lowercase hex. */
export function migrationChecksum(script: string): string {
  return createHash('sha256').update(script).digest('hex');
}

/**
 * Prisma's comparison (schema-engine `script_matches_checksum`): the recorded checksum may be of the
 * script as read, with CRLF turned into LF, or with LF turned into CRLF — git may check a migration out
 * with either line ending, and that is not an edit. Early Prisma versions wrote the hex without
 * zero-padding each byte; such checksums (shorter than 64) are compared in that form.
 */
export function checksumMatches(script: string, recorded: string): boolean {
  const variants = [script, script.replace(/\r\n/g, '\n'), script.replace(/\n/g, '\r\n')];
  return variants.some((variant) => {
    const digest = createHash('sha256').update(variant).digest();
    const hex = recorded.length !== 0 && recorded.length !== 64
      ? [...digest].map((byte) => byte.toString(16)).join('')
      : digest.toString('hex');
    return hex === recorded;
  });
}

/**
 * Takes Prisma Migrate's advisory lock, waiting at most `timeoutMs` (Postgres' lock_timeout applies to
 * advisory locks too). On timeout the error names the lock and the session holding it, instead of
 * hanging behind e.g. a crashed migrator whose connection is still open.
 */
async function takeMigrationLock(client: pg.Client, timeoutMs: number): Promise<void> {
  await client.query(`SELECT set_config('lock_timeout', $1, false)`, [`${Math.max(0, Math.floor(timeoutMs))}ms`]);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]);
  } catch (error) {
    if ((error as { code?: string }).code !== '55P03') throw error; // lock_not_available
    throw new Error(
      `could not take the migration lock pg_advisory_lock(${PRISMA_MIGRATE_LOCK}) (Prisma Migrate's) within ${timeoutMs} ms; ` +
      `${await describeLockHolder(client)}. Another migrator (npm start, scripts/migrate.ts, prisma migrate) may still be running; ` +
      'if it is gone but its session stays open, end that session with SELECT pg_terminate_backend(<pid>) and retry',
    );
  } finally {
    await client.query('RESET lock_timeout').catch(() => undefined);
  }
}

async function describeLockHolder(client: pg.Client): Promise<string> {
  // A bigint advisory key shows in pg_locks as classid = high 32 bits, objid = low 32 bits, objsubid = 1.
  const { rows } = await client.query<{ pid: number; application_name: string; usename: string | null; client_addr: string | null; state: string | null; backend_start: Date | null; query: string | null }>(
    `SELECT a.pid, a.application_name, a.usename, host(a.client_addr) AS client_addr, a.state, a.backend_start, left(a.query, 200) AS query
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND ((l.classid::bigint << 32) | l.objid::bigint) = $1`,
    [PRISMA_MIGRATE_LOCK],
  ).catch(() => ({ rows: [] }));
  if (rows.length === 0) return 'no session holds it now (it was just released, or pg_locks is not readable): retry';
  return rows.map((r) =>
    `held by pid ${r.pid} (application "${r.application_name}", user ${r.usename ?? '?'}, from ${r.client_addr ?? 'local socket'}, ` +
    `state ${r.state ?? '?'}, connected since ${r.backend_start?.toISOString() ?? '?'}, last query ${JSON.stringify(r.query ?? '')})`,
  ).join('; ');
}
