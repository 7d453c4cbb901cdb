// The revise saga (runs inside the order workflow while the order waits for dispatch):
// REVISION_PENDING → stock delta → credit delta → payment delta → back to the previous status with
// the new items; a decline undoes the deltas already applied, in reverse, and records
// RevisionRejected with the reason. Each step has a key `<orderId>:revise-<n>:<step>` so retries and
// replays apply it once.
import { revisionDelta, type OrderLine, type OrderStatus, type RevisionRejectionReason } from '../domain/orders/order';
import type { OrderCommand } from '../activities/orders/order.activities';
import type { sagaActivities, compensationActivities } from './activities';
import { CompensationStack } from './compensations';
import { summarized } from './activities';
import type { ReviseRequest } from './definitions';

export interface RevisionContext {
  orderId: string;
  revision: number;
  currentItems: readonly OrderLine[];
  paymentToken: string;
  act: ReturnType<typeof sagaActivities>;
  undo: ReturnType<typeof compensationActivities>;
  transition: (step: string, command: OrderCommand) => Promise<OrderStatus>;
  declineCode: (error: unknown) => string | null;
  onCompensationFailure: (name: string, round: number, message: string) => Promise<void>;
}

export type RevisionOutcome = { revised: true; items: OrderLine[]; totalCents: number } | { revised: false; reason: string };

const REVISION_DECLINES = new Set<string>(['OUT_OF_STOCK', 'CREDIT_LIMIT_EXCEEDED', 'PAYMENT_DECLINED']);

export async function reviseOrderSaga(ctx: RevisionContext, request: ReviseRequest): Promise<RevisionOutcome> {
  const { orderId, revision, act, undo } = ctx;
  const key = (step: string) => `${orderId}:revise-${revision}:${step}`;
  const newItems: OrderLine[] = request.lines.map((l) => ({ ...l, lineTotalCents: l.unitPriceCents * l.quantity }));
  const delta = revisionDelta(ctx.currentItems, newItems);

  try {
    await ctx.transition(`revise-${revision}-request`, { type: 'requestRevision', lines: request.lines, orderMinimumCents: request.orderMinimumCents });
  } catch (error) {
    // The API checks the minimum and the status before sending; if they changed meanwhile, the
    // revision never started and the order is untouched.
    const code = ctx.declineCode(error);
    if (code === 'ORDER_MINIMUM_NOT_MET' || code === 'ORDER_NOT_REVISABLE') return { revised: false, reason: code };
    throw error;
  }

  const compensations = new CompensationStack();
  try {
    await summarized(act.stock.adjustReservation, `Revision ${revision}: adjust stock`, { orderId, stepKey: key('stock'), deltas: delta.quantityDeltas });
    compensations.push({
      name: 'undoStockDelta',
      run: () => summarized(undo.stock.adjustReservation, `Compensate revision ${revision}: stock`, { orderId, stepKey: key('stock-undo'), deltas: delta.quantityDeltas.map((d) => ({ ...d, quantityDelta: -d.quantityDelta })) }),
    });
    await summarized(act.credit.adjustCredit, `Revision ${revision}: credit ${delta.totalDeltaCents}¢`, { orderId, stepKey: key('credit'), deltaCents: delta.totalDeltaCents });
    compensations.push({ name: 'undoCreditDelta', run: () => summarized(undo.credit.adjustCredit, `Compensate revision ${revision}: credit`, { orderId, stepKey: key('credit-undo'), deltaCents: -delta.totalDeltaCents }) });
    await summarized(act.payment.adjustPayment, `Revision ${revision}: payment ${delta.totalDeltaCents}¢`, { orderId, stepKey: key('payment'), deltaCents: delta.totalDeltaCents, token: ctx.paymentToken });
  } catch (error) {
    const code = ctx.declineCode(error);
    if (!code || !REVISION_DECLINES.has(code)) throw error;
    await compensations.unwind(ctx.onCompensationFailure);
    await ctx.transition(`revise-${revision}-reject`, { type: 'rejectRevision', reason: code as RevisionRejectionReason });
    return { revised: false, reason: code };
  }
  await ctx.transition(`revise-${revision}-confirm`, { type: 'reviseOrder', lines: request.lines });
  return { revised: true, items: newItems, totalCents: request.totalCents };
}
