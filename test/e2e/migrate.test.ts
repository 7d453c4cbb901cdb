// platform/migrate.ts on a real PostgreSQL (the run's server, a fresh database per test): a CRLF
// checkout of applied migrations is not "edited", a held migration lock fails in bounded time naming
// its holder, and migrations the database knows but the checkout lacks are warned about.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { applyMigrations, MIGRATIONS_DIR, migrationChecksum } from '../../platform/migrate';
import { dropDatabase, ensureDatabase } from '../../dev/postgres';

const PRISMA_MIGRATE_LOCK = 72707369;
const databases: string[] = [];
const folders: string[] = [];

async function freshDatabase(): Promise<string> {
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/migrate_${randomBytes(5).toString('hex')}`;
  await ensureDatabase(url.toString());
  databases.push(url.toString());
  return url.toString();
}

/** A migrations folder with the given migration.sql files, written byte for byte. */
function migrationsFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'saga-migrations-'));
  folders.push(dir);
  for (const [name, sql] of Object.entries(files)) {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

/** The project's migrations as a checkout with CRLF line endings would have them. */
function crlfCopyOfProjectMigrations(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'saga-migrations-crlf-'));
  folders.push(dir);
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  for (const name of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
    const file = path.join(dir, name, 'migration.sql');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\r?\n/g, '\r\n'));
  }
  return dir;
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>, applicationName?: string): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

const quiet = { warn: () => undefined };

afterAll(async () => {
  for (const url of databases) await dropDatabase(url).catch(() => undefined);
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('line endings', () => {
  it('when the project migrations were applied from LF files and the checkout now has CRLF, then nothing counts as edited and nothing is applied again', async () => {
    const url = await freshDatabase();
    const first = await applyMigrations(url, quiet);
    expect(first.applied.length).toBeGreaterThan(0);

    const again = await applyMigrations(url, { ...quiet, dir: crlfCopyOfProjectMigrations() });

    expect(again).toEqual({ applied: [], alreadyApplied: first.applied.length, missingOnDisk: [] });
  });

  it('when a migration was applied from CRLF, then Prisma\'s checksum of the file as read is recorded and the LF checkout matches it', async () => {
    const url = await freshDatabase();
    const crlf = 'CREATE TABLE crlf_probe (id int);\r\nCREATE INDEX crlf_probe_id ON crlf_probe (id);\r\n';
    await applyMigrations(url, { ...quiet, dir: migrationsFolder({ '20260101000000_probe': crlf }) });

    const { rows } = await withClient(url, (c) => c.query(`SELECT checksum FROM "_prisma_migrations" WHERE migration_name = '20260101000000_probe'`));
    expect(rows).toEqual([{ checksum: migrationChecksum(crlf) }]);
    const lf = migrationsFolder({ '20260101000000_probe': crlf.replace(/\r\n/g, '\n') });
    expect(await applyMigrations(url, { ...quiet, dir: lf })).toMatchObject({ applied: [], alreadyApplied: 1 });
  });

  it('when an applied migration really changed, then it is still refused as edited', async () => {
    const url = await freshDatabase();
    await applyMigrations(url, { ...quiet, dir: migrationsFolder({ '20260101000000_probe': 'CREATE TABLE edited_probe (id int);\n' }) });

    const edited = migrationsFolder({ '20260101000000_probe': 'CREATE TABLE edited_probe (id bigint);\r\n' });

    await expect(applyMigrations(url, { ...quiet, dir: edited })).rejects.toThrow('migration 20260101000000_probe was edited after it was applied');
  });
});

describe('the migration lock', () => {
  it('when another session holds the lock past the timeout, then applying fails within the timeout, naming the lock and the holder', async () => {
    const url = await freshDatabase();
    const dir = migrationsFolder({ '20260101000000_probe': 'CREATE TABLE lock_probe (id int);\n' });
    await withClient(url, async (holder) => {
      await holder.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]);
      const { pid } = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!;
      const started = Date.now();

      const error: Error = await applyMigrations(url, { ...quiet, dir, lockTimeoutMs: 500 }).then(() => { throw new Error('applied despite the lock'); }, (e: Error) => e);

      expect(Date.now() - started).toBeLessThan(5_000);
      expect(error.message).toContain(`pg_advisory_lock(${PRISMA_MIGRATE_LOCK})`);
      expect(error.message).toContain('within 500 ms');
      expect(error.message).toContain(`held by pid ${pid}`);
      expect(error.message).toContain('application "crashed-migrator"');
    }, 'crashed-migrator');
    // Nothing was applied while the lock was held.
    const { rows } = await withClient(url, (c) => c.query(`SELECT to_regclass('lock_probe') AS t`));
    expect(rows).toEqual([{ t: null }]);
  });

  it('when the holder releases the lock within the timeout, then applying waits for it and succeeds', async () => {
    const url = await freshDatabase();
    const dir = migrationsFolder({ '20260101000000_probe': 'CREATE TABLE wait_probe (id int);\n' });
    await withClient(url, async (holder) => {
      await holder.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]);
      const applying = applyMigrations(url, { ...quiet, dir, lockTimeoutMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await holder.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK]);

      expect(await applying).toMatchObject({ applied: ['20260101000000_probe'] });
    });
  });

  it('when migrations are applied, then the lock is released afterwards', async () => {
    const url = await freshDatabase();
    await applyMigrations(url, { ...quiet, dir: migrationsFolder({ '20260101000000_probe': 'SELECT 1;\n' }) });

    const { rows } = await withClient(url, (c) => c.query('SELECT pg_try_advisory_lock($1) AS free', [PRISMA_MIGRATE_LOCK]));
    expect(rows).toEqual([{ free: true }]);
  });
});

describe('migrations missing on disk', () => {
  it('when the database has applied a migration this checkout lacks, then it is warned about and returned, and the rest proceeds', async () => {
    const url = await freshDatabase();
    const newer = migrationsFolder({ '20260101000000_one': 'CREATE TABLE missing_one (id int);\n', '20260102000000_two': 'CREATE TABLE missing_two (id int);\n' });
    await applyMigrations(url, { ...quiet, dir: newer });
    const older = migrationsFolder({ '20260101000000_one': 'CREATE TABLE missing_one (id int);\n', '20260103000000_three': 'CREATE TABLE missing_three (id int);\n' });
    const warnings: string[] = [];

    const result = await applyMigrations(url, { dir: older, warn: (m) => warnings.push(m) });

    expect(result).toEqual({ applied: ['20260103000000_three'], alreadyApplied: 1, missingOnDisk: ['20260102000000_two'] });
    expect(warnings).toEqual([expect.stringContaining('migration 20260102000000_two is recorded as applied in the database but is missing from')]);
  });

  it('when no warn callback is given (the existing call sites), then the warning goes to the console', async () => {
    const url = await freshDatabase();
    await applyMigrations(url, { ...quiet, dir: migrationsFolder({ '20260101000000_gone': 'SELECT 1;\n' }) });
    const spy = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const result = await applyMigrations(url, migrationsFolder({}));

      expect(result.missingOnDisk).toEqual(['20260101000000_gone']);
      expect(spy).toHaveBeenCalledWith(expect.stringMatching(/^\[migrate\] migration 20260101000000_gone is recorded as applied/));
    } finally {
      spy.mockRestore();
    }
  });
});
