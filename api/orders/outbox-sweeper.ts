// Background duties of an API process, each a bounded batch on a timer:
//  - start the sagas of orders whose request died between committing the order and starting its
//    saga (the outbox `saga_starts`; starting is idempotent, so several API processes may sweep);
//  - forget Idempotency-Keys older than IDEMPOTENCY_TTL.
// No DB connection is held while Temporal is called.
import type { Logger } from '../../platform/logger';
import type { PlaceOrderInput } from '../../domain/orders/order.commands';
import { startSaga, type PlaceOrderDeps } from './place-order.service';

const BATCH = 50;
/** An outbox row younger than this belongs to a request still under way (its start takes ≤ 5 s). */
export const ORPHAN_AFTER_MS = 10_000;

export async function sweepSagaStarts(deps: PlaceOrderDeps, olderThanMs = ORPHAN_AFTER_MS): Promise<number> {
  const rows = await deps.prisma.$queryRaw<{ order_id: string; input: PlaceOrderInput }[]>`
    SELECT order_id, input FROM saga_starts
    WHERE created_at < now() - ${olderThanMs} * interval '1 millisecond'
    ORDER BY created_at LIMIT ${BATCH}`;
  for (const row of rows) {
    await startSaga(deps, row.input);
    await deps.prisma.sagaStart.deleteMany({ where: { orderId: row.order_id } });
  }
  return rows.length;
}

export async function forgetExpiredIdempotencyKeys(deps: PlaceOrderDeps): Promise<number> {
  return deps.prisma.$executeRaw`
    DELETE FROM idempotency_keys WHERE (customer_id, key) IN (
      SELECT customer_id, key FROM idempotency_keys
      WHERE created_at < now() - ${deps.config.IDEMPOTENCY_TTL} * interval '1 millisecond' LIMIT 1000)`;
}

/** Runs both duties every `everyMs` until stopped; failures are logged and retried next round. */
export function startOutboxSweeper(deps: PlaceOrderDeps, logger: Logger, everyMs = 5_000): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => {
      try {
        const started = await sweepSagaStarts(deps);
        if (started > 0) logger.warn({ started }, 'started sagas of orders whose request ended before starting them');
        await forgetExpiredIdempotencyKeys(deps);
      } catch (error) {
        logger.warn({ err: error }, 'outbox sweep failed; retrying next round');
      }
    });
  }, everyMs);
  timer.unref();
  return { async stop() { clearInterval(timer); await running; } };
}
