import { rmSync } from 'node:fs';
import type { RunningPostgres } from '../dev/postgres';
import { dropDatabase } from '../dev/postgres';
import type { DevServer } from '../dev/temporal-dev-server';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__SAGA_TEST__ as { postgres: RunningPostgres; temporal: DevServer; dir: string } | undefined;
  if (!state) return;
  await state.temporal.stop();
  if (state.postgres.embedded) await state.postgres.stop();
  else await dropDatabase(state.postgres.url).catch(() => undefined);
  if (!process.env.KEEP_TEST_DIR) rmSync(state.dir, { recursive: true, force: true });
}
