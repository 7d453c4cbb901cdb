// Applies the committed Prisma migrations to DATABASE_URL and exits: the compose `migrate` one-shot
// service runs it before the API and workers start, and operators can run it by hand
// (`DATABASE_URL=… npx tsx scripts/migrate.ts`). Exit code 0 means the schema is up to date.
import { loadConfig } from '../platform/config';
import { applyMigrations } from '../platform/migrate';

/** Prints the database without its password, so the log line is safe to keep. */
function describe(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

export async function main(): Promise<number> {
  const config = loadConfig(process.env, { secrets: false });
  if (!config.DATABASE_URL) {
    console.error('[migrate] DATABASE_URL is required');
    return 1;
  }
  const result = await applyMigrations(config.DATABASE_URL);
  for (const name of result.applied) console.log(`[migrate] applied ${name}`);
  console.log(
    `[migrate] ${describe(config.DATABASE_URL)}: ${result.applied.length} applied, ${result.alreadyApplied} already applied`,
  );
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`[migrate] failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
